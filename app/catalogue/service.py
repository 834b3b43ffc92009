"""Courses and venues: the words and places the public pages show. Each save is audited."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.catalogue.records import save_record
from app.models import VENUE_FACILITIES, Course, Venue

COURSE_FIELDS = ("title", "slug", "summary", "description", "audience", "in_person", "manager_approval")
VENUE_FIELDS = (
    "name", "address", "town", "postcode", "step_free_access", "step_free_access_note", "hearing_loop",
    "hearing_loop_note", "accessible_toilets", "accessible_toilets_note", "parking", "access_notes",
)  # fmt: skip


def save_course(session: Session, course_id: int | None, values: dict, *, actor) -> Course:
    """Add a course (course_id None) or change its words."""
    values = {"manager_approval": False, **values}
    return save_record(
        session,
        Course,
        course_id,
        values,
        COURSE_FIELDS,
        actor=actor,
        describe=lambda c: f"Saved the course '{c.title}'",
    )


def save_venue(session: Session, venue_id: int | None, values: dict, *, actor) -> Venue:
    """Add a venue (venue_id None) or change its address and access information. A facility's note may be
    left out, and a facility the venue does not have has none."""
    notes = {f"{name}_note": values.get(f"{name}_note") or "" if values.get(name) else "" for name in VENUE_FACILITIES}
    values = {**values, **notes}
    return save_record(
        session,
        Venue,
        venue_id,
        values,
        VENUE_FIELDS,
        actor=actor,
        describe=lambda v: f"Saved the venue '{v.name}, {v.town}'",
    )


def course_by_slug(session: Session, slug: str) -> Course | None:
    """The course with this web address, if there is one."""
    return session.scalar(sa.select(Course).where(Course.slug == slug))


def all_courses(session: Session) -> list[Course]:
    """Every course, by title."""
    return list(session.scalars(sa.select(Course).order_by(Course.title)))


def venues(session: Session) -> list[Venue]:
    return list(session.scalars(sa.select(Venue).order_by(Venue.town, Venue.name)))
