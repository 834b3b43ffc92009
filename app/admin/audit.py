"""The audit log: who changed what, written in the same transaction as the change.

A view notes the event before calling the domain function that makes the change. The note waits
in the session and is added just before that transaction commits; if the change is refused and
rolled back, the note goes with it.
"""

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from app.models import AuditEvent

PENDING = "audit_pending"


def actor_now() -> tuple[int | None, str]:
    """Who is acting: the signed-in account, or the command line."""
    try:
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email
    except RuntimeError:  # no request: a command
        pass
    return None, "command line"


def record(session, action: str, subject, summary: str) -> None:
    """Note an event to be written with the change about to be committed. `subject` is the record
    changed (its id is read at commit, so a new record has one) or a (type, id) pair."""
    session = session() if isinstance(session, scoped_session) else session
    staff_user_id, actor = actor_now()
    session.info.setdefault(PENDING, []).append((staff_user_id, actor, action, subject, summary))


def _subject(subject) -> tuple[str, int | None]:
    if isinstance(subject, tuple):
        return subject
    return sa.inspect(subject).mapper.class_.__tablename__, subject.id


@event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    pending = session.info.get(PENDING)
    writing = session.new or session.dirty or session.deleted or session.info.get("write_transaction")
    if not (pending and writing):
        return
    session.info[PENDING] = []
    session.flush()
    for staff_user_id, actor, action, subject, summary in pending:
        subject_type, subject_id = _subject(subject)
        session.add(
            AuditEvent(
                staff_user_id=staff_user_id,
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                summary=summary,
            )
        )


@event.listens_for(Session, "after_rollback")
def forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
