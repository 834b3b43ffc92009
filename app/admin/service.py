"""What the training team can do, as functions that take a session and own their transaction."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import Session

from app.booking.service import (
    BookingError,
    DateNotFound,
    fill_from_waiting_list,
    lock_dates,
    offer_places,
)
from app.courses.changes import DayTimes, change_date
from app.courses.service import first_day_column, today_in_london
from app.database import begin_write, utcnow
from app.models import (
    Attendance,
    Booking,
    BookingStatus,
    Course,
    CourseDate,
    CourseDay,
    DateStatus,
    Interest,
    StaffUser,
    Venue,
)


class CapacityTooLow(BookingError):
    """Fewer places than people already booked."""


def save(session: Session, record) -> None:
    """Add or update a course or venue (plain records with no rules of their own)."""
    record.updated_at = utcnow()
    session.add(record)
    session.commit()


def create_date(
    session: Session, *, course_id: int, venue_id: int, capacity: int, closes_at: datetime, days: list[DayTimes]
) -> CourseDate:
    """A new date, in draft until it is published."""
    course_date = CourseDate(
        course_id=course_id,
        venue_id=venue_id,
        capacity=capacity,
        booking_closes_at=closes_at,
        status=DateStatus.DRAFT,
        days=[CourseDay(day=d.day, start_time=d.start_time, end_time=d.end_time) for d in days],
    )
    session.add(course_date)
    session.commit()
    return course_date


def update_date(
    session: Session, date_id: int, *, venue_id: int, closes_at: datetime, days: list[DayTimes]
) -> list[str]:
    """Change a date's days, times, venue or closing time; people booked are told what changed."""
    changes = change_date(session, date_id, days=days, venue_id=venue_id)
    begin_write(session)
    course_date = lock_dates(session, date_id)[date_id]
    if course_date.booking_closes_at != closes_at:
        course_date.booking_closes_at = closes_at
        course_date.updated_at = utcnow()
    session.commit()
    return changes


def set_capacity(session: Session, date_id: int, capacity: int) -> list[Booking]:
    """Change the number of places. New places go to the waiting list in order; a cut below the
    number booked is refused, safely even against a booking arriving at the same moment."""
    begin_write(session)
    course_date = lock_dates(session, date_id).get(date_id)
    if course_date is None:
        session.rollback()
        raise DateNotFound("We could not find that date.")
    changed = session.execute(
        sa.update(CourseDate)
        .where(CourseDate.id == date_id, CourseDate.places_taken <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        taken = course_date.places_taken
        session.rollback()
        raise CapacityTooLow(
            f"{taken} people already have a place, so there must be at least {taken} places. "
            "Cancel or move bookings first."
        )
    session.expire(course_date, ["capacity", "places_taken"])
    promoted = fill_from_waiting_list(session, course_date, utcnow())
    offer_places(session, promoted)
    session.commit()
    return promoted


def unpublish_date(session: Session, date_id: int) -> None:
    """Take a date back to draft. Only possible while nobody is booked or waiting."""
    begin_write(session)
    course_date = lock_dates(session, date_id).get(date_id)
    if course_date is None:
        session.rollback()
        raise DateNotFound("We could not find that date.")
    active = session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.course_date_id == date_id, Booking.status != BookingStatus.CANCELLED
        )
    )
    if active:
        session.rollback()
        raise BookingError(
            f"{active} people are booked or waiting, so the date cannot go back to draft. Cancel the date instead."
        )
    course_date.status = DateStatus.DRAFT
    course_date.updated_at = utcnow()
    session.commit()


def assign_trainers(session: Session, date_id: int, trainer_ids: list[int]) -> None:
    course_date = session.get(CourseDate, date_id)
    course_date.trainers = list(session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(trainer_ids))))
    session.commit()


