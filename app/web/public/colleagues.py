"""Colleagues: sending a colleague in your place, from your booking link."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from app.core.rules import Refused
from app.database import utcnow
from app.enrolment import bookings, colleagues
from app.extensions import db
from app.models import BookingStatus
from app.web import limits
from app.web.public.forms import ColleagueForm

bp = Blueprint("colleagues", __name__)


@bp.route("/bookings/<token>/send-colleague", methods=["GET", "POST"])
def send_colleague(token: str):
    """Give your place to a named colleague; they confirm it by the link we email them."""
    booking = bookings.booking_by_token(db.session, token) or abort(404)
    now = utcnow()
    if booking.status != BookingStatus.CONFIRMED or booking.is_hold or not bookings.can_change(booking, now):
        return redirect(url_for("booking.manage", token=token))
    form = ColleagueForm()
    if form.validate_on_submit() and limits.take_for(
        form.email,
        limits.by_address("BOOKING_LIMIT_PER_ADDRESS", "booking"),
        limits.by_recipient(form.email.data),
    ):
        try:
            colleagues.send_colleague(db.session, token, form.details())
        except Refused as refused:
            form.email.errors.append(refused.message)
        else:
            flash("Your place is now kept for your colleague. We have emailed them a link to confirm it.", "success")
            return redirect(url_for("booking.manage", token=token))
    until = bookings.hold_until(booking.course_date, now)
    page = render_template("booking/send_colleague.html", booking=booking, form=form, until=until)
    return page, limits.status_for(form)
