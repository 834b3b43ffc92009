"""The email outbox."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import Booking, enum_column


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # Not sent because it no longer applied, such as a reminder for a place since cancelled.
    SKIPPED = "skipped"


class OutboxMessage(db.Model):
    """An email waiting to be sent, written in the same transaction as the change that caused it."""

    __table_args__ = (
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_message_recipient", "to_key", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    # Messages that must go once only (reminders, new-date notices) carry a key that is unique.
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    booking_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("booking.id"), index=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    # The recipient as one person (app.core.addresses.email_key), to count what one address has been sent.
    to_key: so.Mapped[str] = so.mapped_column(sa.String(254), default="", server_default="")
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    # What the message needs besides its booking (date, calendar method and sequence, reason...).
    # The text, HTML and invite are rendered from it when the message is sent, outside the
    # transaction that queued it, so queueing stays cheap inside the booking lock.
    context: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    message_id: so.Mapped[str] = so.mapped_column(sa.String(200))

    status: so.Mapped[OutboxStatus] = so.mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Which claim holds the message while it is sending: a worker records an outcome, or sends at all,
    # only while the message still carries its own claim's token.
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    last_error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    booking: so.Mapped[Booking | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
