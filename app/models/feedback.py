"""What people thought of the course, asked the Signs of Safety way: what worked well, what worries
them, what needs to happen next, and where they were and are on a scale of 0 to 10."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import Booking


class Feedback(db.Model):
    """One person's feedback on their course: one per booking, changeable until the team closes it."""

    __table_args__ = (
        sa.CheckConstraint("confidence_before BETWEEN 0 AND 10", name="confidence_before_0_to_10"),
        sa.CheckConstraint("confidence_after BETWEEN 0 AND 10", name="confidence_after_0_to_10"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    booking_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    worked_well: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    worries: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    next_steps: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    confidence_before: so.Mapped[int]
    confidence_after: so.Mapped[int]
    # Whether the team may quote their words in reports and publicity, and with their name.
    may_quote: so.Mapped[bool] = so.mapped_column(default=False)
    quote_with_name: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    booking: so.Mapped[Booking] = so.relationship()
