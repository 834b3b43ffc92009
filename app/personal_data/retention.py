"""Keeping personal data no longer than needed.

Access requirements and dietary needs can reveal health or disability: they are removed a set
number of days after a course ends. After a longer time bookings are anonymised: the person's
details go, and what reports count (date, status, area of work, council area, attendance) stays.
"I have watched this" records are anonymised after the same time.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.clock import today_in_london
from app.database import writing
from app.enrolment.availability import last_day_column
from app.enrolment.date_emails import UNCONFIRMED_INTEREST_DAYS
from app.models import Booking, Certificate, Feedback, Interest, OutboxMessage, OutboxStatus, WatchedRecord

# The emails sent to someone because they asked to hear about new dates.
INTEREST_EMAILS = ("interest_check", "dates_published")


@dataclass
class PurgeReport:
    needs_removed: int
    anonymised: int
    emails_removed: int


def months_before(day: date, months: int) -> date:
    """The same day of the month, `months` earlier (the last day of the month if shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for day_of_month in range(day.day, 0, -1):
        try:
            return date(year, month + 1, day_of_month)
        except ValueError:
            continue
    raise ValueError(day)


def purge(
    session: Session, now: datetime, *, access_needs_days: int, anonymise_months: int, interest_months: int = 12
) -> PurgeReport:
    """Remove what the retention periods say must go. Running it again removes nothing more."""
    with writing(session):
        report = _purge(session, now, access_needs_days, anonymise_months, interest_months)
        summary = (
            f"Ran the retention purge: needs removed from {report.needs_removed} bookings, "
            f"{report.anonymised} bookings anonymised, {report.emails_removed} old emails removed"
        )
        audit.record(session, None, "data purged", ("booking", None), summary)
    return report


def _purge(
    session: Session, now: datetime, access_needs_days: int, anonymise_months: int, interest_months: int
) -> PurgeReport:
    today = today_in_london(now)
    needs_removed = session.execute(
        sa.update(Booking)
        .where(
            last_day_column(of=Booking.course_date_id) < today - timedelta(days=access_needs_days),
            sa.or_(
                Booking.access_details != "",
                Booking.dietary_needs != "",
                Booking.needs_note != "",
                sa.cast(Booking.access_needs, sa.String) != "[]",
            ),
        )
        .values(access_needs=[], access_details="", dietary_needs="", needs_note="")
        .execution_options(synchronize_session=False)
    ).rowcount

    cutoff = months_before(today, anonymise_months)
    removed_marker = sa.literal("removed-") + sa.cast(Booking.id, sa.String)
    old = sa.select(Booking.id).where(
        last_day_column(of=Booking.course_date_id) < cutoff, Booking.anonymised_at.is_(None)
    )
    old_ids = list(session.scalars(old))
    anonymised = 0
    if old_ids:
        anonymised = session.execute(
            sa.update(Booking)
            .where(Booking.id.in_(old_ids))
            .values(
                full_name="Removed",
                email=removed_marker + "@removed.invalid",
                email_key=removed_marker + "@removed.invalid",
                manage_token=removed_marker,
                submission_key=None,
                phone="",
                job_title="",
                organisation="",
                manager_name="",
                manager_email="",
                access_needs=[],
                access_details="",
                dietary_needs="",
                needs_note="",
                search_text="",
                anonymised_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        # A certificate's reference still checks out, but no longer names them.
        session.execute(
            sa.update(Certificate)
            .where(Certificate.booking_id.in_(old_ids))
            .values(full_name="Removed")
            .execution_options(synchronize_session=False)
        )
        # Their feedback keeps its scores, for the reports; their words go with their name.
        session.execute(
            sa.update(Feedback)
            .where(Feedback.booking_id.in_(old_ids))
            .values(worked_well="", worries="", next_steps="", may_quote=False, quote_with_name=False)
            .execution_options(synchronize_session=False)
        )
    # Every email about an anonymised booking goes, sent or not: one still waiting would carry the old
    # address and greet "Removed". Other finished emails go after the same time.
    finished = [OutboxStatus.SENT, OutboxStatus.SKIPPED, OutboxStatus.FAILED]
    emails_removed = session.execute(
        sa.delete(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.booking_id.in_(sa.select(Booking.id).where(Booking.anonymised_at.is_not(None))),
                sa.and_(
                    OutboxMessage.booking_id.is_(None),
                    OutboxMessage.status.in_(finished),
                    sa.func.date(OutboxMessage.created_at) < cutoff,
                ),
            ),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    # "I have watched this" records: who goes, what they do (area of work, council area) stays.
    session.execute(
        sa.update(WatchedRecord)
        .where(sa.func.date(WatchedRecord.created_at) < cutoff, WatchedRecord.full_name != "Removed")
        .values(
            full_name="Removed",
            email="removed@removed.invalid",
            email_key="",
            organisation="",
            learning_note="",
            submission_key=None,
            search_text="",
        )
        .execution_options(synchronize_session=False)
    )
    # People waiting to hear about new dates are forgotten after RETENTION_INTEREST_MONTHS, told or not, and a
    # request nobody confirmed after UNCONFIRMED_INTEREST_DAYS; the emails to them go with them.
    interest_cutoff = months_before(today, interest_months)
    forgotten = sa.select(Interest.id, Interest.email).where(
        sa.or_(
            sa.and_(Interest.notified_at.is_not(None), sa.func.date(Interest.notified_at) < cutoff),
            sa.func.date(Interest.created_at) < interest_cutoff,
            sa.and_(
                Interest.email_checked_at.is_(None),
                Interest.created_at < now - timedelta(days=UNCONFIRMED_INTEREST_DAYS),
            ),
        )
    )
    gone = session.execute(forgotten).all()
    if gone:
        session.execute(
            sa.delete(OutboxMessage)
            .where(
                OutboxMessage.kind.in_(INTEREST_EMAILS),
                OutboxMessage.to_address.in_(sorted({email for _, email in gone})),
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.delete(Interest)
            .where(Interest.id.in_([interest_id for interest_id, _ in gone]))
            .execution_options(synchronize_session=False)
        )
    return PurgeReport(needs_removed, anonymised, emails_removed)
