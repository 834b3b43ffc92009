"""What each person's calendar should hold for their place: one row per calendar entry we have sent.

Every change to a booking or its date works out the entries the calendar should now hold and compares
them with these rows (app.mail.entries): a new entry gets a REQUEST, a changed one a REQUEST with a
higher SEQUENCE, and one no longer wanted a CANCEL. A cancelled entry's UID is never used again.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import Booking, enum_column


class EntryStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class CalendarEntry(db.Model):
    """One calendar entry for a place: its UID, the last SEQUENCE sent and the days it covers."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    booking_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    course_date_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_date.id"))
    # Which part of the date it is: "all" when the days share one repeating entry, else "day1", "day2"...
    part: so.Mapped[str] = so.mapped_column(sa.String(20))
    uid: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    sequence: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[EntryStatus] = so.mapped_column(
        enum_column(EntryStatus, "calendar_entry_status"), default=EntryStatus.ACTIVE
    )
    # The days as sent, in UK time: [{"day": "2026-12-22", "start": "09:30", "end": "16:30"}, ...].
    days: so.Mapped[list[dict]] = so.mapped_column(sa.JSON)
    summary: so.Mapped[str] = so.mapped_column(sa.String(200))
    location: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    booking: so.Mapped[Booking] = so.relationship(back_populates="calendar_entries")

    @property
    def is_active(self) -> bool:
        return self.status == EntryStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<CalendarEntry {self.uid} {self.sequence} {self.status}>"


class SiteSetting(db.Model):
    """A value the service fixes once and keeps, such as the domain in calendar UIDs."""

    name: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.Text)
