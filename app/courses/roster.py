"""Everyone on a date: confirmed, waiting, what they need and whether they came."""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import Session

from app.models import Attendance, Booking, BookingStatus, CourseDate, CourseDay


@dataclass
class DateRoster:
    """Everyone on a date, in the order they came, with what they need and whether they came."""

    course_date: CourseDate
    confirmed: list[Booking]
    waiting: list[Booking]
    attendance: dict[tuple[int, int], bool]

    @property
    def needs_support(self) -> list[Booking]:
        return [b for b in self.confirmed + self.waiting if b.access_needs or b.access_details or b.dietary_needs]


def rosters(session: Session, course_dates: list[CourseDate]) -> dict[int, DateRoster]:
    """The rosters of several dates in two queries, however many dates and bookings there are."""
    ids = [course_date.id for course_date in course_dates]
    bookings = session.scalars(
        sa.select(Booking)
        .options(so.lazyload(Booking.course_date))
        .where(Booking.course_date_id.in_(ids), Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.queued_at, Booking.id)
    ).all()
    marks = session.execute(
        sa.select(CourseDay.course_date_id, Attendance.booking_id, Attendance.course_day_id, Attendance.attended)
        .join(CourseDay, Attendance.course_day_id == CourseDay.id)
        .where(CourseDay.course_date_id.in_(ids))
    ).all()
    found = {course_date.id: DateRoster(course_date, [], [], {}) for course_date in course_dates}
    for booking in bookings:
        roster = found[booking.course_date_id]
        (roster.confirmed if booking.status == BookingStatus.CONFIRMED else roster.waiting).append(booking)
    for date_id, booking_id, day_id, attended in marks:
        found[date_id].attendance[(booking_id, day_id)] = attended
    return found


def roster(session: Session, course_date: CourseDate) -> DateRoster:
    """One date's roster."""
    return rosters(session, [course_date])[course_date.id]
