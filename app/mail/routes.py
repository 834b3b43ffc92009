"""Calendar files: the feed of published dates, and a booking's own entry."""

from flask import Blueprint, Response, abort, current_app

from app.booking.service import booking_by_token
from app.courses import service
from app.database import utcnow
from app.extensions import db
from app.mail import calendar, rendering
from app.models import BookingStatus, DateStatus

bp = Blueprint("calendar", __name__)


def ics_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/dates.ics")
def dates_feed():
    """Every upcoming published date, as a calendar to subscribe to."""
    dates = service.upcoming_dates(db.session, utcnow())
    return ics_response(feed(dates, "Signs of Safety training dates"), "signs-of-safety-dates.ics")


@bp.get("/courses/<slug>/dates.ics")
def course_dates_feed(slug: str):
    """One course's upcoming published dates, as a calendar to subscribe to."""
    course = service.course_by_slug(db.session, slug) or abort(404)
    dates = service.upcoming_dates(db.session, utcnow(), course_id=course.id)
    return ics_response(feed(dates, course.title), f"{slug}-dates.ics")


@bp.get("/bookings/<token>/calendar.ics")
def booking_calendar(token: str):
    """Add your place to a calendar by hand."""
    booking = booking_by_token(db.session, token) or abort(404)
    if booking.status != BookingStatus.CONFIRMED or booking.course_date.status != DateStatus.PUBLISHED:
        abort(404)
    text = calendar.booking_download(
        booking,
        booking.course_date,
        sequence=booking.calendar_sequence,
        organiser=rendering.organiser_email(),
        manage_url=rendering.manage_url(booking),
        uid_domain=rendering.uid_domain(),
        now=utcnow(),
    )
    return ics_response(text, f"{booking.reference}.ics")


def feed(dates, name: str) -> str:
    return calendar.dates_feed(
        dates,
        name=name,
        base_url=current_app.config["BASE_URL"].rstrip("/"),
        uid_domain=rendering.uid_domain(),
        now=utcnow(),
    )
