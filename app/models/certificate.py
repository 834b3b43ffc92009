"""Certificates of attendance: what was certified, kept as it was on the day it was issued."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import Booking


class Certificate(db.Model):
    """A certificate for a booking that completed its course. The words are kept as issued, so a later
    change to the date does not change a certificate someone has already printed."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    booking_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    # Printed on the certificate and checked at /certificates/<reference>: hard to guess, easy to read out.
    reference: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    course_title: so.Mapped[str] = so.mapped_column(sa.String(200))
    # ["2026-12-22", "2026-12-23"], and the hours of learning over those days.
    days: so.Mapped[list[str]] = so.mapped_column(sa.JSON)
    hours: so.Mapped[float]
    venue: so.Mapped[str] = so.mapped_column(sa.String(300))
    trainers: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    booking: so.Mapped[Booking] = so.relationship()
