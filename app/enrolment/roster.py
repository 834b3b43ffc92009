"""Everyone on a date: confirmed, waiting, what they need and whether they came."""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.orm import Session

from app.core.names import surname_order
from app.models import (
    LONDON,
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    Completion,
    CourseDate,
    CourseDay,
    completion_of,
)


@dataclass
class DateRoster:
    """Everyone on a date, in the order they came, with what they need and whether they came."""

    course_date: CourseDate
    confirmed: list[Booking]
    waiting: list[Booking]
    attendance: dict[tuple[int, int], AttendanceMark]
    # Places and waiting-list places kept for people who have not yet confirmed their address: shown to
    # staff apart, and in no register, list of needs or message until they do.
    held: list[Booking] = field(default_factory=list)

    @property
    def needs_support(self) -> list[Booking]:
        """Everyone with access or dietary needs: those still to arrange first, then in the order they came."""
        people = [b for b in self.confirmed + self.waiting if b.has_needs]
        return sorted(people, key=lambda b: not b.needs_open)

    def marks(self, booking: Booking) -> list[AttendanceMark | None]:
        """The register's mark for this booking on each day of the date, in order (None: not taken)."""
        return [self.attendance.get((booking.id, day.id)) for day in self.course_date.days]

    def completion(self, booking: Booking) -> Completion | None:
        """Completed, partly attended or did not attend, once every day's register has a mark for them."""
        return completion_of(self.marks(booking))

    @property
    def confirmed_by_surname(self) -> list[Booking]:
        """The people with a place by surname, as people write it (app.core.names): the order of the register,
        the sign-in sheet and the table of people."""
        return sorted(self.confirmed, key=lambda b: (*surname_order(b.full_name), b.id))

    @property
    def needs_open(self) -> list[Booking]:
        """Needs the training team has not yet arranged or said cannot be met."""
        return [b for b in self.confirmed + self.waiting if b.needs_open]


def needs_urgent_today(course_date: CourseDate) -> bool:
    """needs_urgent for today in the UK, with the ACCESS_NEEDS_LEAD_DAYS setting."""
    return needs_urgent(course_date, datetime.now(LONDON).date(), current_app.config["ACCESS_NEEDS_LEAD_DAYS"])


def needs_urgent(course_date: CourseDate, today: date, lead_days: int) -> bool:
    """Needs for this date are urgent when the course starts in fewer than lead_days (today included):
    an interpreter or a different room takes about that long to book."""
    if not course_date.days:
        return False
    return 0 <= (course_date.first_day - today).days < lead_days


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
        sa.select(CourseDay.course_date_id, Attendance.booking_id, Attendance.course_day_id, Attendance.mark)
        .join(CourseDay, Attendance.course_day_id == CourseDay.id)
        .where(CourseDay.course_date_id.in_(ids))
    ).all()
    found = {course_date.id: DateRoster(course_date, [], [], {}) for course_date in course_dates}
    for booking in bookings:
        roster = found[booking.course_date_id]
        if not booking.email_checked:
            roster.held.append(booking)
        else:
            (roster.confirmed if booking.status == BookingStatus.CONFIRMED else roster.waiting).append(booking)
    for date_id, booking_id, day_id, mark in marks:
        found[date_id].attendance[(booking_id, day_id)] = mark
    return found


def roster(session: Session, course_date: CourseDate) -> DateRoster:
    """One date's roster."""
    return rosters(session, [course_date])[course_date.id]
