"""Who sees which dates: admins see every date; a trainer sees the dates they are assigned to, and the
people on them. Every list and every page of a date asks here."""

import sqlalchemy as sa

from app.models import Booking, CourseDate, StaffUser


def sees_date(user: StaffUser, course_date: CourseDate) -> bool:
    """Whether this member of staff may see this date and its people."""
    return user.is_admin or any(trainer.id == user.id for trainer in course_date.trainers)


def dates_seen_by(user: StaffUser):
    """The same rule as a condition on CourseDate, for queries of many dates."""
    return sa.true() if user.is_admin else CourseDate.trainers.any(StaffUser.id == user.id)


def bookings_seen_by(user: StaffUser):
    """The same rule as a condition on Booking, for queries of people across dates."""
    return sa.true() if user.is_admin else Booking.course_date.has(dates_seen_by(user))
