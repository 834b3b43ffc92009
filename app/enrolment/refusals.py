"""What the enrolment rules say when they say no, each with its message for the person who asked."""

from app.core.rules import NotFound, Refused
from app.models import Booking


class BookingError(Refused):
    """A booking rule said no; `booking` is the person's existing booking when that is the reason."""

    def __init__(self, message: str, booking: Booking | None = None):
        super().__init__(message)
        self.booking = booking


class AlreadyBooked(BookingError):
    """The person already has an active booking on this date."""


class BookedOnAnotherDate(BookingError):
    """The person already has an active booking on another date of the same course."""


class AlreadyCompleted(BookingError):
    """The person has done this course already: the register shows them at every day of an earlier date."""


class DateFull(BookingError):
    pass


class CannotChange(BookingError):
    """The booking can no longer be cancelled or moved."""


class NotAllowed(BookingError):
    """An answer the rules do not take (an access need we do not offer, or words too long)."""


class NeedsChanged(BookingError):
    """The person changed their needs after the member of staff opened the page."""


class DateNotFound(NotFound):
    """There is no such date."""


class BookingClosed(Refused):
    """The date cannot be booked now."""
