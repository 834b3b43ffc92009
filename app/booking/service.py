"""The booking rules: a place is never given twice, and the waiting list is first come, first served.

Every function here owns its transaction: it takes the write lock up front (begin_write),
locks the course date's row (FOR UPDATE on PostgreSQL; SQLite has one writer at a time),
checks, writes and commits. The CHECK constraint on places_taken is the last line of defence.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.courses.service import today_in_london, upcoming_dates
from app.database import begin_write, utcnow
from app.mail import messages
from app.models import (
    Booking,
    BookingStatus,
    CouncilArea,
    CourseDate,
    DateStatus,
    Interest,
    Sector,
)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 5
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class BookingError(Exception):
    """A booking rule said no. The message is written for the person booking."""

    def __init__(self, message: str, booking: Booking | None = None):
        super().__init__(message)
        self.message = message
        self.booking = booking


class DateNotFound(BookingError):
    pass


class BookingClosed(BookingError):
    pass


class AlreadyBooked(BookingError):
    """The person already has an active booking on this date."""


class BookedOnAnotherDate(BookingError):
    """The person already has an active booking on another date of the same course."""


class DateFull(BookingError):
    pass


class CannotChange(BookingError):
    """The booking can no longer be cancelled or moved."""


@dataclass
class BookingDetails:
    """What a person tells us when they book."""

    full_name: str
    email: str
    job_title: str
    organisation: str
    sector: Sector
    council_area: CouncilArea
    manager_name: str
    manager_email: str
    manager_agrees: bool
    phone: str = ""
    access_needs: list[str] = field(default_factory=list)
    access_details: str = ""
    dietary_needs: str = ""


@dataclass
class BookingResult:
    booking: Booking
    created: bool
    waiting_position: int | None = None
    # Read before the commit expires the booking, so showing it needs no further query.
    manage_token: str = ""


@dataclass
class ChangeResult:
    """What a cancellation or move did, including who got a place from the waiting list."""

    booking: Booking
    promoted: list[Booking] = field(default_factory=list)
    changed: bool = True


def email_key(email: str) -> str:
    """The form of an email address used to tell people apart: trimmed, lower case."""
    return email.strip().lower()


def new_reference() -> str:
    """A short reference people can read out on the phone, like SOS-7KX2Q.

    Its uniqueness is left to the unique constraint: book_place tries again on the rare clash.
    """
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"SOS-{code}"


class _ReferenceTaken(Exception):
    """The new booking's reference was already in use."""


def new_manage_token() -> str:
    """An unguessable key for the manage link: 256 random bits."""
    return secrets.token_urlsafe(32)


def booking_by_token(session: Session, token: str) -> Booking | None:
    """The booking this manage link belongs to, if the link is well formed and known."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return session.scalar(sa.select(Booking).where(Booking.manage_token == token))


def lock_dates(session: Session, *date_ids: int) -> dict[int, CourseDate]:
    """Load and lock course dates, always in id order so two movers cannot deadlock."""
    ids = sorted(set(date_ids))
    rows = session.scalars(
        sa.select(CourseDate)
        .where(CourseDate.id.in_(ids))
        .order_by(CourseDate.id)
        # Course and venue are not needed to decide; load them later if asked, outside the lock's hot path.
        .options(so.lazyload(CourseDate.course), so.lazyload(CourseDate.venue), so.joinedload(CourseDate.days))
        .with_for_update(of=CourseDate)
        .execution_options(populate_existing=True)
    ).unique()
    return {course_date.id: course_date for course_date in rows}


def take_place(session: Session, course_date: CourseDate) -> bool:
    """Take one place if there is one left. Holds under concurrency on every database."""
    result = session.execute(
        sa.update(CourseDate)
        .where(CourseDate.id == course_date.id, CourseDate.places_taken < CourseDate.capacity)
        .values(places_taken=CourseDate.places_taken + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(course_date, ["places_taken"])
    return result.rowcount == 1


def give_back_place(session: Session, course_date: CourseDate) -> None:
    """Hand one confirmed place back to the date."""
    session.execute(
        sa.update(CourseDate)
        .where(CourseDate.id == course_date.id)
        .values(places_taken=CourseDate.places_taken - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(course_date, ["places_taken"])


def waiting_list(session: Session, course_date_id: int) -> list[Booking]:
    """The people waiting for a place on a date, first come first."""
    return list(
        session.scalars(
            sa.select(Booking)
            .where(
                Booking.course_date_id == course_date_id,
                Booking.status == BookingStatus.WAITING,
            )
            .order_by(Booking.queued_at, Booking.id)
        )
    )


def waiting_position(session: Session, booking: Booking) -> int | None:
    """Where a waiting booking stands in the queue, counting from 1."""
    if booking.status != BookingStatus.WAITING:
        return None
    ahead = session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.course_date_id == booking.course_date_id,
            Booking.status == BookingStatus.WAITING,
            sa.or_(
                Booking.queued_at < booking.queued_at,
                sa.and_(Booking.queued_at == booking.queued_at, Booking.id < booking.id),
            ),
        )
    )
    return (ahead or 0) + 1


def fill_from_waiting_list(session: Session, course_date: CourseDate, now: datetime) -> list[Booking]:
    """Offer free places to the waiting list in order. The caller holds the date's lock."""
    promoted: list[Booking] = []
    if course_date.status != DateStatus.PUBLISHED or now >= course_date.starts_at:
        return promoted
    for booking in waiting_list(session, course_date.id):
        if not take_place(session, course_date):
            break
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        promoted.append(booking)
    return promoted


