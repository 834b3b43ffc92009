"""Courses and venues: the words and places shown on the public pages."""

import re

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for

from app.admin import audit, bp, service
from app.admin.forms import CourseForm, VenueForm
from app.extensions import db
from app.models import Course, Venue

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@bp.get("/courses")
def courses():
    """List the courses."""
    found = db.session.scalars(sa.select(Course).order_by(Course.title)).all()
    return render_template("admin/courses.html", courses=found)


@bp.route("/courses/new", methods=["GET", "POST"], defaults={"course_id": None})
@bp.route("/courses/<int(max=2147483647):course_id>", methods=["GET", "POST"])
def course_form(course_id: int | None):
    """Add a course, or change its words."""
    course = (db.session.get(Course, course_id) or abort(404)) if course_id else Course(in_person=True)
    form = CourseForm(obj=course)
    if form.validate_on_submit() and slug_is_free(form, course):
        form.populate_obj(course)
        audit.record(db.session, "course saved", course, f"Saved the course '{course.title}'")
        service.save(db.session, course)
        flash("The course has been saved.", "success")
        return redirect(url_for("admin.courses"))
    heading = "Change the course" if course_id else "Add a course"
    return render_template(
        "admin/form.html", form=form, heading=heading, button="Save the course", back=url_for("admin.courses")
    )


def slug_is_free(form: CourseForm, course: Course) -> bool:
    """The web address name must be well formed and not used by another course."""
    slug = form.slug.data
    if not SLUG.match(slug):
        form.slug.errors.append("Use only lower-case letters, numbers and single hyphens")
        return False
    other = db.session.scalar(sa.select(Course.id).where(Course.slug == slug))
    if other is not None and other != course.id:
        form.slug.errors.append("Another course already uses this web address name")
        return False
    return True


@bp.get("/venues")
def venues():
    """List the venues."""
    return render_template("admin/venues.html", venues=service.venues(db.session))


@bp.route("/venues/new", methods=["GET", "POST"], defaults={"venue_id": None})
@bp.route("/venues/<int(max=2147483647):venue_id>", methods=["GET", "POST"])
def venue_form(venue_id: int | None):
    """Add a venue, or change its address and access information."""
    venue = (db.session.get(Venue, venue_id) or abort(404)) if venue_id else Venue()
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        form.populate_obj(venue)
        venue.parking = venue.parking or ""
        venue.access_notes = venue.access_notes or ""
        audit.record(db.session, "venue saved", venue, f"Saved the venue '{venue.name}, {venue.town}'")
        service.save(db.session, venue)
        flash("The venue has been saved.", "success")
        return redirect(url_for("admin.venues"))
    heading = "Change the venue" if venue_id else "Add a venue"
    return render_template(
        "admin/form.html", form=form, heading=heading, button="Save the venue", back=url_for("admin.venues")
    )
