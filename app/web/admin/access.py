"""Which dates each member of staff may see."""

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import CourseDate


def can_see_date(course_date: CourseDate) -> bool:
    """Admins see every date; trainers see the dates they are assigned to."""
    return current_user.is_admin or current_user in course_date.trainers


def date_for_staff(date_id: int) -> CourseDate:
    """The date, or 404; 403 for a trainer not assigned to it."""
    course_date = db.session.get(CourseDate, date_id) or abort(404)
    if not can_see_date(course_date):
        abort(403)
    return course_date
