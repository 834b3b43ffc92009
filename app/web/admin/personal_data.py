"""A person's data on request (UK GDPR), from their training record: a copy of everything held about them,
to give them, and erasing it. For admins only, and each is audited."""

import json

from flask import abort, flash, redirect, render_template, url_for

from app.extensions import db
from app.models import Booking
from app.personal_data import on_request
from app.staff.guard import acting_staff
from app.web.admin.blueprint import bp
from app.web.downloads import download
from app.web.forms import ConfirmForm

# The sections of a copy, in the order and the words a person reads them.
SECTIONS = {
    "booking": "Your bookings",
    "attendance": "The register: the days you came",
    "feedback": "Your feedback",
    "certificate": "Your certificates",
    "watched_record": "Briefings you told us you watched",
    "interest": "Courses you asked to hear about",
    "outbox_message": "Emails we sent you, or about your bookings",
    "audit_event": "What was done about your bookings, from our record of changes",
    "named_as_manager": "Bookings where someone named you as their manager",
}


# Column names a person would not know, in words; the rest are read as they are ("full_name": "Full name").
LABELS = {
    "email_key": "Email address, as we compare it",
    "to_key": "To, as we compare it",
    "to_address": "To",
    "manage_token": "Link to manage the booking",
    "submission_key": "Key to stop a form being sent twice",
    "check_token": "Link to confirm the address",
    "dedupe_key": "Key to stop an email being sent twice",
    "claim_token": "Key of the email worker",
    "message_id": "Email's identifier",
    "context": "What the email said it was about",
    "kind": "What kind of record",
    "subject_type": "About",
    "subject_id": "Record number",
    "id": "Record number",
    "actor": "Who",
    "at": "When",
}


def readable(value) -> str:
    """A value from the copy in words: yes or no, lists joined, nothing as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items())
    return str(value)


def readable_sections(data: dict) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    """The copy as headed sections of rows, each row its (label, words) pairs."""
    return [
        (title, [[(LABELS.get(name, name.replace("_", " ").capitalize()), readable(value))
                  for name, value in row.items()] for row in data.get(key, [])])
        for key, title in SECTIONS.items()
    ]  # fmt: skip


def person(booking_id: int) -> Booking:
    """The person behind a booking, while their details are still held."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.anonymised_at is not None:
        abort(404)
    return booking


@bp.get("/people/<id:booking_id>/data")
def person_data(booking_id: int):
    """What a copy holds, with the two ways to download it, and the way to erase it."""
    booking = person(booking_id)
    held = on_request.held_about(db.session, booking.email)
    return render_template("admin/person_data.html", person=booking, held=held, form=ConfirmForm())


def copy_of(booking: Booking) -> dict:
    return on_request.everything_about(db.session, booking.email, actor=acting_staff())


def filename(booking: Booking, extension: str) -> str:
    return f"personal-data-{booking.reference}.{extension}"


@bp.post("/people/<id:booking_id>/data.json")
def person_data_json(booking_id: int):
    """Everything held about them, for a computer to read (JSON). A POST: each copy is recorded."""
    booking = person(booking_id)
    ConfirmForm().validate_on_submit() or abort(400)
    body = json.dumps(copy_of(booking), indent=2, ensure_ascii=False)
    return download(body, "application/json", filename(booking, "json"), private=True)


@bp.post("/people/<id:booking_id>/data.html")
def person_data_readable(booking_id: int):
    """Everything held about them, to read or print: one web page, needing nothing else to open."""
    booking = person(booking_id)
    ConfirmForm().validate_on_submit() or abort(400)
    data = copy_of(booking)
    body = render_template("admin/person_data_copy.html", data=data, sections=readable_sections(data))
    return download(body, "text/html", filename(booking, "html"), private=True)


@bp.route("/people/<id:booking_id>/erase", methods=["GET", "POST"])
def erase_person(booking_id: int):
    """Erase them, after a page that says what will go and what stays."""
    booking = person(booking_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            on_request.erase_person(db.session, booking.email, actor=acting_staff())
        except on_request.CannotErase as refused:
            flash(refused.message, "error")
            return redirect(url_for("admin.erase_person", booking_id=booking_id))
        flash("Their details have been erased. The reports still count their bookings, without their name.", "success")
        return redirect(url_for("admin.dashboard"))
    held = on_request.held_about(db.session, booking.email)
    return render_template("admin/erase_person.html", person=booking, held=held, form=form)
