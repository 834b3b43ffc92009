"""The emails the service sends. Each is queued in the outbox by the change that causes it.

Queueing records only who, what kind and the few facts the message needs; app.mail.rendering
turns that into text, HTML and a calendar invite when the worker sends it.
"""

from sqlalchemy.orm import Session

from app.mail import calendar
from app.mail.outbox import queue_message
from app.models import Booking, BookingStatus, CourseDate, Interest, OutboxMessage, StaffUser


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
    """Queue an email about a booking, with calendar invites when `method` is given.

    A date whose days have different hours needs one invite per day: the first rides on the
    main email, and each further day gets a short email of its own carrying its invite.
    """
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
        session, booking, "booking_moved", "Your booking has moved", method=calendar.REQUEST, old_date_id=old_date.id
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
    has_place = booking.status == BookingStatus.CONFIRMED
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
    has_place = booking.status == BookingStatus.CONFIRMED
    queue_booking_email(
        session,
        booking,
        "date_cancelled",
        "Your training date is cancelled",
        method=calendar.CANCEL if has_place else None,
        reason=reason,
        has_place=has_place,
    )


def reminder_key(booking: Booking, days_before: int) -> str:
    """What makes a reminder unique: it goes once per place, date and number of days."""
    return f"reminder:{days_before}:booking:{booking.id}:date:{booking.course_date_id}"


def reminder(session: Session, booking: Booking, days_before: int) -> OutboxMessage | None:
    return queue_booking_email(
        session,
        booking,
        "reminder",
        f"Reminder: your training starts in {days_before} days",
        days_before=days_before,
        dedupe_key=reminder_key(booking, days_before),
    )


def dates_published(session: Session, interest: Interest, course_date: CourseDate) -> None:
    queue_message(
        session,
        kind="dates_published",
        to=interest.email,
        subject="New Signs of Safety training dates are published",
        context={"interest_id": interest.id, "course_date_id": course_date.id},
        dedupe_key=f"dates-published:interest:{interest.id}",
    )


def access_summary(session: Session, user: StaffUser, course_date: CourseDate) -> OutboxMessage | None:
    """The access and dietary needs for a date, to a member of the training team."""
    return queue_message(
        session,
        kind="access_summary",
        to=user.email,
        subject="Access and dietary needs for your training date",
        context={"course_date_id": course_date.id},
        dedupe_key=f"access-summary:date:{course_date.id}:user:{user.id}",
    )
