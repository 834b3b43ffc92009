"""Booking a place and managing it through the link only the booker has."""

import re
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for

from app.booking import service
from app.booking.forms import BookingForm, CancelForm, MoveForm
from app.core.fields import choices_from
from app.core.filters import date_summary, long_date
from app.courses.service import published_date
from app.database import utcnow
from app.extensions import db
from app.models import BookingStatus, CouncilArea, Sector

bp = Blueprint("booking", __name__)

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REMEMBERED = "my_bookings"


def remember(token: str) -> None:
    """Let this browser find its own recent bookings again, for double submits."""
    tokens = [t for t in session.get(REMEMBERED, []) if t != token][-9:]
    session[REMEMBERED] = [*tokens, token]


def details_from(form: BookingForm) -> service.BookingDetails:
    """The booking details from a valid form."""
    return service.BookingDetails(
        full_name=form.full_name.data,
        email=form.email.data,
        phone=form.phone.data or "",
        job_title=form.job_title.data,
        organisation=form.organisation.data,
        sector=Sector(form.sector.data),
        council_area=CouncilArea(form.council_area.data),
        manager_name=form.manager_name.data,
        manager_email=form.manager_email.data,
        manager_agrees=form.manager_agrees.data,
        access_needs=form.access_needs.data or [],
        access_details=form.access_details.data or "",
        dietary_needs=form.dietary_needs.data or "",
    )


@bp.route("/dates/<int(max=2147483647):date_id>/book", methods=["GET", "POST"])
def book(date_id: int):
    """Show the booking form; on a valid answer, book a place or a waiting-list place."""
    form = BookingForm()
    if not form.submission_key.data or not SUBMISSION_KEY.match(form.submission_key.data):
        form.submission_key.data = secrets.token_urlsafe(24)
    reason = None
    if form.validate_on_submit():
        try:
            result = service.book_place(
                db.session, date_id, details_from(form), submission_key=form.submission_key.data
            )
        except service.DateNotFound:
            abort(404)
        except service.AlreadyBooked as refused:
            if refused.booking and refused.booking.manage_token in session.get(REMEMBERED, []):
                flash("You have already booked this date. Here is your booking.", "info")
                return redirect(url_for("booking.manage", token=refused.booking.manage_token))
            form.email.errors.append(
                "This email address already has a booking for this date. "
                "Use the link in your confirmation email to see or change it."
            )
        except service.BookedOnAnotherDate as refused:
            form.email.errors.append(other_date_message(refused.booking))
        except service.BookingError as refused:
            reason = refused.message
        else:
            remember(result.manage_token)
            return redirect(url_for("booking.confirmation", token=result.manage_token))
    course_date = published_date(db.session, date_id) or abort(404)
    reason = reason or service.closed_reason(course_date, utcnow())
    return render_template("booking/book.html", course_date=course_date, form=form, reason=reason)


def other_date_message(existing) -> str:
    """Tell someone they already have a place on another date, and how to move it."""
    return (
        f"This email address already has a booking for this course, starting on "
        f"{long_date(existing.course_date.first_day)}. To change to this date, use the "
        "link in your confirmation email and choose 'Move to another date'."
    )


def booking_or_404(token: str):
    """The booking behind a manage link, or a 404 for any link we do not know."""
    return service.booking_by_token(db.session, token) or abort(404)


@bp.get("/bookings/<token>/confirmation")
def confirmation(token: str):
    """Confirm the booking: the reference, what happens next and the manage link."""
    booking = booking_or_404(token)
    position = service.waiting_position(db.session, booking)
    return render_template("booking/confirmation.html", booking=booking, position=position)


@bp.get("/bookings/<token>")
def manage(token: str):
    """Show a booking, with ways to cancel or move it."""
    booking = booking_or_404(token)
    now = utcnow()
    return render_template(
        "booking/manage.html",
        booking=booking,
        position=service.waiting_position(db.session, booking),
        can_change=booking.is_active and now < booking.course_date.starts_at,
        other_dates=service.dates_to_move_to(db.session, booking, now) if booking.is_active else [],
    )


@bp.route("/bookings/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Ask the person to confirm, then cancel the booking."""
    booking = booking_or_404(token)
    if booking.status == BookingStatus.CANCELLED:
        return redirect(url_for("booking.manage", token=token))
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_booking(db.session, token)
        except service.BookingError as refused:
            flash(refused.message, "error")
        else:
            flash("Your booking has been cancelled.", "success")
        return redirect(url_for("booking.manage", token=token))
    return render_template("booking/cancel.html", booking=booking, form=form)


@bp.route("/bookings/<token>/move", methods=["GET", "POST"])
def move(token: str):
    """Let the person choose another date of the same course with places free."""
    booking = booking_or_404(token)
    if not booking.is_active:
        return redirect(url_for("booking.manage", token=token))
    choices = service.dates_to_move_to(db.session, booking, utcnow())
    form = MoveForm()
    form.new_date.choices = choices_from({d.id: date_summary(d) for d in choices})
    if choices and form.validate_on_submit():
        try:
            service.move_booking(db.session, token, int(form.new_date.data))
        except service.BookingError as refused:
            form.new_date.errors.append(refused.message)
        else:
            flash("Your booking has been moved.", "success")
            return redirect(url_for("booking.manage", token=token))
    return render_template("booking/move.html", booking=booking, form=form, choices=choices)
