"""The date a staff page is about, for the member of staff signed in."""

from flask import abort

from app.extensions import db
from app.models import CourseDate
from app.staff.guard import acting_staff
from app.staff.visibility import sees_date


def date_for_staff(date_id: int) -> CourseDate:
    """The date, or 404; 403 for a trainer not assigned to it."""
    course_date = db.session.get(CourseDate, date_id) or abort(404)
    if not sees_date(acting_staff(), course_date):
        abort(403)
    return course_date
