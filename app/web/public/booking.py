"""Booking a place and managing it through the link only the booker has."""

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for

from app.after_course import certificates
from app.after_course import feedback as feedback_rules
from app.after_course.certificate_pdf import certificate_pdf, days_of
from app.core.filters import date_summary
from app.core.rules import NotFound, Refused
from app.database import utcnow
from app.enrolment import bookings as service
from app.enrolment import needs, places
from app.enrolment.availability import availability, has_finished, published_date
from app.enrolment.availability import next_dates as next_dates_of
from app.enrolment.invites import organiser_email
from app.enrolment.places import waiting_position
from app.enrolment.roster import roster
from app.extensions import db, limiter
from app.mail import calendar
from app.models import BookingStatus, DateStatus
from app.web import limits
from app.web.downloads import download
from app.web.fields import choices_from
from app.web.forms import ConfirmForm
from app.web.public.forms import BookingForm, CancelForm, FeedbackForm, FindBookingsForm, MoveForm, NeedsForm

bp = Blueprint("booking", __name__)

# What the last booking form of this browser was about (the address typed and the date), for the page that
# says to check that address. Never a booking link: that is only ever in the email.
SENT = "booking_sent"


@bp.route("/dates/<id:date_id>/book", methods=["GET", "POST"])
def book(date_id: int):
    """Show the booking form; on a valid answer, book a place or a waiting-list place."""
    form = BookingForm()
    reason = None
    course_date = published_date(db.session, date_id) or abort(404)
    fit = needs.venue_fit(course_date.venue, form.access_needs.data if form.is_submitted() else [])
    warn_first = bool(fit) and form.venue_warned.data != "y"  # say so before they confirm, once
    if (
        form.validate_on_submit()
        and not warn_first
        and limits.take_for(
            form.email,
            limits.by_address("BOOKING_LIMIT_PER_ADDRESS", "booking"),
            limits.by_recipient(form.email.data),
        )
    ):
        # The same answer whatever happens next, so the page never tells anyone whether an address has a
        # booking: a new booking, one the address already has, or a form sent again all end with "check
        # the email we sent", and the booking's link is only ever in that email.
        try:
            result = service.book_place(db.session, date_id, form.details(), submission_key=form.submission_key.data)
        except NotFound:
            abort(404)
        except service.AlreadyCompleted as refused:
            service.tell_already_completed(db.session, refused.booking.id, date_id)
            return sent(form.email.data, date_id)
        except (service.AlreadyBooked, service.BookedOnAnotherDate) as refused:
            if refused.booking is not None:
                service.send_booking_link(db.session, refused.booking.id)
            return sent(form.email.data, date_id)
        except Refused as refused:
            reason = refused.message
        else:
            if not result.created:
                service.send_booking_link(db.session, result.booking.id)
            return sent(form.email.data, date_id)
    reason = reason or availability(course_date, utcnow()).reason
    warning = fit if warn_first and not form.errors else None
    next_dates = next_dates_of(db.session, course_date, utcnow()) if reason else []
    page = render_template(
        "booking/book.html", course_date=course_date, form=form, reason=reason, fit=warning, next_dates=next_dates
    )
    return page, limits.status_for(form)


def sent(email: str, date_id: int):
    session[SENT] = {"email": email.strip(), "date_id": date_id}
    return redirect(url_for("booking.check_your_email"))


@bp.get("/bookings/check-your-email")
def check_your_email():
    """After the booking form: check the email we sent to the address given (and whether it was typed right)."""
    sent_to = session.get(SENT) or {}
    course_date = published_date(db.session, sent_to.get("date_id", 0)) if sent_to.get("date_id") else None
    if course_date is None or not sent_to.get("email"):
        return redirect(url_for("courses.dates"))
    until = service.hold_until(course_date, utcnow())
    return render_template("booking/check_email.html", email=sent_to["email"], course_date=course_date, until=until)


@bp.route("/bookings/find", methods=["GET", "POST"])
def find():
    """Email someone the links to their bookings again. The answer is the same whether or not there are any."""
    form = FindBookingsForm()
    if form.validate_on_submit() and limits.take_for(
        form.email, limits.by_address("FIND_LIMIT_PER_ADDRESS", "find"), limits.by_recipient(form.email.data)
    ):
        service.send_booking_links(db.session, form.email.data)
        return redirect(url_for("booking.find_sent"))
    return render_template("booking/find.html", form=form), limits.status_for(form)


@bp.get("/bookings/find/sent")
def find_sent():
    return render_template("booking/find_sent.html")


def booking_or_404(token: str):
    """The booking behind a manage link, or a 404 for any link we do not know."""
    return service.booking_by_token(db.session, token) or abort(404)


