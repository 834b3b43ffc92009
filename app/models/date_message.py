"""Messages the training team sends to everyone on a date: the words, who they went to and who sent them."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import CourseDate, enum_column


class Audience(enum.StrEnum):
    """Who on a date a message goes to."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    EVERYONE = "everyone"

    @property
    def label(self) -> str:
        return AUDIENCE_LABELS[self]


NOBODY_IN = {
    "confirmed": "Nobody has a place on this date yet.",
    "waiting": "Nobody is on the waiting list for this date.",
    "everyone": "Nobody has a place on this date or is waiting for one.",
}

AUDIENCE_LABELS = {
    Audience.CONFIRMED: "People with a place",
    Audience.WAITING: "People on the waiting list",
    Audience.EVERYONE: "Everyone: people with a place and the waiting list",
}


class DateMessage(db.Model):
    """An email from the training team to the people on one date, sent through the outbox."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_date_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_date.id", ondelete="CASCADE"), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(150))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    audience: so.Mapped[Audience] = so.mapped_column(enum_column(Audience, "audience"))
    recipients: so.Mapped[int]
    sent_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    # Who sent it, in words that outlive the account.
    sent_by: so.Mapped[str] = so.mapped_column(sa.String(300))
    # The hidden key of the form that sent it: sending the same form twice sends one message.
    submission_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    course_date: so.Mapped[CourseDate] = so.relationship()
