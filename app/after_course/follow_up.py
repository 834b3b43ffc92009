"""After the course, for people who did not come to all of it: an email offering the next dates (and a
note to their line manager, when they gave one and MANAGER_EMAILS is on), once per booking, sent
FEEDBACK_DELAY_DAYS after the last day so that a register corrected on the day changes nothing.
The team sees them on the date page, and who has booked and not come more than once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.after_course import emails as messages
from app.after_course.register import WINDOW_DAYS
from app.core.clock import today_in_london
from app.database import writing
from app.enrolment.availability import last_day_column
from app.enrolment.booking_emails import tell_manager
from app.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    CourseDate,
    DateStatus,
    OutboxMessage,
)


def _missed_a_day():
    return sa.select(Attendance.booking_id).where(Attendance.mark == AttendanceMark.ABSENT)


def missed(session: Session, date_id: int) -> list[Booking]:
    """The people with a place on a date who were absent on at least one day, by name."""
    query = (
        sa.select(Booking)
        .where(
            Booking.course_date_id == date_id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.id.in_(_missed_a_day()),
        )
        .order_by(Booking.full_name, Booking.id)
    )
    return list(session.scalars(query))


def queue_follow_ups(session: Session, now: datetime, delay_days: int) -> int:
    """Email each person absent on any day of a course that ended delay_days ago (or up to
    WINDOW_DAYS ago), once, with the next dates; and tell their manager. Returns how many."""
    today = today_in_london(now)
    last_day = last_day_column()
    dates = sa.select(CourseDate.id).where(
        CourseDate.status == DateStatus.PUBLISHED,
        last_day <= today - timedelta(days=delay_days),
        last_day >= today - timedelta(days=WINDOW_DAYS),
    )
    queued = 0
    with writing(session):
        already = sa.select(OutboxMessage.booking_id).where(OutboxMessage.dedupe_key.like("missed:%"))
        people = session.scalars(
            sa.select(Booking).where(
                Booking.course_date_id.in_(dates),
                Booking.status == BookingStatus.CONFIRMED,
                Booking.anonymised_at.is_(None),
                Booking.id.in_(_missed_a_day()),
                Booking.id.not_in(already.where(OutboxMessage.booking_id.is_not(None))),
            )
        ).all()
        for booking in people:
            if messages.missed_course(session, booking) is not None:
                queued += 1
                tell_manager(session, booking, "missed")
    return queued


def follow_up_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: follow-ups for people who missed a day, once they are due."""
    return queue_follow_ups(session, now, config["FEEDBACK_DELAY_DAYS"])


@dataclass
class RepeatAbsence:
    """Someone who booked and did not come (absent on a day) more than once."""

    email_key: str
    full_name: str
    times: int
    bookings: list[Booking]


def repeat_absences(session: Session, at_least: int = 2) -> list[RepeatAbsence]:
    """People (by email address) with a day missed on at least `at_least` of their bookings, most first."""
    counts = (
        sa.select(Booking.email_key, sa.func.count(Booking.id).label("times"))
        .where(Booking.id.in_(_missed_a_day()), Booking.anonymised_at.is_(None))
        .group_by(Booking.email_key)
        .having(sa.func.count(Booking.id) >= at_least)
        .subquery()
    )
    bookings = session.scalars(
        sa.select(Booking)
        .join(counts, counts.c.email_key == Booking.email_key)
        .where(Booking.id.in_(_missed_a_day()))
        .order_by(counts.c.times.desc(), Booking.email_key, Booking.id)
    ).all()
    found: dict[str, RepeatAbsence] = {}
    for booking in bookings:
        entry = found.setdefault(booking.email_key, RepeatAbsence(booking.email_key, booking.full_name, 0, []))
        entry.bookings.append(booking)
        entry.times += 1
        entry.full_name = booking.full_name
    return list(found.values())
