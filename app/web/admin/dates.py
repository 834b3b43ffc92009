"""Dates: the dashboard, and adding, changing, publishing and cancelling a date."""

import re
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.after_course import follow_up
from app.after_course.certificates import certificates_of_date
from app.after_course.feedback import feedback_counts
from app.catalogue import service as catalogue
from app.core.filters import date_summary, places
from app.core.rules import Refused
from app.database import utcnow
from app.enrolment import dates as lifecycle
from app.enrolment import overview as service
from app.enrolment.availability import has_started
from app.enrolment.interest import people_to_tell
from app.enrolment.invites import starts_in
from app.enrolment.roster import needs_urgent_today, roster
from app.extensions import db
from app.mail.outbox import failed_messages
from app.models import LONDON, Audience, DateStatus, Role
from app.models.date_message import NOBODY_IN
from app.reports.past_dates import date_outcomes
from app.staff.guard import acting_staff, roles
from app.web.admin.access import back_once_started, date_for_staff
from app.web.admin.blueprint import bp
from app.web.admin.date_form import checked, date_form
from app.web.admin.forms import CancelDateForm, CapacityForm, DateMessageForm, PastDatesForm, TrainersForm
from app.web.fields import choices_from
from app.web.forms import ConfirmForm


def refused_by_field(form, refused: Refused, field) -> None:
    """Put a refusal by the field at fault: the one a date rule names, else `field`."""
    named = getattr(refused, "field", None)
    (form[named] if named and named in form else field).errors.append(refused.message)


@bp.get("/")
@roles(Role.ADMIN, Role.TRAINER)
def dashboard():
    """Upcoming dates with places and waiting lists; for admins, interest and failed emails too."""
    now = datetime.now(UTC)
    found = service.dates_for_staff(db.session, current_user, now)
    extra = {}
    if current_user.is_admin:
        extra = {"interest": service.interest_counts(db.session), "failed": failed_messages(db.session, limit=20)}
    return render_template(
        "admin/dashboard.html", in_progress=found.in_progress, lines=found.upcoming, form=ConfirmForm(), **extra
    )


MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


@bp.get("/calendar")
@roles(Role.ADMIN, Role.TRAINER)
def calendar():
    """A month of dates, with places taken, waiting and status. ?month=2027-03; this month without one."""
    asked = request.args.get("month")
    if asked is None:
        today = datetime.now(LONDON).date()
        year, month = today.year, today.month
    else:
        found = MONTH.match(asked) or abort(404)
        year, month = int(found[1]), int(found[2])
    shown = service.calendar_month(db.session, current_user, year, month)
    return render_template("admin/calendar.html", month=shown, today=datetime.now(LONDON).date())


PAST_PER_PAGE = 25


@bp.get("/dates/past")
@roles(Role.ADMIN, Role.TRAINER)
def past_dates():
    """Every finished date, newest first, a page at a time, by course, venue and year."""
    now = datetime.now(UTC)
    form = PastDatesForm(request.args)
    form.course.choices = choices_from({"": "All courses"} | {c.id: c.title for c in catalogue.all_courses(db.session)})
    venues = {v.id: f"{v.name}, {v.town}" for v in catalogue.venues(db.session)}
    form.venue.choices = choices_from({"": "All venues"} | venues)
    years = service.past_years(db.session, current_user, now)
    form.year.choices = choices_from({"": "All years"} | {year: str(year) for year in years})
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= 100000:
        abort(404)
    valid = form.validate()
    filters = {}
    if valid:
        filters = {"course_id": form.number(form.course), "venue_id": form.number(form.venue)}
        filters["year"] = form.number(form.year)
    found = service.past_dates(db.session, current_user, now, **filters, page=page, per_page=PAST_PER_PAGE)
    if page > found.pages:
        abort(404)
    outcomes = date_outcomes(db.session, [line.course_date.id for line in found.lines])
    chosen = {key: value for key, value in request.args.items() if key in ("course", "venue", "year") and value}
    shown = {"form": form, "found": found, "outcomes": outcomes, "chosen": chosen if valid else {}}
    return render_template("admin/past_dates.html", **shown), 200 if valid else 400


@bp.route("/dates/new", methods=["GET", "POST"])
def new_date():
    """Add a date, as a draft."""
    form = date_form()
    if (sent := checked(form)) is not None:
        try:
            course_date = lifecycle.create_date(
                db.session,
                course_id=form.course_id.data,
                venue_id=form.venue_id.data,
                capacity=form.capacity.data,
                closes_at=sent.closes_at,
                days=sent.days,
                actor=acting_staff(),
                trainer_ids=form.trainers.data if form.trainers else [],
            )
        except Refused as refused:
            refused_by_field(form, refused, form.venue_id)
        else:
            flash("The date has been added as a draft. Publish it when you are ready to take bookings.", "success")
            return redirect(url_for("admin.date", date_id=course_date.id))
    return render_template("admin/date_form.html", form=form, heading="Add a date", button="Add the date")


