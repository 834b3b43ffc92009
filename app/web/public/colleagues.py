"""Colleagues: sending a colleague in your place, from your booking link, and booking places for your team."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from app.core.rules import NotFound, Refused
from app.database import utcnow
from app.enrolment import bookings, colleagues
from app.enrolment.availability import availability, published_date
from app.enrolment.colleagues import GROUP_MAX
from app.extensions import db
from app.models import BookingStatus
from app.web import limits
from app.web.public.colleague_forms import ColleagueForm, TeamBookingForm

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


# The names and date of the team just booked, for the page that says what happens next. Names this browser
# typed, shown back to it; never a booking link.
TEAM_SENT = "team_sent"


@bp.route("/dates/<id:date_id>/book-colleagues", methods=["GET", "POST"])
def book_team(date_id: int):
    """Book places for colleagues, each with their own email address; each confirms their own place."""
    course_date = published_date(db.session, date_id) or abort(404)
    form, problem = TeamBookingForm(), None
    if request.form.get("add") == "another":  # "Add another colleague", without JavaScript
        if len(form.people) < GROUP_MAX:
            form.people.append_entry()
        return render_team_page(course_date, form)
    if form.validate_on_submit() and take_for_team(form):
        people = form.details()
        try:
            result = colleagues.book_colleagues(db.session, date_id, people, submission_key=form.submission_key.data)
        except NotFound:
            abort(404)
        except Refused as refused:
            problem = refused.message
        else:
            # As on the booking form: someone who has a booking (or did the course) hears so by email only.
            for booking_id in result.already:
                bookings.send_booking_link(db.session, booking_id)
            for booking_id in result.completed:
                bookings.tell_already_completed(db.session, booking_id, date_id)
            session[TEAM_SENT] = {"date_id": date_id, "names": [person.full_name for person in people]}
            return redirect(url_for("colleagues.team_sent"))
    return render_team_page(course_date, form, problem)


def take_for_team(form) -> bool:
    """The booking form's limits, once for each colleague: the same network address, and each address."""
    people = form.colleagues()
    checks = [limits.by_address("BOOKING_LIMIT_PER_ADDRESS", "booking")] * len(people)
    return limits.take_for(form.email, *checks, *[limits.by_recipient(row.email.data) for row in people])


def render_team_page(course_date, form, problem: str | None = None):
    reason = availability(course_date, utcnow()).reason
    page = render_template(
        "booking/book_team.html",
        course_date=course_date,
        team=form,  # not `form`: its summary is written here, a line for each colleague's problem
        problem=problem,
        reason=reason,
        most=GROUP_MAX,
        problems=form.problems() + ([{"text": problem, "href": "#colleagues"}] if problem else []),
    )
    return page, 409 if problem else limits.status_for(form)


@bp.get("/bookings/team-sent")
def team_sent():
    """After booking for colleagues: who we emailed, and what each of them does next."""
    sent = session.get(TEAM_SENT) or {}
    course_date = published_date(db.session, sent.get("date_id", 0)) if sent.get("date_id") else None
    if course_date is None or not sent.get("names"):
        return redirect(url_for("courses.dates"))
    until = bookings.hold_until(course_date, utcnow())
    return render_template("booking/team_sent.html", names=sent["names"], course_date=course_date, until=until)
