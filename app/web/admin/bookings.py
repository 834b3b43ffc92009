"""A date's people: bookings on someone's behalf, cancelling and moving them, the register and the exports."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.after_course import certificates, records
from app.after_course import register as attendance
from app.after_course.certificate_pdf import certificate_pdf
from app.briefings import service as briefings
from app.core.clock import today_in_london
from app.core.filters import date_summary
from app.core.rules import Refused
from app.database import utcnow
from app.enrolment import bookings as booking_service
from app.enrolment import needs, places
from app.enrolment import overview as service
from app.enrolment.invites import starts_in
from app.enrolment.roster import needs_urgent_today, roster
from app.extensions import db
from app.models import ATTENDANCE_LABELS, AttendanceMark, Booking, CourseDay, NeedsStatus, Role, WatchedRecord
from app.staff.guard import acting_staff, roles
from app.web.admin.access import back_once_started, date_for_staff
from app.web.admin.blueprint import bp
from app.web.admin.exports import roster_csv
from app.web.admin.forms import MoveBookingForm, NeedsOutcomeForm
from app.web.downloads import download
from app.web.fields import choices_from, has_control_characters
from app.web.forms import ConfirmForm
from app.web.public.forms import BookingForm


def booking_for_admin(booking_id: int) -> Booking:
    return db.session.get(Booking, booking_id) or abort(404)


@bp.route("/dates/<id:date_id>/bookings/new", methods=["GET", "POST"])
def add_booking(date_id: int):
    """Book a place for someone, with the same rules and emails as booking online."""
    course_date = date_for_staff(date_id)
    if started := back_once_started(course_date, "nobody can be booked on it"):
        return started
    form = BookingForm()
    if form.validate_on_submit():
        try:
            result = booking_service.book_place(
                db.session, date_id, form.details(), submission_key=form.submission_key.data, actor=acting_staff()
            )
        except Refused as refused:
            form.email.errors.append(refused.message)
        else:
            position = result.waiting_position
            where = "a place" if position is None else f"number {position} on the waiting list"
            flash(f"Booked: {result.booking.reference}, {where}. They have been emailed.", "success")
            return redirect(url_for("admin.date", date_id=date_id))
    return render_template("admin/add_booking.html", form=form, course_date=course_date)


@bp.route("/bookings/<id:booking_id>/cancel", methods=["GET", "POST"])
def cancel_booking(booking_id: int):
    """Cancel someone's booking; their place goes to the waiting list."""
    booking = booking_for_admin(booking_id)
    if started := back_once_started(booking.course_date, "its bookings cannot be cancelled"):
        return started
    form = ConfirmForm()
    if form.validate_on_submit():
        date_id = booking.course_date_id
        try:
            result = booking_service.cancel_booking(db.session, booking.manage_token, actor=acting_staff())
        except Refused as refused:
            flash(refused.message, "error")
        else:
            offered = f" {len(result.promoted)} person on the waiting list got the place." if result.promoted else ""
            flash(f"The booking is cancelled.{offered}", "success")
        return redirect(url_for("admin.date", date_id=date_id))
    return render_template(
        "admin/confirm.html",
        form=form,
        booking=booking,
        heading=f"Cancel booking {booking.reference}?",
        someone_waiting=places.someone_waiting(db.session, booking.course_date_id),
        button="Yes, cancel the booking",
        back=url_for("admin.date", date_id=booking.course_date_id),
    )


@bp.route("/bookings/<id:booking_id>/move", methods=["GET", "POST"])
def move_booking(booking_id: int):
    """Move someone's booking to another date of the course with a place free."""
    booking = booking_for_admin(booking_id)
    if started := back_once_started(booking.course_date, "its bookings cannot be moved"):
        return started
    choices = booking_service.dates_to_move_to(db.session, booking, utcnow())
    form = MoveBookingForm()
    form.new_date.choices = choices_from({d.id: date_summary(d) for d in choices})
    if choices and form.validate_on_submit():
        old_date_id = booking.course_date_id
        try:
            booking_service.move_booking(
                db.session, booking.manage_token, int(form.new_date.data), actor=acting_staff()
            )
        except Refused as refused:
            form.new_date.errors.append(refused.message)
        else:
            flash("The booking has been moved. They have been emailed.", "success")
            return redirect(url_for("admin.date", date_id=old_date_id))
    return render_template("admin/move_booking.html", form=form, booking=booking, choices=choices)


