"""Emails about one person's booking, with the calendar invites that keep their calendar right.

Every such email is queued with `queue_booking_email` and written by `render_booking_email`; each kind
is installed with `booking_kind` by the install function of the package that sends it. With
`calendar_changes=True` the change first brings the booking's stored calendar entries up to date
(app.mail.entries.sync): the first change rides on the main email and each further one gets a short
email of its own ("calendar_update"), because Outlook reads one invite per email.

At send time an invite that a later change has overtaken (its SEQUENCE is below the entry's, or the
entry is no longer wanted) is left out: a calendar-only email is then skipped, and a main email goes
without it and says nothing about the calendar. So a retried invite can never bring back an entry.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.core.filters import long_date, short_days, short_time
from app.database import utcnow
from app.mail import calendar, entries
from app.mail.outbox import queue_message
from app.mail.registry import (
    Batch,
    NoLongerApplies,
    Reference,
    Registry,
    RenderedEmail,
    public_url,
    render_pair,
)
from app.models import LONDON, Approval, Booking, BookingStatus, CalendarEntry, CourseDate, OutboxMessage

BOOKING_REFERENCES = (Reference("booking", Booking), Reference("course_date_id", CourseDate))
# The only emails about a booking that go to an address before its owner has confirmed it. Their templates
# hold the service's own words only: no name, need or anything else a stranger could have typed.
FOR_AN_UNCHECKED_ADDRESS = frozenset({"booking_check", "hold_released"})
INVITE_KEYS = ("entry_id", "method", "sequence", "days")


def manage_url(booking: Booking) -> str:
    """The private link where the person sees, moves or cancels their booking."""
    return public_url(f"/bookings/{booking.manage_token}")


def organiser_email() -> str:
    return current_app.config["TRAINING_TEAM_EMAIL"]


def subject_for(course_date: CourseDate, start: str) -> str:
    """Subjects that name the course and the date: "Booked: Signs of Safety ..., 22 and 23 December"."""
    return f"{start}: {course_date.course.title}, {short_days([day.day for day in course_date.days])}"


def starts_in(course_date: CourseDate, today: date | None = None) -> str:
    """When the course starts, counted in days from today in the UK: "today", "tomorrow", "in 5 days"."""
    if not course_date.days:
        return "soon"
    days_left = (course_date.first_day - (today or datetime.now(LONDON).date())).days
    return "today" if days_left <= 0 else "tomorrow" if days_left == 1 else f"in {days_left} days"


def describe_entry(days: list[dict]) -> str:
    """The days one calendar entry covers, in words: "Tuesday 22 December, 9:30am to 4:30pm"."""
    dates = [date.fromisoformat(day["day"]) for day in days]
    first, last = entries.starts(days[0]), entries.ends(days[0])
    hours = f"{short_time(first)} to {short_time(last)}"
    if len(dates) == 1:
        return f"{long_date(dates[0])}, {hours}"
    return f"{short_days(dates)} {dates[-1].year}, {hours} each day"


@dataclass(frozen=True)
class CalendarWords:
    """What the calendar invite in the main email does. Any further change comes in an email of its own that
    says what it does, so the main email does not explain how calendars read invites."""

    this_email: str


def calendar_words(changes: list[dict]) -> CalendarWords | None:
    if not changes:
        return None
    doing = {"REQUEST": "adds", "CANCEL": "removes"}
    own = changes[0]
    return CalendarWords(
        f"The calendar invite in this email {doing[own['method']]} the entry for {describe_entry(own['days'])}."
    )


CALENDAR_SUBJECTS = {entries.REQUEST: "Added to your calendar", entries.CANCEL: "Removed from your calendar"}


def queue_booking_email(
    session: Session,
    booking: Booking,
    kind: str,
    subject: str,
    *,
    calendar_changes: bool = False,
    dedupe_key: str | None = None,
    **facts,
) -> OutboxMessage | None:
    """Queue an email about a booking. With `calendar_changes`, also bring the person's calendar entries
    up to date: this email carries the first change and each further one gets an email of its own.

    An address nobody has confirmed gets only the email that asks to confirm it and the one that says the
    hold was released: no other email, no calendar entry, and nothing the person typed."""
    if not booking.email_checked and kind not in FOR_AN_UNCHECKED_ADDRESS:
        return None
    changes = [change.as_context() for change in entries.sync(session, booking)] if calendar_changes else []
    context = {"course_date_id": booking.course_date_id, **facts, "calendar_changes": changes}
    if changes:
        context.update(changes[0])
    message = queue_message(
        session, kind=kind, to=booking.email, subject=subject, context=context, booking=booking, dedupe_key=dedupe_key
    )
    for change in changes[1:]:
        queue_message(
            session,
            kind="calendar_update",
            to=booking.email,
            subject=f"{CALENDAR_SUBJECTS[change['method']]}: {booking.course_date.course.title}, "
            f"{short_days([date.fromisoformat(day['day']) for day in change['days']])}",
            context={"course_date_id": booking.course_date_id, **change},
            booking=booking,
        )
    return message


def load_entries(session: Session, batch: Batch, messages: list[OutboxMessage]) -> None:
    """The calendar entries a batch's invites are for, in one query."""
    ids = {m.context.get("entry_id") for m in messages if isinstance((m.context or {}).get("entry_id"), int)}
    found = session.scalars(sa.select(CalendarEntry).where(CalendarEntry.id.in_(sorted(ids)))) if ids else []
    batch.records.setdefault(CalendarEntry, {}).update({entry.id: entry for entry in found})


