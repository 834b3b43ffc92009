"""The audit log: who changed what. Each operation adds its own entry in its own transaction.

An entry is added to the session like any other row, so it is written with the change and
thrown away with it when the change is refused or fails.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AuditEvent, StaffUser

COMMAND_LINE = "command line"


PERSON_BOOKED = "the person booked, by their booking link"
WORKER = "the email worker, on schedule"
BOOKING_FORM = "someone using the booking form"


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