@bp.get("/bookings/<token>/confirmation")
def confirmation(token: str):
    """Once the booking is confirmed: the reference, what happens next and the manage link."""
    booking = booking_or_404(token)
    if not booking.email_checked:
        return redirect(url_for("booking.manage", token=token))
    position = waiting_position(db.session, booking)
    return render_template("booking/confirmation.html", booking=booking, position=position)


@bp.post("/bookings/<token>/confirm")
def confirm(token: str):
    """The person opened the link we emailed and confirms the booking: the address is theirs."""
    booking_or_404(token)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        service.check_email(db.session, token)
    except Refused as refused:
        flash(refused.message, "error")
        return redirect(url_for("booking.manage", token=token))
    return redirect(url_for("booking.confirmation", token=token))


@bp.get("/bookings/<token>")
def manage(token: str):
    """Show a booking, with ways to cancel or move it; while it is held, the button that confirms it."""
    booking = booking_or_404(token)
    now = utcnow()
    if booking.is_hold:
        page = "booking/confirm.html"
        return render_template(page, booking=booking, form=ConfirmForm(), can_change=service.can_change(booking, now))
    return render_template(
        "booking/manage.html",
        booking=booking,
        position=waiting_position(db.session, booking),
        can_change=service.can_change(booking, now),
        finished=has_finished(booking.course_date, now),
        late_place=booking.status == BookingStatus.WAITING and availability(booking.course_date, now).late_place,
        take_form=ConfirmForm(),
        feedback_open=feedback_rules.why_not(db.session, booking, now) is None,
        feedback_given=feedback_rules.feedback_for(db.session, booking) is not None,
        certificate=certificate_state(booking),
        completion=roster(db.session, booking.course_date).completion(booking)
        if booking.status == BookingStatus.CONFIRMED
        else None,
        other_dates=service.dates_to_move_to(db.session, booking, now)
        if booking.is_active or booking.course_date.status == DateStatus.CANCELLED
        else [],
    )


def certificate_state(booking) -> str | None:
    """Whether the certificate is ready to download, coming (the worker issues it soon), or neither (None)."""
    try:
        certificates.certificate_to_download(db.session, booking)
    except certificates.CertificateOnItsWay:
        return "coming"
    except certificates.NoCertificate:
        return None
    return "ready"


@bp.post("/bookings/<token>/take-place")
def take_place(token: str):
    """Take a place freed close to the start, from the waiting list: the first to ask has it."""
    booking_or_404(token)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        service.take_freed_place(db.session, token)
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash("You have the place. We have emailed you a calendar invite.", "success")
    return redirect(url_for("booking.manage", token=token))


@bp.route("/bookings/<token>/needs", methods=["GET", "POST"])
def change_needs(token: str):
    """Change what you need to take part, and your dietary needs. The training team is told."""
    booking = booking_or_404(token)
    if booking.is_hold:
        return redirect(url_for("booking.manage", token=token))  # confirm it first
    if not booking.is_active:
        return redirect(url_for("booking.manage", token=token))
    form = NeedsForm(obj=booking)  # what they said before, until they send the form
    limit = limits.Check("NEEDS_CHANGE_LIMIT_PER_BOOKING", "needs", f"booking:{booking.id}")
    if form.validate_on_submit() and limits.take_for(form.access_needs, limit):
        try:
            changed = service.change_needs(
                db.session,
                token,
                access_needs=form.access_needs.data or [],
                access_details=form.access_details.data or "",
                dietary_needs=form.dietary_needs.data or "",
            )
        except Refused as refused:
            flash(refused.message, "error")
        else:
            if changed:
                flash("Thank you. We have told the training team what you need now.", "success")
        return redirect(url_for("booking.manage", token=token))
    return render_template("booking/needs.html", booking=booking, form=form), limits.status_for(form)


@bp.route("/bookings/<token>/feedback", methods=["GET", "POST"])
def feedback(token: str):
    """Tell us what you thought of the course; change it until the team closes feedback for the date."""
    booking = booking_or_404(token)
    if booking.is_hold:
        return redirect(url_for("booking.manage", token=token))  # confirm it first
    reason = feedback_rules.why_not(db.session, booking, utcnow())
    given = feedback_rules.feedback_for(db.session, booking)
    form = FeedbackForm()
    if request.method == "GET" and given is not None:
        form.show(given)
    if reason is None and form.validate_on_submit():
        try:
            _, first = feedback_rules.save_feedback(db.session, booking.id, form.answers())
        except Refused as refused:
            flash(refused.message, "error")
        else:
            flash("Thank you. We have your feedback." if first else "Thank you. Your feedback is changed.", "success")
            return redirect(url_for("booking.manage", token=token))
    status = 200 if reason is None or request.method == "GET" else 409
    return render_template("booking/feedback.html", booking=booking, form=form, reason=reason, given=given), status


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
        except Refused as refused:
            flash(refused.message, "error")
        else:
            # A cancellation counts against the emails to its address and its manager's, like any public form,
            # but is never refused for it: anyone must be able to give a place back.
            limits.count(
                *[limits.by_recipient(address) for address in (booking.email, booking.manager_email) if address]
            )
            flash("Your booking has been cancelled.", "success")
        return redirect(url_for("booking.manage", token=token))
    waiting = places.someone_waiting(db.session, booking.course_date_id)
    return render_template("booking/cancel.html", booking=booking, form=form, someone_waiting=waiting)