def current_invite(message: OutboxMessage, batch: Batch, booking: Booking) -> calendar.Invite | None:
    """This message's invite, if no later change has overtaken it."""
    context = message.context or {}
    entry = batch.records.get(CalendarEntry, {}).get(context.get("entry_id"))
    if entry is None or entry.booking_id != booking.id:
        return None
    sequence, method = context.get("sequence"), context.get("method")
    if not isinstance(sequence, int) or sequence < entry.sequence:
        return None  # a later invite or cancellation for this entry replaces this one
    if method == entries.REQUEST and not entry.is_active:
        return None
    return calendar.entry_invite(
        booking, entry, method=method, sequence=sequence, organiser=organiser_email(), now=utcnow()
    )


def render_booking_email(message: OutboxMessage, batch: Batch, **known_when_sent) -> RenderedEmail:
    """Write an email about a booking from its template, email/<kind>, with its invite if still current.
    `known_when_sent`: facts for the template that are only known as it is written."""
    records = batch.referenced(message)
    booking = records["booking"]
    facts = {
        key: value
        for key, value in (message.context or {}).items()
        if key not in INVITE_KEYS and key != "calendar_changes" and not key.endswith("_id")
    }
    invite = current_invite(message, batch, booking)
    changes = (message.context or {}).get("calendar_changes", []) if invite else []
    text, html = render_pair(
        message.kind,
        manage_url=manage_url(booking) if booking.is_active else None,
        calendar_words=calendar_words(changes),
        has_calendar=invite is not None,
        starts_in=starts_in(records["course_date"]),
        **records,
        **facts,
        **known_when_sent,
    )
    return RenderedEmail(text, html, invite and message.context["method"], invite and invite.ics)


def still_waiting_for_the_manager(booking: Booking, course_date: CourseDate) -> None:
    """The note that a place waits for the manager goes only while it does."""
    if not booking.is_active or booking.approval != Approval.WAITING:
        raise NoLongerApplies("the manager answered, or the booking was cancelled, before this email went")


def place_still_held(booking: Booking, course_date: CourseDate) -> None:
    """For emails that tell someone they have a place: not after it was cancelled or moved."""
    if booking.status != BookingStatus.CONFIRMED or booking.course_date_id != course_date.id:
        raise NoLongerApplies("the place was cancelled or moved before this email went")


def place_still_active(booking: Booking, course_date: CourseDate) -> None:
    """For emails about a booking as it stands: not after it was cancelled or moved to another date."""
    if not booking.is_active or booking.course_date_id != course_date.id:
        raise NoLongerApplies("the booking was cancelled or moved before this email went")


def still_a_hold(booking: Booking, course_date: CourseDate) -> None:
    """The email asking to confirm a booking: not once it is confirmed, released or cancelled."""
    if booking.email_checked or not booking.is_active:
        raise NoLongerApplies("the booking was confirmed or ended before this email went")


def still_waiting(booking: Booking, course_date: CourseDate) -> None:
    """For emails to someone on a waiting list: not once they have a place or have left it."""
    if booking.status != BookingStatus.WAITING or booking.course_date_id != course_date.id:
        raise NoLongerApplies("the person is no longer on this waiting list")


def booking_kind(mail: Registry, name: str, *, references=(), check: Callable | None = None) -> None:
    """Install a kind of email about one booking, written from its template email/<name> with its invite if
    still current. `check(booking, course_date)` may raise NoLongerApplies."""

    def render(message: OutboxMessage, batch: Batch) -> RenderedEmail:
        if check is not None:
            records = batch.referenced(message)
            check(records["booking"], records["course_date"])
        return render_booking_email(message, batch)

    mail.email(name, render, references=BOOKING_REFERENCES + tuple(references), prepare=load_entries)


def render_calendar_update(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """The short email that carries one further calendar change; skipped once a later change overtakes it."""
    records = batch.referenced(message)
    booking = records["booking"]
    invite = current_invite(message, batch, booking)
    if invite is None:
        raise NoLongerApplies("a later calendar change replaces this one")
    method = message.context["method"]
    text, html = render_pair(
        "calendar_update",
        booking=booking,
        course_date=records["course_date"],
        manage_url=manage_url(booking) if booking.is_active else None,
        entry_words=describe_entry(message.context["days"]),
        cancelled=method == entries.CANCEL,
    )
    return RenderedEmail(text, html, method, invite.ics)