@bp.get("/dates/<id:date_id>")
@roles(Role.ADMIN, Role.TRAINER)
def date(date_id: int):
    """One date: its details, what can be done to it, and its people."""
    course_date = date_for_staff(date_id)
    return render_template(
        "admin/date.html",
        course_date=course_date,
        roster=roster(db.session, course_date),
        form=ConfirmForm(),
        urgent=needs_urgent_today(course_date),
        starts_in=starts_in(course_date),
        sent_messages=lifecycle.date_messages(db.session, course_date.id),
        feedback=feedback_counts(db.session, course_date.id),
        missed=follow_up.missed(db.session, course_date.id),
        certificates={c.booking_id: c for c in certificates_of_date(db.session, course_date.id)},
        started=has_started(course_date, utcnow()),
    )


@bp.route("/dates/<id:date_id>/edit", methods=["GET", "POST"])
def edit_date(date_id: int):
    """Change the days, times, venue or closing time. People booked are told what changed."""
    course_date = date_for_staff(date_id)
    if started := back_once_started(course_date, "its days, venue and closing time cannot change"):
        return started
    form = date_form(course_date)
    del form.capacity  # changed on its own page, with its own rules
    del form.course_id  # a date stays with its course
    if (sent := checked(form)) is not None:
        try:
            changes = lifecycle.change_date(
                db.session,
                date_id,
                venue_id=form.venue_id.data,
                closes_at=sent.closes_at,
                days=sent.days,
                actor=acting_staff(),
            )
        except Refused as refused:
            refused_by_field(form, refused, form.venue_id)
        else:
            published = course_date.status == DateStatus.PUBLISHED
            told = " Everyone booked or waiting has been told." if changes and published else ""
            flash(f"The date has been saved.{told}", "success")
            return redirect(url_for("admin.date", date_id=date_id))
    return render_template(
        "admin/date_form.html", form=form, heading="Change the date", button="Save the date", course_date=course_date
    )


@bp.route("/dates/<id:date_id>/publish", methods=["GET", "POST"])
def publish(date_id: int):
    """Check the date before it goes out: what people will see, and how many will be emailed at once.
    Then open it for booking and tell the people who asked to hear about new dates."""
    course_date = date_for_staff(date_id)
    form = ConfirmForm()
    if request.method == "GET":
        if course_date.status != DateStatus.DRAFT:
            flash("Only a date in draft can be published.", "error")
            return redirect(url_for("admin.date", date_id=date_id))
        to_tell = people_to_tell(db.session, course_date)
        return render_template("admin/publish_check.html", course_date=course_date, to_tell=to_tell, form=form)
    form.validate_on_submit() or abort(400)
    try:
        told = lifecycle.publish_date(db.session, date_id, actor=acting_staff())
    except Refused as refused:
        flash(refused.message, "error")
    else:
        people = "1 person who asked has" if told == 1 else f"{told} people who asked have"
        flash(f"The date is published and open for booking. {people} been emailed.", "success")
    return redirect(url_for("admin.date", date_id=date_id))


