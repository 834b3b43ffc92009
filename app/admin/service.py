"""What the training team's pages show, and the register. Changes to dates live in app.courses.dates."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.rules import NotFound
from app.courses.service import first_day_column, today_in_london
from app.database import writing
from app.models import Attendance, Booking, BookingStatus, Course, CourseDate, CourseDay, Interest, StaffUser, Venue


def mark_attendance(session: Session, day_id: int, marks: dict[int, bool], *, actor: StaffUser) -> int:
    """Record who came on one day. Only confirmed bookings on that date can be marked."""
    with writing(session):
        day = session.get(CourseDay, day_id)
        if day is None:
            raise NotFound("We could not find that day.")
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
        count = changed = 0
        for booking_id, attended in marks.items():
            if booking_id not in allowed:
                continue
            record = existing.get(booking_id)
            if record is None:
                session.add(
                    Attendance(booking_id=booking_id, course_day_id=day.id, attended=attended, marked_by_id=actor.id)
                )
                changed += 1
            elif record.attended != attended:
                record.attended = attended
                record.marked_by_id = actor.id
                changed += 1
            count += 1
        if changed:
            summary = f"Took the register for {day.day:%d %B %Y}: {changed} marked"
            audit.record(session, actor, "register taken", day, summary)
    return count


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
