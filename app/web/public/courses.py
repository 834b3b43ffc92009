"""Public pages: the home page, a course, the list of dates, one date, registering interest, and the feeds."""

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from app.catalogue import service as catalogue
from app.database import utcnow
from app.enrolment import availability
from app.enrolment.interest import confirm_interest as confirm_interest_of
from app.enrolment.interest import interest_by_token, register_interest
from app.enrolment.invites import organiser_email
from app.extensions import db
from app.mail import calendar
from app.mail.entries import uid_domain
from app.web import limits
from app.web.downloads import download
from app.web.forms import ConfirmForm
from app.web.page_cache import cached_page
from app.web.public.forms import InterestForm

bp = Blueprint("courses", __name__)


@bp.get("/")
def home():
    """Explain the training and show the next dates."""
    now = utcnow()

    def render():
        courses = catalogue.all_courses(db.session)
        next_dates = availability.upcoming_dates(db.session, now, limit=3)
        return render_template("courses/home.html", courses=courses, next_dates=next_dates)

    return cached_page("home", availability.listing_version(db.session, now), render)


@bp.get("/courses/<slug:slug>")
def course(slug: str):
    """Show a course, who should come, and its upcoming dates."""
    found = catalogue.course_by_slug(db.session, slug) or abort(404)
    dates = availability.upcoming_dates(db.session, utcnow(), course_id=found.id)
    return render_template("courses/course.html", course=found, dates=dates)


@bp.get("/dates")
def dates():
    """List every upcoming published date, soonest first."""
    now = utcnow()

    def render():
        upcoming = availability.upcoming_dates(db.session, now)
        courses = catalogue.all_courses(db.session)
        return render_template("courses/dates.html", dates=upcoming, courses=courses)

    return cached_page("dates", availability.listing_version(db.session, now), render)


@bp.get("/dates/<id:date_id>")
def course_date(date_id: int):
    """Show one date in full, with the venue's access information."""
    found = availability.published_date(db.session, date_id) or abort(404)
    now = utcnow()
    now_open = availability.availability(found, now)
    next_dates = availability.next_dates(db.session, found, now) if now_open.reason else []
    return render_template("courses/date.html", course_date=found, closed_reason=now_open.reason, next_dates=next_dates)


@bp.route("/courses/<slug:slug>/interest", methods=["GET", "POST"])
def interest(slug: str):
    """Ask to be told by email when new dates are published."""
    found = catalogue.course_by_slug(db.session, slug) or abort(404)
    form = InterestForm()
    if form.validate_on_submit() and limits.take_for(
        form.email, limits.by_address("INTEREST_LIMIT_PER_ADDRESS", "interest"), limits.by_recipient(form.email.data)
    ):
        register_interest(db.session, found.id, form.full_name.data, form.email.data, form.organisation.data)
        return redirect(url_for("courses.interest_done", slug=slug))
    return render_template("courses/interest.html", course=found, form=form), limits.status_for(form)


@bp.get("/courses/<slug:slug>/interest/done")
def interest_done(slug: str):
    """Check your email: the same answer whether or not the address asked before."""
    found = catalogue.course_by_slug(db.session, slug) or abort(404)
    return render_template("courses/interest_done.html", course=found)


@bp.route("/interest/<token>", methods=["GET", "POST"])
def confirm_interest(token: str):
    """The link we emailed: confirm the request (a button, so that a mail scanner opening it confirms nothing)."""
    found = interest_by_token(db.session, token) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        confirm_interest_of(db.session, token)
        return render_template("courses/interest_confirmed.html", course=found.course)
    if found.email_checked_at is not None:
        return render_template("courses/interest_confirmed.html", course=found.course)
    return render_template("courses/interest_confirm.html", course=found.course, form=form)


def feed(dates, name: str) -> str:
    return calendar.dates_feed(
        dates,
        name=name,
        base_url=current_app.config["BASE_URL"].rstrip("/"),
        uid_domain=uid_domain(db.session),
        organiser=organiser_email(),
        now=utcnow(),
    )


@bp.get("/dates.ics")
def dates_feed():
    """Every upcoming published date, as a calendar to subscribe to."""
    dates = availability.upcoming_dates(db.session, utcnow())
    return download(feed(dates, "Signs of Safety training dates"), "text/calendar", "signs-of-safety-dates.ics")


@bp.get("/courses/<slug:slug>/dates.ics")
def course_dates_feed(slug: str):
    """One course's upcoming published dates, as a calendar to subscribe to."""
    found = catalogue.course_by_slug(db.session, slug) or abort(404)
    dates = availability.upcoming_dates(db.session, utcnow(), course_id=found.id)
    return download(feed(dates, found.title), "text/calendar", f"{slug}-dates.ics")
