"""The audit log: who changed what. Each operation adds its own entry in its own transaction.

An entry is added to the session like any other row, so it is written with the change and
thrown away with it when the change is refused or fails.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.search import booking_matches
from app.models import LONDON, AuditEvent, Booking, StaffUser

COMMAND_LINE = "command line"

# The person who booked, by their own booking link (confirming, cancelling, moving, changing their needs).
PERSON_BOOKED = "the person booked, by their booking link"
WORKER = "the email worker, on schedule"
# The booking form, before anyone has shown the address is theirs.
BOOKING_FORM = "someone using the booking form"

# Who did it, for the audit log's filter: its value, its words, and the entries' `actor` it means. A member
# of staff is "staff-<id>".
DONE_BY = {
    "person": ("The person, on the booking form or by their link", (PERSON_BOOKED, BOOKING_FORM)),
    "worker": ("The email worker", (WORKER,)),
    "command-line": ("The command line", (COMMAND_LINE,)),
}
STAFF_PREFIX = "staff-"


def record(
    session: Session, actor: StaffUser | None, action: str, subject, summary: str, *, by: str | None = None
) -> AuditEvent:
    """Add an entry naming the record changed by its id. `subject` is a saved record or a (type, id) pair.

    A new record must be flushed first, so that it has its id. `actor` None means an operator
    at the command line, unless `by` names who it was (PERSON_BOOKED, WORKER).
    """
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        subject_type, subject_id = sa.inspect(subject).mapper.local_table.name, subject.id
        if subject_id is None:
            raise ValueError("flush a new record before auditing it, so the entry can name its id")
    event = AuditEvent(
        staff_user_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else by or COMMAND_LINE,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary,
    )
    session.add(event)
    return event


@dataclass
class Filters:
    """What the audit log is narrowed to; None (or empty) is no filter. Days are UK days, both included."""

    start: date | None = None
    end: date | None = None
    person: str = ""
    action: str = ""
    done_by: str = ""


@dataclass
class Page:
    entries: list[AuditEvent]
    number: int
    has_more: bool


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def about_person(typed: str) -> sa.ColumnElement[bool]:
    """Entries about the bookings of whoever was typed: a booking reference, or any part of a name, email or
    organisation (as Find a person finds them)."""
    bookings = sa.select(Booking.id).where(booking_matches(typed))
    return sa.and_(AuditEvent.subject_type == "booking", AuditEvent.subject_id.in_(bookings))


def done_by(value: str) -> sa.ColumnElement[bool]:
    """The entries of one of DONE_BY, or of a member of staff ("staff-12")."""
    if value.startswith(STAFF_PREFIX):
        return AuditEvent.staff_user_id == int(value.removeprefix(STAFF_PREFIX))
    return AuditEvent.actor.in_(DONE_BY[value][1])


def entries(session: Session, filters: Filters, page: int, per_page: int) -> Page:
    """One page of the entries that match, newest first."""
    where = []
    if filters.start:
        where.append(AuditEvent.at >= _start_of(filters.start))
    if filters.end:
        where.append(AuditEvent.at < _start_of(filters.end + timedelta(days=1)))
    if filters.person:
        where.append(about_person(filters.person))
    if filters.action:
        where.append(AuditEvent.action == filters.action)
    if filters.done_by:
        where.append(done_by(filters.done_by))
    found = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    return Page(found[:per_page], page, len(found) > per_page)


def actions(session: Session) -> list[str]:
    """Every action the log has an entry of, A to Z. Read from the action index a step at a time (each
    step finds the next action after the last), so it costs one look-up per action, not one per entry."""
    steps = sa.select(sa.func.min(AuditEvent.action).label("action")).cte("steps", recursive=True)
    steps = steps.union_all(
        sa.select(
            sa.select(sa.func.min(AuditEvent.action)).where(AuditEvent.action > steps.c.action).scalar_subquery()
        ).where(steps.c.action.is_not(None))
    )
    return [action for action in session.scalars(sa.select(steps.c.action)) if action is not None]


def staff_who_acted(session: Session) -> list[StaffUser]:
    """The staff accounts, for the filter of who did it."""
    return list(session.scalars(sa.select(StaffUser).order_by(StaffUser.name, StaffUser.email)))
