"""Colleagues: handing a place to a named colleague, and staff booking a whole group in one go.

A place handed on passes straight to the colleague: it is never given back to the date, so nobody on the
waiting list gets it in between. The colleague's address is one nobody has confirmed, so, as on the public
booking form, their new booking is a hold: the place is kept for them until they open the link we email
and confirm it, and until then that email (in our own words) is all the address gets. A hold nobody
confirms is released by release_holds, and its place goes to the waiting list as usual.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.addresses import email_key
from app.core.filters import day_range
from app.database import utcnow, writing
from app.enrolment import booking_emails as messages
from app.enrolment.availability import availability, has_started
from app.enrolment.bookings import (
    BookingDetails,
    _lock_booking,
    active_booking_for_course,
    booking_by_token,
    booking_from,
    completed_booking_for_course,
    new_reference,
)
from app.enrolment.places import locked_date, take_place
from app.enrolment.refusals import AlreadyBooked, BookingClosed, CannotChange, DateFull, NotAllowed
from app.models import Booking, BookingStatus, CourseDate, StaffUser


def new_booking(course_date: CourseDate, details: BookingDetails, now: datetime, *, checked: bool) -> Booking:
    """A confirmed place on the date for this person, whose place the caller has already taken (with the
    date's lock held). Unless `checked` (staff vouch for the address), it is a hold until they confirm."""
    return booking_from(details, course_date, reference=new_reference(), confirmed=True, at=now, checked=checked)


def welcome(session: Session, booking: Booking) -> None:
    """The emails of a new place someone else booked for this person: to a confirmed address, its
    confirmation with the calendar invite, the manager's note and the team's note of needs; to an address
    nobody has confirmed, only the check, in our own words."""
    if not booking.email_checked:
        messages.check_booking(session, booking, for_someone=True)
        return
    messages.place_confirmed(session, booking)
    messages.tell_manager(session, booking, "booked")
    if booking.has_needs:
        messages.needs_changed(session, booking, reason="new")


def send_colleague(
    session: Session,
    token: str,
    colleague: BookingDetails,
    *,
    now: datetime | None = None,
    actor: StaffUser | None = None,
) -> Booking:
    """Hand this booking's place to a named colleague, in one transaction: the booking is cancelled (its
    calendar entry too) and the colleague gets a new booking on the same date with its own reference and
    link. Their needs are not carried over: the colleague is asked afresh. Returns the new booking.

    Made from the booking link, the colleague's address is checked as a public booking's is (a hold until
    they confirm). Staff (`actor`) vouch for it, as they do when they book for someone."""
    now = now or utcnow()
    for _attempt in range(5):
        try:
            return _send_colleague_once(session, token, colleague, now, actor)
        except IntegrityError:
            # A reference that clashed: try again with a new one. Otherwise the colleague was booked on this
            # date at the same moment, which only the unique index saw (the lock makes that unreachable).
            booking = booking_by_token(session, token)
            taken = sa.select(Booking.id).where(
                Booking.course_date_id == booking.course_date_id,
                Booking.email_key == email_key(colleague.email),
                Booking.status != BookingStatus.CANCELLED,
            )
            if session.scalar(taken.limit(1)) is not None:
                raise AlreadyBooked("This person already has a booking for this course. Name someone else.") from None
    raise RuntimeError("No free booking reference after five tries")


def _send_colleague_once(
    session: Session, token: str, colleague: BookingDetails, now: datetime, actor: StaffUser | None
) -> Booking:
    with writing(session):
        booking, dates = _lock_booking(session, token)
        course_date = dates[booking.course_date_id]
        if booking.status != BookingStatus.CONFIRMED:
            raise CannotChange("Only a booking with a place can be passed to someone else.")
        if not booking.email_checked:
            raise CannotChange("Confirm this booking by the link we emailed before you pass it on.")
        if has_started(course_date, now):
            raise CannotChange("This course has already started, so the place cannot be passed on.")
        if active_booking_for_course(session, course_date.course_id, email_key(colleague.email), now) is not None:
            raise AlreadyBooked("This person already has a booking for this course. Name someone else.")
        # The place passes straight on: it is not given back to the date, so places_taken stays as it is.
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        afresh = replace(colleague, access_needs=[], access_details="", dietary_needs="")
        handed = new_booking(course_date, afresh, now, checked=actor is not None)
        session.add(handed)
        session.flush()
        messages.booking_cancelled(session, booking, had_place=True, sent_instead=True)
        messages.tell_manager(session, booking, "cancelled")
        if booking.has_needs:
            messages.needs_changed(session, booking, reason="cancelled")
        welcome(session, handed)
        audit.record(
            session,
            actor,
            "place passed on",
            handed,
            f"{booking.reference} passed its place on {day_range(course_date)} to a colleague: {handed.reference}",
            by=None if actor is not None else audit.PERSON_BOOKED,
        )
        return handed


GROUP_MAX = 10


@dataclass
class GroupResult:
    """What booking a team did: the new holds, and the people who already had a booking for the course (or
    had done it), who are emailed about that instead so that the page never says who has booked."""

    made: list[Booking] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # their existing bookings' ids
    completed: list[int] = field(default_factory=list)
    created: bool = True


def book_colleagues(
    session: Session,
    course_date_id: int,
    people: list[BookingDetails],
    *,
    submission_key: str | None = None,
    now: datetime | None = None,
) -> GroupResult:
    """A team leader books named colleagues on a date, each with their own address, in one transaction: each
    gets a place held for them and the email that asks them to confirm it, as on the public booking form.
    If there are not places for all of them, nobody is booked (DateFull): the leader is told how many are
    left and each colleague can join the waiting list on the booking form."""
    if not people or len(people) > GROUP_MAX:
        raise NotAllowed(f"Name between 1 and {GROUP_MAX} colleagues.")
    keys = [email_key(person.email) for person in people]
    if len(set(keys)) != len(keys):
        raise NotAllowed("Each colleague needs their own email address.")
    now = now or utcnow()
    for _attempt in range(5):
        try:
            return _book_colleagues_once(session, course_date_id, people, submission_key, now)
        except IntegrityError:
            pass  # a reference that clashed: the whole group again, with new references
    raise RuntimeError("No free booking references after five tries")


def _book_colleagues_once(session, course_date_id, people, submission_key, now) -> GroupResult:
    with writing(session):
        course_date = locked_date(session, course_date_id)
        first_key = f"{submission_key}-0" if submission_key else None
        if first_key and session.scalar(sa.select(Booking.id).where(Booking.submission_key == first_key)):
            return GroupResult(created=False)  # the same form sent twice: the first did it all
        if (reason := availability(course_date, now).reason) is not None:
            raise BookingClosed(reason)
        result, to_book = GroupResult(), []
        for person in people:
            key = email_key(person.email)
            if (existing := active_booking_for_course(session, course_date.course_id, key, now)) is not None:
                result.already.append(existing.id)
            elif (done := completed_booking_for_course(session, course_date.course_id, key)) is not None:
                result.completed.append(done.id)
            else:
                to_book.append(person)
        left = course_date.places_left
        if len(to_book) > left:
            raise DateFull(
                f"This date has {left} place{'' if left == 1 else 's'} left, not enough for {len(to_book)} "
                "colleagues. Nobody has been booked. Book fewer colleagues, or choose another date."
            )
        for number, person in enumerate(to_book):
            if not take_place(session, course_date):
                raise DateFull("This date no longer has enough places. Nobody has been booked.")
            booking = new_booking(course_date, person, now, checked=False)
            booking.submission_key = f"{submission_key}-{number}" if submission_key else None
            result.made.append(booking)
        session.add_all(result.made)
        session.flush()
        for booking in result.made:
            welcome(session, booking)
        if result.made and people[0].manager_email:
            messages.team_booked(session, people[0].manager_email, course_date, len(result.made))
        return result
