"""Emails about one person's booking, with the calendar invite that keeps their calendar right.

Every such email is queued with `queue_booking_email` and written by `render_booking_email`;
the parts that own each kind register it with `booking_message`. A date whose days have
different hours needs one invite per day: the first rides on the main email, and each further
day gets a short email of its own (kind "calendar_day") carrying its invite.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import Session

from app.database import utcnow
from app.mail import calendar
from app.mail.outbox import queue_message
from app.mail.registry import Batch, Reference, RenderedEmail, RenderError, message_kind, public_url, render_pair
from app.models import Booking, CourseDate, OutboxMessage

BOOKING_REFERENCES = (Reference("booking", Booking), Reference("course_date_id", CourseDate))


def manage_url(booking: Booking) -> str:
    """The private link where the person sees, moves or cancels their booking."""
    return public_url(f"/bookings/{booking.manage_token}")


def uid_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def organiser_email() -> str:
    return current_app.config["TRAINING_TEAM_EMAIL"]


def next_sequence(booking: Booking) -> int:
    """The SEQUENCE for the next invite or cancellation of this booking: it rises every time."""
    sequence = booking.calendar_sequence or 0  # None until a new booking is first saved
    booking.calendar_sequence = sequence + 1
    return sequence


def queue_booking_email(
    session: Session,
    booking: Booking,
    kind: str,
    subject: str,
    *,
    course_date: CourseDate | None = None,
    method: str | None = None,
    dedupe_key: str | None = None,
    **facts,
) -> OutboxMessage | None:
    """Queue an email about a booking, with calendar invites when `method` is given."""
    course_date = course_date or booking.course_date
    context = {"course_date_id": course_date.id, "method": method, **facts}
    days = 1
    if method:
        context["sequence"] = next_sequence(booking)
        days = len(calendar.day_groups(course_date))
    message = queue_message(
        session, kind=kind, to=booking.email, subject=subject, context=context, booking=booking, dedupe_key=dedupe_key
    )
    for day in range(2, days + 1):
        queue_message(
            session,
            kind="calendar_day",
            to=booking.email,
            subject=f"{subject}: calendar entry for day {day}",
            context={**context, "day": day},
            booking=booking,
            dedupe_key=f"{dedupe_key}:day{day}" if dedupe_key else None,
        )
    return message


def _invite(message: OutboxMessage, booking: Booking, course_date: CourseDate, day: int) -> calendar.Invite | None:
    method = (message.context or {}).get("method")
    if not method:
        return None
    invites = calendar.booking_invites(
        booking,
        course_date,
        method=method,
        sequence=(message.context or {}).get("sequence", 0),
        organiser=organiser_email(),
        manage_url=manage_url(booking),
        uid_domain=uid_domain(),
        now=utcnow(),
    )
    return invites[day - 1] if day <= len(invites) else None


def render_booking_email(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """Write an email about a booking from its template, email/<kind>, with its invite if it has one."""
    records = batch.referenced(message)
    facts = {
        key: value
        for key, value in (message.context or {}).items()
        if key not in ("method", "sequence", "day") and not key.endswith("_id")
    }
    booking, course_date = records["booking"], records["course_date"]
    invite = _invite(message, booking, course_date, 1)
    text, html = render_pair(message.kind, manage_url=manage_url(booking), **records, **facts)
    return RenderedEmail(text, html, message.context.get("method") if invite else None, invite.ics if invite else None)


def booking_message(name: str, *, references=(), check: Callable | None = None) -> None:
    """Register a kind of email about one booking. `check(booking, course_date)` may raise NoLongerApplies."""

    def render(message: OutboxMessage, batch: Batch) -> RenderedEmail:
        if check is not None:
            records = batch.referenced(message)
            check(records["booking"], records["course_date"])
        return render_booking_email(message, batch)

    message_kind(name, references=BOOKING_REFERENCES + tuple(references))(render)


@message_kind("calendar_day", references=BOOKING_REFERENCES)
def render_calendar_day(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """The short email that carries the calendar entry for a day with its own hours."""
    records = batch.referenced(message)
    booking, course_date = records["booking"], records["course_date"]
    number = message.context.get("day", 2)
    if not isinstance(number, int) or not 1 <= number <= len(course_date.days):
        raise RenderError(f"day {number} of date {course_date.id} no longer exists")
    invite = _invite(message, booking, course_date, number)
    method = message.context.get("method")
    text, html = render_pair(
        "calendar_day",
        booking=booking,
        course_date=course_date,
        manage_url=manage_url(booking),
        day=course_date.days[number - 1],
        day_number=number,
        cancelled=method == calendar.CANCEL,
    )
    return RenderedEmail(text, html, method if invite else None, invite.ics if invite else None)
