"""The emails a person gets when they book, join the waiting list, cancel or move: each kind the outbox sends."""

from sqlalchemy.orm import Session

from app.database import utcnow
from app.mail import calendar
from app.mail.invites import booking_message, queue_booking_email
from app.mail.registry import Reference
from app.models import Booking, CourseDate

booking_message("place_confirmed")
booking_message("waiting_list")
booking_message("booking_cancelled")
booking_message("booking_moved", references=(Reference("old_date_id", CourseDate),))
booking_message("old_date_removed")
booking_message("booking_link")


def place_confirmed(session: Session, booking: Booking) -> None:
    queue_booking_email(session, booking, "place_confirmed", "Your place is booked", method=calendar.REQUEST)


def added_to_waiting_list(session: Session, booking: Booking, position: int) -> None:
    queue_booking_email(session, booking, "waiting_list", "You are on the waiting list", position=position)


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


def booking_link(session: Session, booking: Booking) -> None:
    """The link to a booking, to its own address, when someone tries to book again with it. At most once an hour."""
    queue_booking_email(
        session,
        booking,
        "booking_link",
        "You already have a booking",
        dedupe_key=f"booking-link:{booking.id}:{utcnow():%Y-%m-%dT%H}",
    )
