"""What the email worker queues as days pass: reminders before a course, the access summary for staff, and
the team's warning when a date has fewer people than it needs."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.clock import today_in_london
from app.database import writing
from app.enrolment import date_emails as messages
from app.enrolment.availability import first_day_column
from app.models import Approval, Booking, BookingStatus, CourseDate, DateStatus, OutboxMessage
from app.staff.visibility import staff_who_see


def queue_reminders(session: Session, now: datetime, days_before: list[int]) -> int:
    """Queue the nearest reminder that is due for each place. Each goes once, and only to places booked
    before it was due; one that a nearer reminder has overtaken is never sent."""
    with writing(session):
        horizon = today_in_london(now) + timedelta(days=max(days_before, default=0) + 1)
        first_day = first_day_column()
        bookings = session.scalars(
            sa.select(Booking)
            .join(Booking.course_date)
            .where(
                CourseDate.status == DateStatus.PUBLISHED,
                Booking.status == BookingStatus.CONFIRMED,
                Booking.email_checked_at.is_not(None),
                Booking.approval != Approval.WAITING,
                first_day >= today_in_london(now),
                first_day <= horizon,
            )
        ).all()
        due = []
        for booking in bookings:
            starts_at = booking.course_date.starts_at
            # Only the nearest reminder that is due: after a worker outage, one email, not two.
            nearest = [
                days
                for days in days_before
                if starts_at - timedelta(days=days) <= now < starts_at
                and booking.confirmed_at
                and booking.confirmed_at <= starts_at - timedelta(days=days)
            ]
            if nearest:
                due.append((booking, min(nearest)))
        # One query for the reminders already queued, rather than one per place.
        keys = [messages.reminder_key(booking, days) for booking, days in due]
        sent = set(session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
        queued = 0
        for booking, days in due:
            if messages.reminder_key(booking, days) not in sent:
                queued += messages.reminder(session, booking, days) is not None
        return queued


def queue_access_summaries(session: Session, now: datetime, days_before: int) -> int:
    """Send each admin and each trainer of a date the summary of access needs, once, before it starts."""
    with writing(session):
        first_day = first_day_column()
        dates = session.scalars(
            sa.select(CourseDate).where(
                CourseDate.status == DateStatus.PUBLISHED,
                first_day >= today_in_london(now),
                first_day <= today_in_london(now) + timedelta(days=days_before),
            )
        ).unique()
        queued = 0
        for course_date in dates:
            if not course_date.starts_at - timedelta(days=days_before) <= now < course_date.starts_at:
                continue
            for user in staff_who_see(session, course_date):
                queued += messages.access_summary(session, user, course_date) is not None
        return queued


def queue_below_minimum(session: Session, now: datetime, days_before: int) -> int:
    """Tell the training team, once for each date, when a published date with a minimum has fewer people
    with a place than it needs, `days_before` days before it starts (or later, if it was set later)."""
    with writing(session):
        first_day = first_day_column()
        today = today_in_london(now)
        dates = session.scalars(
            sa.select(CourseDate).where(
                CourseDate.status == DateStatus.PUBLISHED,
                CourseDate.minimum_places.is_not(None),
                CourseDate.places_taken < CourseDate.minimum_places,
                first_day > today,
                first_day <= today + timedelta(days=days_before),
            )
        ).unique()
        return sum(messages.below_minimum(session, course_date) is not None for course_date in dates)


def reminder_days(config) -> list[int]:
    return [int(part) for part in str(config["REMINDER_DAYS"]).split(",") if part.strip()]


def reminders_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: the reminders that have become due (REMINDER_DAYS)."""
    return queue_reminders(session, now, reminder_days(config))


def below_minimum_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: dates with fewer people than they need (MINIMUM_NUMBERS_DAYS)."""
    return queue_below_minimum(session, now, config["MINIMUM_NUMBERS_DAYS"])


def access_summaries_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: the access summaries that have become due (ACCESS_SUMMARY_DAYS)."""
    return queue_access_summaries(session, now, config["ACCESS_SUMMARY_DAYS"])