@bp.get("/search")
@roles(Role.ADMIN, Role.TRAINER)
def search():
    """Find a person across every date: by name, email, organisation or reference."""
    typed = request.args.get("q", "")
    problem, status = None, 200
    if has_control_characters(typed) or len(typed) > service.SEARCH_MAX_LENGTH:
        # Nobody types these into a search box: a malformed address, answered plainly.
        problem, status, typed = f"Enter up to {service.SEARCH_MAX_LENGTH} letters, numbers or punctuation", 400, ""
    elif "q" in request.args and len(typed.strip()) < 2:
        problem = "Enter at least 2 letters or numbers of a name, email, organisation or reference"
    found = service.find_people(db.session, current_user, typed) if problem is None else service.SearchResult([], 0)
    # Trainers see the people on their own dates; who watched a briefing is for admins.
    watched = briefings.people_who_watched(db.session, typed) if problem is None and current_user.is_admin else []
    return render_template("admin/search.html", typed=typed, found=found, watched=watched, problem=problem), status


@bp.route("/bookings/<id:booking_id>/needs", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.TRAINER)
def needs_outcome(booking_id: int):
    """Record what the team has done about one person's needs: arranged, not possible, or still to arrange."""
    booking = booking_for_admin(booking_id)
    course_date = date_for_staff(booking.course_date_id)
    if not booking.is_active or not booking.has_needs:
        abort(404)
    form = NeedsOutcomeForm(
        data={"status": booking.needs_status.value, "note": booking.needs_note} if request.method == "GET" else None
    )
    if request.method == "GET":
        form.seen.data = needs.needs_fingerprint(booking)
    if form.validate_on_submit():
        try:
            needs.record_needs_outcome(
                db.session,
                booking.id,
                NeedsStatus(form.status.data),
                form.note.data or "",
                actor=acting_staff(),
                seen=form.seen.data or None,
            )
        except Refused as refused:
            db.session.expire(booking)
            form.seen.data = needs.needs_fingerprint(booking)
            form.status.errors.append(refused.message)
        else:
            flash(
                f"Saved: {booking.full_name}'s needs are marked {NeedsStatus(form.status.data).label.lower()}.",
                "success",
            )
            return redirect(url_for("admin.access_summary", date_id=course_date.id))
    return render_template("admin/needs_outcome.html", form=form, booking=booking, course_date=course_date)


def register_day(date_id: int, day_id: int) -> tuple:
    """The date (if this member of staff sees it) and one of its days, or 404."""
    course_date = date_for_staff(date_id)
    day = db.session.get(CourseDay, day_id)
    if day is None or day.course_date_id != date_id:
        abort(404)
    return course_date, day


def marks_sent(people) -> dict[int, AttendanceMark]:
    """The register's answers in the form sent, for the people with a place (anything else is ignored)."""
    marks = {}
    for booking in people.confirmed:
        answer = request.form.get(f"mark-{booking.id}")
        if answer in set(AttendanceMark):
            marks[booking.id] = AttendanceMark(answer)
    return marks


@bp.route("/dates/<id:date_id>/register/<id:day_id>", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.TRAINER)
def register(date_id: int, day_id: int):
    """Take the register for one day: attended, left early or absent for each person, from the first day."""
    course_date, day = register_day(date_id, day_id)
    people = roster(db.session, course_date)
    opens = attendance.register_opens(course_date)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            saved = attendance.mark_attendance(db.session, day.id, marks_sent(people), actor=acting_staff())
        except Refused as refused:
            flash(refused.message, "error")
        else:
            flash(f"The register has been saved for {saved} {'person' if saved == 1 else 'people'}.", "success")
        return redirect(url_for("admin.register", date_id=date_id, day_id=day_id))
    return render_template(
        "admin/register.html",
        course_date=course_date,
        day=day,
        day_number=course_date.days.index(day) + 1,
        roster=people,
        form=form,
        is_open=today_in_london(utcnow()) >= opens,
        opens=opens,
        last_saved=attendance.register_last_saved(db.session, day.id),
        marks=ATTENDANCE_LABELS,
    )