def offer_places(session: Session, promoted: list[Booking]) -> None:
    """Tell each person who got a place from the waiting list."""
    for booking in promoted:
        messages.place_offered(session, booking)


def closed_reason(course_date: CourseDate, now: datetime) -> str | None:
    """Why this date cannot be booked at `now`, in plain words; None when it can."""
    if course_date.status == DateStatus.CANCELLED:
        return "This date has been cancelled."
    if course_date.status != DateStatus.PUBLISHED or not course_date.days:
        return "This date is not open for booking."
    if now >= course_date.starts_at:
        return "This course has already started."
    if now >= course_date.booking_closes_at:
        return "Booking for this date has closed."
    return None


def active_booking_for_course(session: Session, course_id: int, key: str, now: datetime) -> Booking | None:
    """This person's booking on a date of this course that has not yet finished."""
    # A plain column query keeps this cheap on the hot path; people rarely have more than one row.
    booking_ids = session.scalars(
        sa.select(Booking.id)
        .join(CourseDate, Booking.course_date_id == CourseDate.id)
        .where(
            Booking.email_key == key,
            Booking.status != BookingStatus.CANCELLED,
            CourseDate.course_id == course_id,
            CourseDate.status != DateStatus.CANCELLED,
        )
    ).all()
    today = today_in_london(now)
    for booking_id in booking_ids:
        booking = session.get(Booking, booking_id)
        if booking.course_date.days and booking.course_date.first_day >= today:
            return booking
    return None


def book_place(
    session: Session,
    course_date_id: int,
    details: BookingDetails,
    *,
    submission_key: str | None = None,
    now: datetime | None = None,
) -> BookingResult:
    """Give the person a place, or a place on the waiting list when the date is full."""
    for _attempt in range(5):
        try:
            return _book_place_once(session, course_date_id, details, submission_key=submission_key, now=now)
        except _ReferenceTaken:
            continue
    raise RuntimeError("No free booking reference after five tries")


def _book_place_once(
    session: Session,
    course_date_id: int,
    details: BookingDetails,
    *,
    submission_key: str | None,
    now: datetime | None,
) -> BookingResult:
    clock_given = now is not None
    now = now or utcnow()
    begin_write(session)
    course_date = lock_dates(session, course_date_id).get(course_date_id)
    # Checked with the lock held, so a double click waits for the first click's booking.
    if submission_key:
        earlier_id = session.scalar(sa.select(Booking.id).where(Booking.submission_key == submission_key))
        if earlier_id is not None:
            earlier = session.get(Booking, earlier_id)
            position = waiting_position(session, earlier)
            token = earlier.manage_token
            session.commit()
            return BookingResult(earlier, created=False, waiting_position=position, manage_token=token)
    if course_date is None:
        session.rollback()
        raise DateNotFound("We could not find that date.")
    reason = closed_reason(course_date, now)
    if reason:
        session.rollback()
        raise BookingClosed(reason)

    key = email_key(details.email)
    existing = active_booking_for_course(session, course_date.course_id, key, now)
    if existing is not None:
        session.rollback()
        if existing.course_date_id == course_date_id:
            raise AlreadyBooked("You have already booked this date.", existing)
        raise BookedOnAnotherDate("You already have a booking for another date of this course.", existing)

    confirmed = take_place(session, course_date)
    # Read the clock again now that the lock is held, so queue order is the order of arrival.
    queued_at = now if clock_given else utcnow()
    booking = Booking(
        reference=new_reference(),
        manage_token=new_manage_token(),
        submission_key=submission_key or None,
        course_date=course_date,
        status=BookingStatus.CONFIRMED if confirmed else BookingStatus.WAITING,
        full_name=details.full_name,
        email=details.email.strip(),
        email_key=key,
        phone=details.phone,
        job_title=details.job_title,
        organisation=details.organisation,
        sector=details.sector,
        council_area=details.council_area,
        manager_name=details.manager_name,
        manager_email=details.manager_email.strip(),
        manager_agrees=details.manager_agrees,
        access_needs=list(details.access_needs),
        access_details=details.access_details,
        dietary_needs=details.dietary_needs,
        queued_at=queued_at,
        confirmed_at=queued_at if confirmed else None,
    )
    session.add(booking)
    if confirmed:
        messages.place_confirmed(session, booking)  # inserted with the booking by the flush below
    reference = booking.reference
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        if session.scalar(sa.select(Booking.id).where(Booking.reference == reference)) is not None:
            raise _ReferenceTaken from None
        # Otherwise only reachable if the locks above were bypassed; the unique indexes still hold.
        raise AlreadyBooked("You have already booked this date.") from None
    position = None
    if not confirmed:
        position = waiting_position(session, booking)
        messages.added_to_waiting_list(session, booking, position)
    token = booking.manage_token
    session.commit()
    return BookingResult(booking, created=True, waiting_position=position, manage_token=token)


