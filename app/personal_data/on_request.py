"""A person's rights over their data (UK GDPR): a copy of everything held about them, and erasure.

A person is their email address, as the service tells people apart (app.core.addresses.email_key): their
bookings, the briefings they said they watched, their requests to hear about new dates, the emails sent to
them, the audit entries about their bookings, and bookings where someone named them as their manager.
What is held is listed in app/personal_data/inventory.py; both the copy and the erasure follow it.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.addresses import email_key
from app.core.rules import Refused
from app.database import utcnow, writing
from app.enrolment.availability import has_finished
from app.models import (
    Attendance,
    AuditEvent,
    Booking,
    Certificate,
    Feedback,
    Interest,
    OutboxMessage,
    StaffUser,
    WatchedRecord,
)
from app.personal_data.erasure import erase_bookings
from app.personal_data.inventory import ABOUT_PEOPLE, NOT_PERSONAL, SECRETS, erased_values

NOT_SHOWN = "(held, but not shown: a secret key)"


class CannotErase(Refused):
    """The person still has a place (or a place on a waiting list) on a course that has not finished."""


def plain(value):
    """A value as JSON can hold it: dates and times as ISO 8601 text, choices by their stored word."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def row(record, table: str, **more) -> dict:
    """Every column of a record the inventory knows, secret keys named but not shown, and `more`."""
    columns = [column.name for column in record.__table__.columns]
    known = ABOUT_PEOPLE.get(table, {}).keys() | NOT_PERSONAL.get(table, set())
    values = {
        name: NOT_SHOWN if (table, name) in SECRETS else plain(getattr(record, name))
        for name in columns
        if name in known
    }
    return values | {name: plain(value) for name, value in more.items()}


def same_person(addresses: Iterable[tuple[int, str]], key: str) -> list[int]:
    return [record_id for record_id, address in addresses if address and email_key(address) == key]


def _domain_of(key: str) -> str:
    return "%@" + key.rpartition("@")[2]


@dataclass
class Held:
    """The records about one person."""

    key: str
    bookings: list[Booking]
    watched: list[WatchedRecord]
    interest: list[Interest]
    emails: list[OutboxMessage]
    audit_entries: list[AuditEvent]
    managed: list[Booking]  # other people's bookings that name this person as their manager

    @property
    def is_empty(self) -> bool:
        return not (self.bookings or self.watched or self.interest or self.emails or self.managed)


def held_about(session: Session, address: str) -> Held:
    key = email_key(address)
    bookings = list(
        session.scalars(
            sa.select(Booking).where(Booking.email_key == key, Booking.anonymised_at.is_(None)).order_by(Booking.id)
        )
    )
    booking_ids = [b.id for b in bookings]
    watched = list(
        session.scalars(sa.select(WatchedRecord).where(WatchedRecord.email_key == key).order_by(WatchedRecord.id))
    )
    watched_ids = [w.id for w in watched]
    interest = list(session.scalars(sa.select(Interest).where(Interest.email_key == key).order_by(Interest.id)))
    emails = list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(sa.or_(OutboxMessage.to_key == key, OutboxMessage.booking_id.in_(booking_ids)))
            .order_by(OutboxMessage.id)
        )
    )
    subjects = [("booking", booking_ids), ("interest", [i.id for i in interest]), ("watched_record", watched_ids)]
    audit_entries = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(
                sa.or_(
                    *(
                        sa.and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_(ids))
                        for kind, ids in subjects
                    )
                )
            )  # fmt: skip
            .order_by(AuditEvent.id)
        )
    )
    # A manager's address is kept as typed: narrowed by its domain in SQL, then compared as the service does.
    manager_rows = session.execute(
        sa.select(Booking.id, Booking.manager_email).where(
            sa.func.lower(Booking.manager_email).like(_domain_of(key)), Booking.anonymised_at.is_(None)
        )
    )
    managed_ids = same_person(manager_rows, key)
    managed = list(session.scalars(sa.select(Booking).where(Booking.id.in_(managed_ids)).order_by(Booking.id)))
    return Held(key, bookings, watched, interest, emails, audit_entries, managed)


