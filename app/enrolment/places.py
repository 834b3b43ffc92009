"""A date's places: locking the date, taking and giving back a place, and the waiting list.

Whoever changes a date's places (a booking, a cancellation, a move, a change of capacity) locks
the date's row first through `lock_dates`, inside a write transaction: SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the write transaction already holds the single write lock. A place is
taken by a conditional UPDATE checked by its row count, and the CHECK constraint on
places_taken is the last line of defence.
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import Session

from app.enrolment import booking_emails
from app.enrolment import date_emails as messages
from app.enrolment.availability import availability, has_started
from app.enrolment.refusals import DateNotFound
from app.models import Approval, Booking, BookingStatus, CourseDate, DateStatus


def lock_dates(session: Session, *date_ids: int) -> dict[int, CourseDate]:
    """Load and lock course dates, always in id order so that two movers cannot deadlock."""
    ids = sorted(set(date_ids))
    rows = session.scalars(
        sa.select(CourseDate)
        .where(CourseDate.id.in_(ids))
        .order_by(CourseDate.id)
        # Course and venue are not needed to decide; they load later if asked, outside the hot path.
        .options(so.lazyload(CourseDate.course), so.lazyload(CourseDate.venue), so.joinedload(CourseDate.days))
        .with_for_update(of=CourseDate)
        .execution_options(populate_existing=True)
    ).unique()
    return {course_date.id: course_date for course_date in rows}


def locked_date(session: Session, date_id: int) -> CourseDate:
    """One date, locked for the rest of the transaction; DateNotFound if there is none."""
    course_date = lock_dates(session, date_id).get(date_id)
    if course_date is None:
        raise DateNotFound("We could not find that date.")
    return course_date


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


def take_places(session: Session, course_date: CourseDate, count: int) -> bool:
    """Take `count` places at once, or none if fewer are left: a list of people booked together."""
    result = session.execute(
        sa.update(CourseDate)
        .where(CourseDate.id == course_date.id, CourseDate.places_taken + count <= CourseDate.capacity)
        .values(places_taken=CourseDate.places_taken + count)
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


def release_place(session: Session, booking: Booking, course_date: CourseDate, now: datetime) -> bool:
    """Cancel the booking and give its place, if it had one, back to the date (whose lock the caller holds).
    True when it had a place."""
    had_place = booking.status == BookingStatus.CONFIRMED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    if had_place:
        give_back_place(session, course_date)
    return had_place


def active_bookings(session: Session, course_date_id: int) -> list[Booking]:
    """Everyone booked or waiting on a date, in the order they came."""
    return list(
        session.scalars(
            sa.select(Booking)
            .where(Booking.course_date_id == course_date_id, Booking.status != BookingStatus.CANCELLED)
            .order_by(Booking.id)
        )
    )


def waiting_list(session: Session, course_date_id: int) -> list[Booking]:
    """The people waiting for a place on a date, first come first."""
    return list(
        session.scalars(
            sa.select(Booking)
            .where(Booking.course_date_id == course_date_id, Booking.status == BookingStatus.WAITING)
            .order_by(Booking.queued_at, Booking.id)
        )
    )


def someone_waiting(session: Session, course_date_id: int) -> bool:
    """Whether anyone is on the date's waiting list: only then does a place given back go to someone."""
    query = sa.select(Booking.id).where(
        Booking.course_date_id == course_date_id, Booking.status == BookingStatus.WAITING
    )
    return session.scalar(query.limit(1)) is not None


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
    """Give free places to the waiting list in order, and tell each person. The caller holds the lock.

    Within WAITING_LIST_CUTOFF_HOURS of the start, someone given a place might not see the email in time,
    so nobody is given one: the people still waiting are told a place is free, first come first served."""
    promoted: list[Booking] = []
    if course_date.status != DateStatus.PUBLISHED or has_started(course_date, now):
        return promoted
    now_open = availability(course_date, now)
    if now_open.late:
        if now_open.late_place:
            for booking in waiting_list(session, course_date.id):
                messages.late_place_open(session, booking, now)
        return promoted
    for booking in waiting_list(session, course_date.id):
        if not take_place(session, course_date):
            break
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        if booking.approval != Approval.WAITING:  # else they hear when their manager agrees
            messages.place_offered(session, booking)
            if booking.access_needs or booking.access_details.strip():
                booking_emails.needs_changed(session, booking, reason="placed")
        promoted.append(booking)
    return promoted


def take_late_place(session: Session, booking: Booking, course_date: CourseDate, now: datetime) -> bool:
    """Someone on the waiting list takes a place freed after the cut-off. The caller holds the lock."""
    if booking.status != BookingStatus.WAITING or not availability(course_date, now).late_place:
        return False
    if not take_place(session, course_date):
        return False
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    messages.place_confirmed_late(session, booking)
    return True