def mark_attendance(session: Session, day: CourseDay, marks: dict[int, bool], marked_by: StaffUser) -> int:
    """Record who came on one day. Only confirmed bookings on that date can be marked."""
    allowed = set(
        session.scalars(
            sa.select(Booking.id).where(
                Booking.course_date_id == day.course_date_id, Booking.status == BookingStatus.CONFIRMED
            )
        )
    )
    existing = {
        a.booking_id: a for a in session.scalars(sa.select(Attendance).where(Attendance.course_day_id == day.id))
    }
    count = 0
    for booking_id, attended in marks.items():
        if booking_id not in allowed:
            continue
        record = existing.get(booking_id)
        if record is None:
            session.add(
                Attendance(booking_id=booking_id, course_day_id=day.id, attended=attended, marked_by_id=marked_by.id)
            )
        elif record.attended != attended:
            record.attended = attended
            record.marked_by_id = marked_by.id
        count += 1
    session.commit()
    return count


@dataclass
class DateRoster:
    """Everyone on a date, in order, with what they need and whether they came."""

    course_date: CourseDate
    confirmed: list[Booking]
    waiting: list[Booking]
    attendance: dict[tuple[int, int], bool]

    @property
    def needs_support(self) -> list[Booking]:
        return [b for b in self.confirmed + self.waiting if b.access_needs or b.access_details or b.dietary_needs]


def roster(session: Session, course_date: CourseDate) -> DateRoster:
    """The date's bookings in two queries, however many there are."""
    bookings = list(
        session.scalars(
            sa.select(Booking)
            .options(so.lazyload(Booking.course_date))
            .where(Booking.course_date_id == course_date.id, Booking.status != BookingStatus.CANCELLED)
            .order_by(Booking.queued_at, Booking.id)
        )
    )
    marks = session.execute(
        sa.select(Attendance.booking_id, Attendance.course_day_id, Attendance.attended)
        .join(CourseDay, Attendance.course_day_id == CourseDay.id)
        .where(CourseDay.course_date_id == course_date.id)
    )
    return DateRoster(
        course_date=course_date,
        confirmed=[b for b in bookings if b.status == BookingStatus.CONFIRMED],
        waiting=[b for b in bookings if b.status == BookingStatus.WAITING],
        attendance={(booking_id, day_id): attended for booking_id, day_id, attended in marks},
    )


@dataclass
class DateLine:
    course_date: CourseDate
    waiting: int


def upcoming_for_staff(session: Session, user: StaffUser, now: datetime, limit: int = 50) -> list[DateLine]:
    """Dates from today on (every status) that this person may see, with waiting-list lengths."""
    first_day = first_day_column()
    query = (
        sa.select(CourseDate).where(first_day >= today_in_london(now)).order_by(first_day, CourseDate.id).limit(limit)
    )
    if not user.is_admin:
        query = query.where(CourseDate.trainers.any(StaffUser.id == user.id))
    dates = list(session.scalars(query).unique())
    waiting = dict(
        session.execute(
            sa.select(Booking.course_date_id, sa.func.count(Booking.id))
            .where(Booking.course_date_id.in_([d.id for d in dates]), Booking.status == BookingStatus.WAITING)
            .group_by(Booking.course_date_id)
        ).all()
    )
    return [DateLine(d, waiting.get(d.id, 0)) for d in dates]


def interest_counts(session: Session) -> list[tuple[Course, int]]:
    """How many people are waiting to hear about new dates, per course."""
    rows = session.execute(
        sa.select(Course, sa.func.count(Interest.id))
        .outerjoin(Interest, sa.and_(Interest.course_id == Course.id, Interest.notified_at.is_(None)))
        .group_by(Course.id)
        .order_by(Course.title)
    )
    return [(course, count) for course, count in rows]


def venues(session: Session) -> list[Venue]:
    return list(session.scalars(sa.select(Venue).order_by(Venue.town, Venue.name)))


def trainers(session: Session) -> list[StaffUser]:
    return list(session.scalars(sa.select(StaffUser).where(StaffUser.active).order_by(StaffUser.name, StaffUser.email)))
