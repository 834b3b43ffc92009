"""The emails the service sends, each queued in the outbox by the change that causes it."""

from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy.orm import Session

from app.database import utcnow
from app.mail import calendar
from app.mail.outbox import queue_message
from app.models import Booking, CourseDate, Interest


def public_url(path: str) -> str:
    """A full link to a page of the service, for use in emails."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def manage_url(booking: Booking) -> str:
    return public_url(f"/bookings/{booking.manage_token}")


def uid_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def organiser_email() -> str:
    return current_app.config["TRAINING_TEAM_EMAIL"]


def calendar_details(booking: Booking, now: datetime) -> dict:
    """What every invite or cancellation for a booking shares; SEQUENCE rises each time."""
    sequence = booking.calendar_sequence
    booking.calendar_sequence = sequence + 1
    return {
        "sequence": sequence,
        "organiser": organiser_email(),
        "manage_url": manage_url(booking),
        "uid_domain": uid_domain(),
        "now": now,
    }


def render(template: str, **context) -> tuple[str, str]:
    """The plain text and HTML versions of an email."""
    context.setdefault("team_email", organiser_email())
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    return (
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
    )


def queue_booking_email(
    session: Session,
    booking: Booking,
    kind: str,
    subject: str,
    *,
    course_date: CourseDate | None = None,
    method: str | None = None,
    dedupe_key: str | None = None,
    **context,
) -> None:
    """Queue an email about a booking, with calendar invites when `method` is given.

    A date whose days have different hours needs one invite per day: the first rides on the
    main email, and each further day gets a short email of its own carrying its invite.
    """
    course_date = course_date or booking.course_date
    context.update(booking=booking, course_date=course_date, manage_url=manage_url(booking))
    invites = []
    if method:
        invites = calendar.booking_invites(booking, course_date, method=method, **calendar_details(booking, utcnow()))
    text, html = render(kind, **context)
    first = invites[0] if invites else None
    queue_message(
        session,
        kind=kind,
        to=booking.email,
        subject=subject,
        text=text,
        html=html,
        booking=booking,
        calendar_method=method if first else None,
        calendar_ics=first.ics if first else None,
        dedupe_key=dedupe_key,
    )
    for number, invite in enumerate(invites[1:], start=2):
        day = course_date.days[number - 1]
        text, html = render("calendar_day", day=day, day_number=number, cancelled=method == calendar.CANCEL, **context)
        queue_message(
            session,
            kind=f"{kind}_day",
            to=booking.email,
            subject=f"{subject}: calendar entry for day {number}",
            text=text,
            html=html,
            booking=booking,
            calendar_method=method,
            calendar_ics=invite.ics,
            dedupe_key=f"{dedupe_key}:day{number}" if dedupe_key else None,
        )


def place_confirmed(session: Session, booking: Booking) -> None:
    queue_booking_email(session, booking, "place_confirmed", "Your place is booked", method=calendar.REQUEST)


def added_to_waiting_list(session: Session, booking: Booking, position: int) -> None:
    queue_booking_email(session, booking, "waiting_list", "You are on the waiting list", position=position)


def place_offered(session: Session, booking: Booking) -> None:
    queue_booking_email(
        session, booking, "place_offered", "A place has come free: you are booked", method=calendar.REQUEST
    )


def booking_cancelled(session: Session, booking: Booking, *, had_place: bool) -> None:
    queue_booking_email(
        session,
        booking,
        "booking_cancelled",
        "Your booking is cancelled",
        method=calendar.CANCEL if had_place else None,
        had_place=had_place,
    )


def booking_moved(session: Session, booking: Booking, old_date: CourseDate, *, had_place: bool) -> None:
    """An invite for the new date, and a cancellation that removes the old one from the calendar."""
    queue_booking_email(
        session, booking, "booking_moved", "Your booking has moved", method=calendar.REQUEST, old_date=old_date
    )
    if had_place:
        queue_booking_email(
            session,
            booking,
            "old_date_removed",
            "Calendar update: your old date is cancelled",
            course_date=old_date,
            method=calendar.CANCEL,
        )


def date_changed(session: Session, booking: Booking, changes: list[str]) -> None:
    """Tell someone what the training team changed; confirmed places get an updated invite."""
    has_place = booking.status == "confirmed"
    queue_booking_email(
        session,
        booking,
        "date_changed",
        "Your training date has changed",
        method=calendar.REQUEST if has_place else None,
        changes=changes,
        has_place=has_place,
    )


def date_cancelled(session: Session, booking: Booking, reason: str) -> None:
    has_place = booking.status == "confirmed"
    queue_booking_email(
        session,
        booking,
        "date_cancelled",
        "Your training date is cancelled",
        method=calendar.CANCEL if has_place else None,
        reason=reason,
        has_place=has_place,
    )


def reminder(session: Session, booking: Booking, days_before: int) -> None:
    queue_booking_email(
        session,
        booking,
        "reminder",
        f"Reminder: your training starts in {days_before} days",
        days_before=days_before,
        dedupe_key=f"reminder:{days_before}:booking:{booking.id}:date:{booking.course_date_id}",
    )


def dates_published(session: Session, interest: Interest, course_date: CourseDate) -> None:
    text, html = render(
        "dates_published",
        interest=interest,
        course_date=course_date,
        date_url=public_url(f"/dates/{course_date.id}"),
        dates_url=public_url("/dates"),
    )
    queue_message(
        session,
        kind="dates_published",
        to=interest.email,
        subject="New Signs of Safety training dates are published",
        text=text,
        html=html,
        dedupe_key=f"dates-published:interest:{interest.id}",
    )
