"""Removing a person's details from bookings, the one way both the retention purge and a request to be
erased do it: the details go as app/personal_data/inventory.py says, and what the reports count stays."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AuditEvent, Booking, Certificate, Feedback, OutboxMessage
from app.personal_data.inventory import REMOVED, erased_values


@dataclass(frozen=True)
class Erased:
    bookings: int = 0
    emails: int = 0


def erase_bookings(session: Session, booking_ids: list[int], now: datetime, *, on_request: bool = False) -> Erased:
    """Remove the person's details from these bookings (those not removed already), with their names on
    certificates and in audit entries about them, the words of their feedback, and every email about the
    bookings, sent or not (one still waiting would carry the old address and greet "Removed"). Says how many
    bookings changed and emails went. The caller holds the transaction."""
    named = session.execute(
        sa.select(Booking.id, Booking.full_name).where(Booking.id.in_(booking_ids), Booking.anonymised_at.is_(None))
    ).all()
    if not named:
        return Erased()
    ids = [booking_id for booking_id, _ in named]
    for booking_id, name in named:
        if name and name != REMOVED:
            session.execute(
                sa.update(AuditEvent)
                .where(AuditEvent.subject_type == "booking", AuditEvent.subject_id == booking_id)
                .values(summary=sa.func.replace(AuditEvent.summary, name, REMOVED))
                .execution_options(synchronize_session=False)
            )
    session.execute(
        sa.update(Booking)
        .where(Booking.id.in_(ids))
        .values(**erased_values(Booking.__table__), anonymised_at=now, **({"erased_at": now} if on_request else {}))
        .execution_options(synchronize_session=False)
    )
    # A certificate's reference still checks out, but no longer names them.
    for model in (Certificate, Feedback):
        session.execute(
            sa.update(model)
            .where(model.booking_id.in_(ids))
            .values(**erased_values(model.__table__))
            .execution_options(synchronize_session=False)
        )
    emails = session.execute(
        sa.delete(OutboxMessage).where(OutboxMessage.booking_id.in_(ids)).execution_options(synchronize_session=False)
    ).rowcount
    return Erased(len(ids), emails)