def everything_about(session: Session, address: str, *, actor: StaffUser | None, now: datetime | None = None) -> dict:
    """A copy of everything held about the person, machine-readable (each section a table, each row its
    columns), for the person to take away. Audited, naming their bookings but not their address."""
    now = now or utcnow()
    with writing(session):
        held = held_about(session, address)
        ids = [b.id for b in held.bookings]
        marks = session.scalars(sa.select(Attendance).where(Attendance.booking_id.in_(ids)).order_by(Attendance.id))
        feedback = session.scalars(sa.select(Feedback).where(Feedback.booking_id.in_(ids)).order_by(Feedback.id))
        certificates = session.scalars(
            sa.select(Certificate).where(Certificate.booking_id.in_(ids)).order_by(Certificate.id)
        )
        references = {b.id: b.reference for b in held.bookings}
        data = {
            "email_address": held.key,
            "exported_at": now.isoformat(),
            "booking": [
                row(b, "booking", course=b.course_date.course.title, days=[d.day for d in b.course_date.days],
                    venue=b.course_date.venue.full_address)
                for b in held.bookings
            ],
            "attendance": [row(a, "attendance", booking_reference=references[a.booking_id]) for a in marks],
            "feedback": [row(f, "feedback", booking_reference=references[f.booking_id]) for f in feedback],
            "certificate": [row(c, "certificate") for c in certificates],
            "watched_record": [row(w, "watched_record", briefing=w.briefing.title) for w in held.watched],
            "interest": [row(i, "interest", course=i.course.title) for i in held.interest],
            "outbox_message": [row(m, "outbox_message") for m in held.emails],
            "audit_event": [row(e, "audit_event") for e in held.audit_entries],
            # Only what is about them: the name and address they were given as, and the course.
            "named_as_manager": [
                {"manager_name": b.manager_name, "manager_email": b.manager_email,
                 "course": b.course_date.course.title, "days": [d.day.isoformat() for d in b.course_date.days]}
                for b in held.managed
            ],
        }  # fmt: skip
        subject, counts = _audit_subject(held)
        audit.record(session, actor, "personal data copied", subject, f"Copied everything held about them: {counts}")
    return data


def _audit_subject(held: Held) -> tuple[tuple[str, int | None], str]:
    references = ", ".join(b.reference for b in held.bookings) or "none"
    subject = ("booking", held.bookings[0].id) if held.bookings else ("booking", None)
    counts = (
        f"bookings {references}; {len(held.watched)} briefing records; {len(held.interest)} requests to hear "
        f"about dates; {len(held.emails)} emails; named as a manager on {len(held.managed)} bookings"
    )
    return subject, counts


@dataclass(frozen=True)
class ErasureReport:
    bookings: int
    watched: int
    interest: int
    emails: int
    managed: int


def erase_person(
    session: Session, address: str, *, actor: StaffUser | None, now: datetime | None = None
) -> ErasureReport:
    """Erase a person at their request, as the retention purge does after two years: their details go from
    their bookings (and with them their certificates' names, their feedback's words, the emails about them
    and their name in the audit log), from the briefings they said they watched, and from other people's
    bookings that name them as manager; their requests to hear about dates and every email to them go.
    What the reports count stays. Refused while they still have a place on a course that has not finished:
    that place must be cancelled first, so nobody is expected on the day without a name."""
    now = now or utcnow()
    with writing(session):
        held = held_about(session, address)
        pending = [b for b in held.bookings if b.is_active and not has_finished(b.course_date, now)]
        if pending:
            raise CannotErase(
                f"They still have a booking ({pending[0].reference}) for a course that has not finished. "
                "Cancel it first, then erase their details."
            )
        subject, counts = _audit_subject(held)
        erased = erase_bookings(session, [b.id for b in held.bookings], now, on_request=True)
        session.execute(
            sa.update(WatchedRecord)
            .where(WatchedRecord.id.in_([w.id for w in held.watched]))
            .values(**erased_values(WatchedRecord.__table__))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Booking)
            .where(Booking.id.in_([b.id for b in held.managed]))
            .values(manager_name="", manager_email="")
            .execution_options(synchronize_session=False)
        )
        emails = session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.to_key == held.key)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.execute(
            sa.delete(Interest)
            .where(Interest.id.in_([i.id for i in held.interest]))
            .execution_options(synchronize_session=False)
        )
        audit.record(session, actor, "personal data erased", subject, f"Erased at their request: {counts}")
        session.expire_all()
    return ErasureReport(
        erased.bookings, len(held.watched), len(held.interest), erased.emails + emails, len(held.managed)
    )
