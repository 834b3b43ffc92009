"""The training team: staff accounts, trainers' dates, the register and the audit log."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import enum_column


class Role(enum.StrEnum):
    ADMIN = "admin"
    TRAINER = "trainer"


course_date_trainer = sa.Table(
    "course_date_trainer",
    db.metadata,
    sa.Column("course_date_id", sa.ForeignKey("course_date.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("staff_user_id", sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(UserMixin, db.Model):
    """Someone in the training team who signs in: an admin, or a trainer who takes the register.

    Either with a password kept here (an email address no other such account has), or through the council's
    Microsoft account, found by its tenant and object ids and never by its address."""

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "object_id", name="uq_staff_user_tenant_object"),
        sa.Index(
            "uq_staff_user_local_email",
            "email",
            unique=True,
            sqlite_where=sa.text("object_id IS NULL"),
            postgresql_where=sa.text("object_id IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    # The Microsoft Entra ID tenant (`tid`) and the person's object id in it (`oid`), for accounts that sign
    # in with the council's provider; None for accounts with a password here.
    tenant_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    object_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    # None until an invited person sets one, and for accounts that only sign in through the council's provider.
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    role: so.Mapped[Role] = so.mapped_column(enum_column(Role, "staff_role"), default=Role.ADMIN)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Part of the session cookie's user id: changing it (a new password) signs out every session.
    session_key: so.Mapped[str] = so.mapped_column(sa.String(32), default=lambda: secrets.token_hex(8))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # A second factor for signing in with a password: the secret of an authenticator app (base32), and the
    # last 30-second step whose code was used, so no code works twice.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_last_step: so.Mapped[int | None]
    # An admin asked that this account use a second factor: it sets one up at its next sign-in.
    second_factor_required: so.Mapped[bool] = so.mapped_column(default=False)

    dates: so.Mapped[list["CourseDate"]] = so.relationship(secondary=course_date_trainer, back_populates="trainers")  # noqa: F821

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def signs_in_with_provider(self) -> bool:
        return self.object_id is not None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.email})" if self.name else self.email


class LinkPurpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


class StaffLink(db.Model):
    """A single-use, short-lived link emailed to a member of staff: to set a password when invited, or a new
    one when they forgot theirs. Using it, or a new one of the same purpose, ends it."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    staff_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[LinkPurpose] = so.mapped_column(enum_column(LinkPurpose, "staff_link_purpose"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    staff_user: so.Mapped[StaffUser] = so.relationship()


class StaffSession(db.Model):
    """One signed-in browser. Signing out deletes it, so a copy of the cookie no longer signs anyone in."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Kept in the signed session cookie; the row is what makes it valid.
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    staff_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    # A session ends this long after it began (SESSION_ABSOLUTE_LIFETIME), however busy it is.
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class AttendanceMark(enum.StrEnum):
    """What the register says of one person on one day."""

    ATTENDED = "attended"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]

    @property
    def came(self) -> bool:
        """They were there for some of the day at least."""
        return self != AttendanceMark.ABSENT


ATTENDANCE_LABELS = {
    AttendanceMark.ATTENDED: "Attended",
    AttendanceMark.LEFT_EARLY: "Left early",
    AttendanceMark.ABSENT: "Absent",
}


class Completion(enum.StrEnum):
    """What the register of every day says of a booking, once it is taken."""

    COMPLETED = "completed"
    PARTLY = "partly"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return COMPLETION_LABELS[self]


COMPLETION_LABELS = {
    Completion.COMPLETED: "Completed",
    Completion.PARTLY: "Partly attended",
    Completion.ABSENT: "Did not attend",
}


def completion_from_counts(days: int, marked: int, attended: int, absent: int) -> Completion | None:
    """Completed: attended every day. Partly attended: there for some of it (a day missed, or left
    early). Did not attend: absent on every day. None until every day's register has a mark.
    From the counts of a booking's marks, as a report's query gives them."""
    if days == 0 or marked < days:
        return None
    if attended == days:
        return Completion.COMPLETED
    if absent == days:
        return Completion.ABSENT
    return Completion.PARTLY


def completion_of(marks: list[AttendanceMark | None]) -> Completion | None:
    """completion_from_counts, from the mark of each day (None: not taken)."""
    return completion_from_counts(
        len(marks),
        sum(mark is not None for mark in marks),
        sum(mark == AttendanceMark.ATTENDED for mark in marks),
        sum(mark == AttendanceMark.ABSENT for mark in marks),
    )


class Attendance(db.Model):
    """Whether a person came on one day of their course: all day, part of it, or not at all."""

    __table_args__ = (sa.UniqueConstraint("booking_id", "course_day_id", name="uq_attendance_booking_day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    booking_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    course_day_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_day.id", ondelete="CASCADE"), index=True)
    mark: so.Mapped[AttendanceMark] = so.mapped_column(enum_column(AttendanceMark, "attendance_mark"))
    marked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    marked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    marked_by: so.Mapped["StaffUser | None"] = so.relationship()


class AuditEvent(db.Model):
    """Who changed what, and when. Written with the change; never edited."""

    # For the audit log's filters, newest first: what was done, by whom, and about which record (a person's
    # bookings). The date range uses the index on `at`.
    __table_args__ = (
        sa.Index("ix_audit_event_action_id", "action", "id"),
        sa.Index("ix_audit_event_actor_id", "actor", "id"),
        sa.Index("ix_audit_event_staff_user_id_id", "staff_user_id", "id"),
        sa.Index("ix_audit_event_subject", "subject_type", "subject_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    # Who, in words that survive the account being removed ("jo@example.org", "command line").
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    action: so.Mapped[str] = so.mapped_column(sa.String(60))
    subject_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    subject_id: so.Mapped[int | None]
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
