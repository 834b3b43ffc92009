"""Who sees which dates: admins see every date; a trainer sees the dates they are assigned to, and the
people on them. Every list and every page of a date asks here."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Booking, CourseDate, Role, StaffUser


def sees_date(user: StaffUser, course_date: CourseDate) -> bool:
    """Whether this member of staff may see this date and its people."""
    return user.is_admin or any(trainer.id == user.id for trainer in course_date.trainers)


def staff_who_see(session: Session, course_date: CourseDate) -> list[StaffUser]:
    """The active accounts that see this date and its people: every admin and its own trainers."""
    admins = session.scalars(sa.select(StaffUser).where(StaffUser.active, StaffUser.role == Role.ADMIN))
    seeing = {
        user.id: user for user in [*admins, *course_date.trainers] if user.active and sees_date(user, course_date)
    }
    return list(seeing.values())


def dates_seen_by(user: StaffUser):
    """The same rule as a condition on CourseDate, for queries of many dates."""
    return sa.true() if user.is_admin else CourseDate.trainers.any(StaffUser.id == user.id)


def bookings_seen_by(user: StaffUser):
    """The same rule as a condition on Booking, for queries of people across dates."""
    return sa.true() if user.is_admin else Booking.course_date.has(dates_seen_by(user))