@bp.post("/dates/<id:date_id>/unpublish")
def unpublish(date_id: int):
    """Take the date back to draft, while nobody is booked."""
    date_for_staff(date_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        lifecycle.unpublish_date(db.session, date_id, actor=acting_staff())
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash("The date is back in draft. It is no longer shown to the public.", "success")
    return redirect(url_for("admin.date", date_id=date_id))


@bp.route("/dates/<id:date_id>/cancel", methods=["GET", "POST"])
def cancel(date_id: int):
    """Cancel the date, with a reason everyone booked or waiting is sent."""
    course_date = date_for_staff(date_id)
    if course_date.status == DateStatus.CANCELLED:
        return redirect(url_for("admin.date", date_id=date_id))
    if started := back_once_started(course_date, "it cannot be cancelled"):
        return started
    form = CancelDateForm()
    people = roster(db.session, course_date) if course_date.status == DateStatus.PUBLISHED else None
    targets = {}
    if people and (people.confirmed or people.waiting):
        targets = {str(d.id): d for d in lifecycle.dates_to_move_everyone_to(db.session, course_date, utcnow())}
        form.what_happens.choices = choices_from(
            {"cancel": "Cancel their bookings"}
            | {key: f"Move everyone to {date_summary(d)} ({places(d.capacity - d.places_taken)} free)"
               for key, d in targets.items()}
        )  # fmt: skip
    else:
        del form.what_happens
    checking = form.validate_on_submit() and request.form.get("edit") != "yes"
    move_to = targets.get(form.what_happens.data) if "what_happens" in form else None
    if checking and request.form.get("cancel") == "yes":
        try:
            told = lifecycle.cancel_date(
                db.session, date_id, form.reason.data, move_to=move_to and move_to.id, actor=acting_staff()
            )
        except lifecycle.DateRuleBroken as refused:
            form[refused.field].errors.append(refused.message)
            checking = False
        except Refused as refused:
            flash(refused.message, "error")
            return redirect(url_for("admin.date", date_id=date_id))
        else:
            people = "1 person" if told == 1 else f"{told} people"
            moved = f" They have been moved to {date_summary(move_to)}." if move_to else ""
            flash(f"The date is cancelled. {people} booked or waiting have been told.{moved}", "success")
            return redirect(url_for("admin.date", date_id=date_id))
    return render_template(
        "admin/cancel_date.html",
        form=form,
        course_date=course_date,
        people=people,
        check=checking,
        move_to=move_to,
        movable=len(lifecycle.movable(people.confirmed + people.waiting)) if people else 0,
    )


@bp.route("/dates/<id:date_id>/capacity", methods=["GET", "POST"])
def capacity(date_id: int):
    """Change the number of places."""
    course_date = date_for_staff(date_id)
    if started := back_once_started(course_date, "the number of places cannot change"):
        return started
    now_set = {"capacity": course_date.capacity, "minimum": course_date.minimum_places}
    form = CapacityForm(data=now_set if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            promoted = lifecycle.set_capacity(
                db.session, date_id, form.capacity.data, minimum=form.minimum.data, actor=acting_staff()
            )
        except Refused as refused:
            form[getattr(refused, "field", "capacity")].errors.append(refused.message)
        else:
            offered = f" {len(promoted)} people on the waiting list got a place." if promoted else ""
            flash(f"The places have been saved.{offered}", "success")
            return redirect(url_for("admin.date", date_id=date_id))
    return render_template(
        "admin/form.html",
        form=form,
        heading="Change the number of places",
        caption=date_summary(course_date),
        intro=[
            f"{course_date.places_taken} people have a place now.",
            "New places go to the waiting list in order, and each person is emailed.",
        ],
        button="Save",
        back=url_for("admin.date", date_id=date_id),
    )


@bp.route("/dates/<id:date_id>/trainers", methods=["GET", "POST"])
def date_trainers(date_id: int):
    """Choose which trainers can see this date and take its register."""
    course_date = date_for_staff(date_id)
    people = [u for u in service.trainers(db.session) if u.role == Role.TRAINER]
    form = TrainersForm(data={"trainers": [u.id for u in course_date.trainers]} if request.method == "GET" else None)
    form.trainers.choices = choices_from({u.id: u.label for u in people})
    if form.validate_on_submit():
        lifecycle.assign_trainers(db.session, date_id, [int(i) for i in form.trainers.data], actor=acting_staff())
        flash("The trainers have been saved.", "success")
        return redirect(url_for("admin.date", date_id=date_id))
    return render_template(
        "admin/form.html",
        form=form,
        heading="Trainers for this date",
        caption=date_summary(course_date),
        intro=[] if people else ["There are no trainer accounts yet. An operator creates them from the command line."],
        button="Save",
        back=url_for("admin.date", date_id=date_id),
    )


@bp.route("/dates/<id:date_id>/message", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.TRAINER)
def message_date(date_id: int):
    """Write to the people on a date; see the email and how many will get it; then send it."""
    course_date = date_for_staff(date_id)
    form = DateMessageForm()
    preview = None
    if form.validate_on_submit():
        audience = Audience(form.audience.data)
        recipients = lifecycle.message_recipients(db.session, date_id, audience)
        if not recipients:
            form.audience.errors.append(NOBODY_IN[audience])
        elif request.form.get("edit") == "yes":
            pass  # back to the form, with what they wrote
        elif request.form.get("send") == "yes":
            try:
                sent = lifecycle.send_date_message(
                    db.session,
                    date_id,
                    subject=form.subject.data,
                    body=form.body.data,
                    audience=audience,
                    actor=acting_staff(),
                    submission_key=form.submission_key.data,
                )
            except Refused as refused:
                form.body.errors.append(refused.message)
            else:
                people = "1 person" if sent.recipients == 1 else f"{sent.recipients} people"
                flash(f"Your message is on its way to {people}.", "success")
                return redirect(url_for("admin.date", date_id=date_id))
        else:
            preview = {"recipients": recipients, "audience": audience, "first": recipients[0]}
    return render_template("admin/message_date.html", course_date=course_date, form=form, preview=preview)


@bp.post("/dates/<id:date_id>/feedback/close")
def close_feedback(date_id: int):
    """Close feedback for a date: people can no longer give or change theirs."""
    date_for_staff(date_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        lifecycle.close_feedback(db.session, date_id, actor=acting_staff())
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash("Feedback for this date is closed.", "success")
    return redirect(url_for("admin.date", date_id=date_id))


@bp.get("/absences")
@roles(Role.ADMIN)
def repeat_absences():
    """People who booked and did not come (absent on a day) more than once."""
    return render_template("admin/absences.html", people=follow_up.repeat_absences(db.session))
