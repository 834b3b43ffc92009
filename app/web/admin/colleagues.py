"""Colleagues and cohorts: sending someone else in a person's place, and booking a list of people at once."""

import base64
import binascii

from flask import abort, flash, redirect, render_template, url_for

from app.core.rules import Refused
from app.enrolment import cohorts, colleagues
from app.extensions import db
from app.models import Booking, BookingStatus
from app.staff.guard import acting_staff
from app.web.admin.access import back_once_started, date_for_staff
from app.web.admin.blueprint import bp
from app.web.admin.cohort_forms import SEND_EMAILS, CohortConfirmForm, CohortUploadForm
from app.web.downloads import download
from app.web.public.colleague_forms import ColleagueForm


@bp.route("/bookings/<id:booking_id>/send-colleague", methods=["GET", "POST"])
def send_colleague(booking_id: int):
    """Give someone's place to a colleague they name; the colleague is emailed their own booking."""
    booking = db.session.get(Booking, booking_id) or abort(404)
    if started := back_once_started(booking.course_date, "its places cannot be passed on"):
        return started
    if booking.status != BookingStatus.CONFIRMED:
        abort(404)
    form = ColleagueForm()
    if form.validate_on_submit():
        try:
            handed = colleagues.send_colleague(db.session, booking.manage_token, form.details(), actor=acting_staff())
        except Refused as refused:
            form.email.errors.append(refused.message)
        else:
            flash(
                f"Done: {handed.reference} has the place instead of {booking.reference}. Both were emailed.", "success"
            )
            return redirect(url_for("admin.date", date_id=booking.course_date_id))
    return render_template("admin/send_colleague.html", form=form, booking=booking)


@bp.get("/cohort-template.csv")
def cohort_template():
    """The spreadsheet to fill in: the header row and one example person."""
    return download(cohorts.template_csv(), "text/csv", "people-to-book.csv")


@bp.route("/dates/<id:date_id>/cohort", methods=["GET", "POST"])
def cohort_upload(date_id: int):
    """Upload a spreadsheet of people to book on this date; every problem is shown, nothing is booked yet."""
    course_date = date_for_staff(date_id)
    if started := back_once_started(course_date, "nobody can be booked on it"):
        return started
    form, problems = CohortUploadForm(), []
    if form.validate_on_submit():
        data = form.file.data.read(cohorts.MAX_BYTES + 1)
        cohort = cohorts.read_cohort(data)
        problems = cohorts.check_cohort(db.session, course_date, cohort)
        if not problems:
            return check_page(course_date, cohort, data, form.send_emails.data)
        count = len(problems)
        form.file.errors.append(f"The file has {count} problem{'' if count == 1 else 's'}. Nobody has been booked.")
    page = render_template(
        "admin/cohort_upload.html",
        form=form,
        course_date=course_date,
        problems=problems,
        columns=cohorts.COLUMN_HELP.items(),
        max_people=cohorts.MAX_PEOPLE,
    )
    return page, 400 if problems else 200


def check_page(course_date, cohort, data: bytes, send_emails: str):
    form = CohortConfirmForm(cohort=base64.b64encode(data).decode("ascii"), send_emails=send_emails)
    return render_template(
        "admin/cohort_check.html",
        form=form,
        course_date=course_date,
        cohort=cohort,
        emails=SEND_EMAILS[send_emails],
    )


@bp.post("/dates/<id:date_id>/cohort/book")
def cohort_book(date_id: int):
    """Book everyone on the checked list, in one go: everyone or nobody."""
    course_date = date_for_staff(date_id)
    form = CohortConfirmForm()
    if not form.validate_on_submit() or form.send_emails.data not in SEND_EMAILS:
        abort(400)
    try:
        data = base64.b64decode(form.cohort.data or "", validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    cohort = cohorts.read_cohort(data)
    try:
        made = cohorts.book_cohort(
            db.session, date_id, cohort, actor=acting_staff(), send_emails=form.send_emails.data == "yes"
        )
    except Refused as refused:
        flash(f"{refused.message} Upload the file again to see every problem.", "error")
        return redirect(url_for("admin.cohort_upload", date_id=course_date.id))
    emailed = " They have been emailed." if form.send_emails.data == "yes" else " Nobody was emailed."
    flash(f"Booked {len(made)} {'person' if len(made) == 1 else 'people'} on this date.{emailed}", "success")
    return redirect(url_for("admin.date", date_id=course_date.id))
