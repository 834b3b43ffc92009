"""What came of each finished date, for the past dates list: how many attended, completed, gave feedback and
were given a certificate. Grouped counts for a page of dates at once: four queries, however many dates."""

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    Certificate,
    Completion,
    CourseDay,
    Feedback,
    completion_from_counts,
)


@dataclass(frozen=True)
class DateOutcome:
    """The people with a place on a date who attended (at least one day), completed (every day), gave
    feedback and were issued a certificate."""

    attended: int = 0
    completed: int = 0
    feedback: int = 0
    certificates: int = 0


def _counted(session: Session, model, date_ids: list[int]) -> dict[int, int]:
    """How many rows of `model` (one per booking at most) belong to the bookings of each date."""
    return dict(
        session.execute(
            sa.select(Booking.course_date_id, sa.func.count(model.id))
            .join(Booking, model.booking_id == Booking.id)
            .where(Booking.course_date_id.in_(date_ids))
            .group_by(Booking.course_date_id)
        ).all()
    )


def date_outcomes(session: Session, date_ids: list[int]) -> dict[int, DateOutcome]:
    """For each of these dates, what came of it; a date with nothing counted has noughts."""
    if not date_ids:
        return {}
    days = dict(
        session.execute(
            sa.select(CourseDay.course_date_id, sa.func.count(CourseDay.id))
            .where(CourseDay.course_date_id.in_(date_ids))
            .group_by(CourseDay.course_date_id)
        ).all()
    )

    def days_marked(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    # Each person with a place and their marks, counted by the database; completion is the register's
    # rule (completion_from_counts), as the report and the certificates use it.
    marks = session.execute(
        sa.select(
            Booking.course_date_id,
            sa.func.count(Attendance.id),
            days_marked(Attendance.mark == AttendanceMark.ATTENDED),
            days_marked(Attendance.mark != AttendanceMark.ABSENT),
            days_marked(Attendance.mark == AttendanceMark.ABSENT),
        )
        .join(Attendance, Attendance.booking_id == Booking.id)
        .where(
            Booking.course_date_id.in_(date_ids),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.email_checked_at.is_not(None),
        )
        .group_by(Booking.id, Booking.course_date_id)
    ).all()
    attended, completed = Counter(), Counter()
    for date_id, marked, full_days, came, absent in marks:
        attended[date_id] += came > 0
        completed[date_id] += completion_from_counts(days.get(date_id, 0), marked, full_days, absent) == (
            Completion.COMPLETED
        )
    feedback = _counted(session, Feedback, date_ids)
    certificates = _counted(session, Certificate, date_ids)
    return {
        date_id: DateOutcome(
            attended[date_id], completed[date_id], feedback.get(date_id, 0), certificates.get(date_id, 0)
        )
        for date_id in date_ids
    }