def _lock_booking(session: Session, token: str, *other_date_ids: int) -> tuple[Booking, dict]:
    """Find a booking by its manage link and lock its date (and any others named)."""
    begin_write(session)
    booking = booking_by_token(session, token)
    if booking is None:
        session.rollback()
        raise DateNotFound("We could not find that booking.")
    dates = lock_dates(session, booking.course_date_id, *other_date_ids)
    session.refresh(booking)
    return booking, dates


def cancel_booking(session: Session, token: str, *, now: datetime | None = None) -> ChangeResult:
    """Cancel a booking; its place goes to the first person on the waiting list."""
    now = now or utcnow()
    booking, dates = _lock_booking(session, token)
    course_date = dates[booking.course_date_id]
    if booking.status == BookingStatus.CANCELLED:
        session.rollback()
        return ChangeResult(booking, changed=False)
    if course_date.days and now >= course_date.starts_at:
        session.rollback()
        raise CannotChange("This course has already started, so the booking cannot be cancelled.")
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    promoted: list[Booking] = []
    if was_confirmed:
        give_back_place(session, course_date)
        promoted = fill_from_waiting_list(session, course_date, now)
    messages.booking_cancelled(session, booking, had_place=was_confirmed)
    offer_places(session, promoted)
    session.commit()
    return ChangeResult(booking, promoted)


def move_booking(session: Session, token: str, new_date_id: int, *, now: datetime | None = None) -> ChangeResult:
    """Move a booking to another date of the same course that has a place free."""
    now = now or utcnow()
    booking, dates = _lock_booking(session, token, new_date_id)
    old_date = dates[booking.course_date_id]
    new_date = dates.get(new_date_id)
    try:
        _check_move(booking, old_date, new_date, now)
    except BookingError:
        session.rollback()
        raise
    if not take_place(session, new_date):
        session.rollback()
        raise DateFull("That date is now full. Choose another date.")
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    booking.course_date_id = new_date.id
    booking.course_date = new_date
    booking.status = BookingStatus.CONFIRMED
    booking.queued_at = now
    booking.confirmed_at = now
    promoted: list[Booking] = []
    if was_confirmed:
        give_back_place(session, old_date)
        promoted = fill_from_waiting_list(session, old_date, now)
    messages.booking_moved(session, booking, old_date, had_place=was_confirmed)
    offer_places(session, promoted)
    session.commit()
    return ChangeResult(booking, promoted)


def _check_move(booking: Booking, old_date: CourseDate, new_date: CourseDate | None, now: datetime) -> None:
    """Refuse a move the rules do not allow, with a reason the person can act on."""
    if booking.status == BookingStatus.CANCELLED:
        raise CannotChange("This booking has been cancelled, so it cannot be moved.")
    if old_date.days and now >= old_date.starts_at:
        raise CannotChange("This course has already started, so the booking cannot be moved.")
    if new_date is None or new_date.course_id != old_date.course_id:
        raise DateNotFound("Choose one of the dates shown.")
    if new_date.id == old_date.id:
        raise CannotChange("Your booking is already for this date. Choose a different date.")
    reason = closed_reason(new_date, now)
    if reason:
        raise BookingClosed(reason)


def dates_to_move_to(session: Session, booking: Booking, now: datetime) -> list[CourseDate]:
    """Other open dates of the same course that have a place free."""
    return [
        course_date
        for course_date in upcoming_dates(session, now, course_id=booking.course_date.course_id)
        if course_date.id != booking.course_date_id
        and not course_date.is_full
        and closed_reason(course_date, now) is None
    ]


def register_interest(
    session: Session, course_id: int, full_name: str, email: str, organisation: str = ""
) -> tuple[Interest, bool]:
    """Note that someone wants to hear about new dates. Asking twice changes nothing."""
    key = email_key(email)
    query = sa.select(Interest).where(Interest.course_id == course_id, Interest.email_key == key)
    existing = session.scalar(query)
    if existing is not None:
        return existing, False
    interest = Interest(
        course_id=course_id,
        full_name=full_name,
        email=email.strip(),
        email_key=key,
        organisation=organisation,
    )
    session.add(interest)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return session.scalar(query), False
    return interest, True