@bp.post("/dates/<id:date_id>/register/<id:day_id>/everyone-attended")
@roles(Role.ADMIN, Role.TRAINER)
def everyone_attended(date_id: int, day_id: int):
    """Save the answers chosen, then mark everyone without a mark as attended; the rest are changed after."""
    course_date, day = register_day(date_id, day_id)
    ConfirmForm().validate_on_submit() or abort(400)
    people = roster(db.session, course_date)
    try:
        marked = attendance.mark_everyone_else_attended(db.session, day.id, marks_sent(people), actor=acting_staff())
    except Refused as refused:
        flash(refused.message, "error")
    else:
        people_word = "person" if marked == 1 else "people"
        flash(
            f"{marked} {people_word} marked as attended. Change anyone who was absent or left early, "
            "then save the register.",
            "success",
        )
    return redirect(url_for("admin.register", date_id=date_id, day_id=day_id))


@bp.get("/dates/<id:date_id>/bookings.csv")
@roles(Role.ADMIN, Role.TRAINER)
def bookings_csv(date_id: int):
    """Everyone on the date as a spreadsheet (opens in Excel)."""
    course_date = date_for_staff(date_id)
    filename = f"bookings-{course_date.id}-{course_date.first_day}.csv"
    text = roster_csv(roster(db.session, course_date), full=current_user.is_admin)
    return download(text, "text/csv", filename, private=True)


@bp.get("/dates/<id:date_id>/sign-in-sheet")
@roles(Role.ADMIN, Role.TRAINER)
def sign_in_sheet(date_id: int):
    """A sheet to print, with a column per day for signatures."""
    course_date = date_for_staff(date_id)
    return render_template("admin/sign_in_sheet.html", course_date=course_date, roster=roster(db.session, course_date))


@bp.get("/dates/<id:date_id>/people")
@roles(Role.ADMIN, Role.TRAINER)
def people(date_id: int):
    """A date's people as a short table: name, organisation, phone (admins) and where their needs are."""
    course_date = date_for_staff(date_id)
    return render_template("admin/people.html", course_date=course_date, roster=roster(db.session, course_date))


@bp.get("/dates/<id:date_id>/access")
@roles(Role.ADMIN, Role.TRAINER)
def access_summary(date_id: int):
    """What people need to take part, for planning the room and the day."""
    course_date = date_for_staff(date_id)
    return render_template(
        "admin/access_summary.html",
        course_date=course_date,
        roster=roster(db.session, course_date),
        urgent=needs_urgent_today(course_date),
        starts_in=starts_in(course_date),
    )


@bp.get("/bookings/<id:booking_id>/certificate.pdf")
@roles(Role.ADMIN, Role.TRAINER)
def booking_certificate(booking_id: int):
    """Download someone's certificate of attendance."""
    booking = booking_for_admin(booking_id)
    date_for_staff(booking.course_date_id)
    try:
        issued = certificates.certificate_to_download(db.session, booking)
    except certificates.NoCertificate as refused:
        flash(f"{booking.full_name}: {refused.message}", "error")
        return redirect(url_for("admin.date", date_id=booking.course_date_id))
    return download(certificate_pdf([issued]), "application/pdf", f"certificate-{issued.reference}.pdf", private=True)


@bp.get("/dates/<id:date_id>/certificates.pdf")
@roles(Role.ADMIN, Role.TRAINER)
def date_certificates(date_id: int):
    """Every certificate of a date as one PDF, a page each, to print."""
    course_date = date_for_staff(date_id)
    found = certificates.certificates_of_date(db.session, course_date.id)
    if not found:
        flash("There are no certificates for this date yet.", "error")
        return redirect(url_for("admin.date", date_id=date_id))
    filename = f"certificates-{course_date.id}-{course_date.first_day}.pdf"
    return download(certificate_pdf(found), "application/pdf", filename, private=True)


@bp.get("/people/<id:booking_id>")
def training_record(booking_id: int):
    """Everything the person behind this booking has booked (by email address), attended and completed."""
    booking = booking_for_admin(booking_id)
    if booking.anonymised_at is not None:
        abort(404)
    return training_record_page(
        booking.full_name, booking.email_key, url_for("admin.person_data", booking_id=booking.id)
    )


@bp.get("/people/watched/<id:record_id>")
def watched_training_record(record_id: int):
    """The training record of someone found by a briefing they told us they watched."""
    record = db.session.get(WatchedRecord, record_id)
    if record is None or not record.email_key or record.full_name == "Removed":
        abort(404)
    return training_record_page(record.full_name, record.email_key, None)


def training_record_page(name: str, email_key: str, data_url: str | None):
    lines = records.training_record(db.session, email_key)
    watched = records.briefings_watched(db.session, email_key)
    return render_template(
        "admin/training_record.html", name=name, email_key=email_key, lines=lines, watched=watched, data_url=data_url
    )
