"""Courses and venues: the words and places shown on the public pages."""

from flask import abort, flash, redirect, render_template, url_for

from app.catalogue import service as catalogue
from app.catalogue.records import SlugTaken
from app.core.rules import NotFound
from app.extensions import db
from app.models import Course, Venue
from app.staff.guard import acting_staff
from app.web.admin.blueprint import bp
from app.web.admin.forms import CourseForm, VenueForm


@bp.get("/courses")
def courses():
    """List the courses."""
    return render_template("admin/courses.html", courses=catalogue.all_courses(db.session))


@bp.route("/courses/new", methods=["GET", "POST"], defaults={"course_id": None})
@bp.route("/courses/<id:course_id>", methods=["GET", "POST"])
def course_form(course_id: int | None):
    """Add a course, or change its words."""
    course = (db.session.get(Course, course_id) or abort(404)) if course_id else Course(in_person=True)
    form = CourseForm(obj=course)
    if form.validate_on_submit():
        try:
            catalogue.save_course(db.session, course_id, form.data, actor=acting_staff())
        except SlugTaken as refused:
            form.slug.errors.append(refused.message)
        except NotFound:
            abort(404)
        else:
            flash("The course has been saved.", "success")
            return redirect(url_for("admin.courses"))
    heading = "Change the course" if course_id else "Add a course"
    return render_template(
        "admin/form.html", form=form, heading=heading, button="Save the course", back=url_for("admin.courses")
    )


@bp.get("/venues")
def venues():
    """List the venues."""
    return render_template("admin/venues.html", venues=catalogue.venues(db.session))


@bp.route("/venues/new", methods=["GET", "POST"], defaults={"venue_id": None})
@bp.route("/venues/<id:venue_id>", methods=["GET", "POST"])
def venue_form(venue_id: int | None):
    """Add a venue, or change its address and access information."""
    venue = (db.session.get(Venue, venue_id) or abort(404)) if venue_id else Venue()
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        try:
            catalogue.save_venue(db.session, venue_id, form.venue_values(), actor=acting_staff())
        except NotFound:
            abort(404)
        flash("The venue has been saved.", "success")
        return redirect(url_for("admin.venues"))
    heading = "Change the venue" if venue_id else "Add a venue"
    return render_template(
        "admin/form.html", form=form, heading=heading, button="Save the venue", back=url_for("admin.venues")
    )