@bp.route("/bookings/<token>/move", methods=["GET", "POST"])
def move(token: str):
    """Let the person choose another date of the same course with places free."""
    booking = booking_or_404(token)
    if booking.is_hold:
        return redirect(url_for("booking.manage", token=token))  # confirm it first
    if not booking.is_active:
        return redirect(url_for("booking.manage", token=token))
    now = utcnow()
    choices = service.dates_to_move_to(db.session, booking, now)
    form = MoveForm()
    form.new_date.choices = choices_from({d.id: move_choice(d, booking.access_needs, now) for d in choices})
    if choices and form.validate_on_submit() and form.checked.data != "yes":
        chosen = next(d for d in choices if d.id == int(form.new_date.data))
        fit = needs.venue_fit(chosen.venue, booking.access_needs)
        return render_template("booking/move_check.html", booking=booking, form=form, chosen=chosen, fit=fit)
    if choices and form.validate_on_submit() and limits.take_for(form.new_date, limits.by_recipient(booking.email)):
        try:
            service.move_booking(db.session, token, int(form.new_date.data))
        except Refused as refused:
            form.new_date.errors.append(refused.message)
        else:
            flash("Your booking has been moved.", "success")
            return redirect(url_for("booking.manage", token=token))
    waiting = places.someone_waiting(db.session, booking.course_date_id)
    page = render_template("booking/move.html", booking=booking, form=form, choices=choices, someone_waiting=waiting)
    return page, limits.status_for(form)


def move_choice(course_date, asked_for: list[str], now) -> str:
    """A date to move to: its places left, and whether its venue has what the person asked for."""
    left = availability(course_date, now).places_left
    line = f"{date_summary(course_date)}. {left} place{'' if left == 1 else 's'} left."
    if not set(asked_for or []) & set(needs.VENUE_FOR_NEED):
        return line  # nothing asked that a venue provides
    fit = needs.venue_fit(course_date.venue, asked_for)
    if fit.gaps:
        return f"{line} Please note: {'; '.join(fit.gaps + fit.notes)}."
    return f"{line} The venue has what you asked for{': ' + '; '.join(fit.notes) if fit.notes else ''}."


@bp.get("/bookings/<token>/calendar.ics")
def booking_calendar(token: str):
    """Add your place to a calendar by hand: the entries we last sent, with their SEQUENCE."""
    booking = booking_or_404(token)
    if booking.is_hold:
        return redirect(url_for("booking.manage", token=token))  # confirm it first
    held = [entry for entry in booking.calendar_entries if entry.is_active]
    if not held:
        abort(404)
    text = calendar.booking_download(booking, held, organiser=organiser_email(), now=utcnow())
    return download(text, "text/calendar", f"{booking.reference}.ics", private=True)


@bp.get("/bookings/<token>/certificate.pdf")
def certificate(token: str):
    """Download your certificate of attendance, once it has been issued."""
    booking = booking_or_404(token)
    if booking.is_hold:
        return redirect(url_for("booking.manage", token=token))  # confirm it first
    try:
        issued = certificates.certificate_to_download(db.session, booking)
    except certificates.NoCertificate as refused:
        flash(refused.message, "error")
        return redirect(url_for("booking.manage", token=token))
    return download(certificate_pdf([issued]), "application/pdf", f"certificate-{issued.reference}.pdf", private=True)


CERTIFICATE_REFERENCE = re.compile(r"^CERT-[2-9A-HJ-NP-Z]{8}$", re.IGNORECASE)


@bp.get("/certificates/<reference>")
@limiter.limit(lambda: current_app.config["CERTIFICATE_CHECK_LIMIT_PER_ADDRESS"])
def check_certificate(reference: str):
    """Anyone with the reference can check that a certificate is genuine: its name, course and days, and
    nothing more; nothing at all once its details have been removed. Limited, so references are not guessed."""
    found = None
    if CERTIFICATE_REFERENCE.match(reference):
        found = certificates.certificate_by_reference(db.session, reference)
    if found is None:
        return render_template("certificates/check.html", certificate=None, reference=reference), 404
    days = days_of(found)
    return render_template(
        "certificates/check.html",
        certificate=found,
        days=days,
        reference=found.reference,
        valid=certificates.still_valid(db.session, found),
        removed=found.booking.anonymised_at is not None,
        on_request=found.booking.erased_at is not None,
    )
