"""The date a staff page is about, for the member of staff signed in."""

from flask import abort, flash, redirect, url_for

from app.database import utcnow
from app.enrolment.availability import has_started
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


def back_once_started(course_date: CourseDate, what: str):
    """Once the course has started, back to the date's page, saying why this page is not offered (the rule
    refuses it too); None before."""
    if not has_started(course_date, utcnow()):
        return None
    flash(f"This course has started, so {what}.", "info")
    return redirect(url_for("admin.date", date_id=course_date.id))
