"""Courses and venues: the words and places the public pages show. Each save is audited."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.catalogue.slugs import slug_problem
from app.core import audit
from app.core.rules import NotFound, Refused
from app.database import utcnow, writing
from app.models import Course, Venue

COURSE_FIELDS = ("title", "slug", "summary", "description", "audience", "in_person")
VENUE_FIELDS = (
    "name", "address", "town", "postcode", "step_free_access", "hearing_loop", "accessible_toilets", "parking",
    "access_notes",
)  # fmt: skip


class SlugTaken(Refused):
    """The web address name is badly formed or used by another course."""


def _save(session: Session, model, record_id: int | None, values: dict, fields: tuple, actor, describe) -> object:
    with writing(session):
        record = model() if record_id is None else session.get(model, record_id, with_for_update=True)
        if record is None:
            raise NotFound(f"We could not find that {model.__tablename__}.")
        if "slug" in fields and (problem := slug_problem(session, model, values["slug"], record_id)):
            raise SlugTaken(problem)
        for name in fields:
            value = values[name]
            setattr(record, name, "" if value is None else value)
        record.updated_at = utcnow()
        session.add(record)
        session.flush()
        action = f"{model.__tablename__} {'added' if record_id is None else 'changed'}"
        audit.record(session, actor, action, record, describe(record))
    return record


def save_course(session: Session, course_id: int | None, values: dict, *, actor) -> Course:
    """Add a course (course_id None) or change its words."""
    return _save(session, Course, course_id, values, COURSE_FIELDS, actor, lambda c: f"Saved the course '{c.title}'")


def save_venue(session: Session, venue_id: int | None, values: dict, *, actor) -> Venue:
    """Add a venue (venue_id None) or change its address and access information."""
    return _save(
        session, Venue, venue_id, values, VENUE_FIELDS, actor, lambda v: f"Saved the venue '{v.name}, {v.town}'"
    )


def course_by_slug(session: Session, slug: str) -> Course | None:
    """The course with this web address, if there is one."""
    return session.scalar(sa.select(Course).where(Course.slug == slug))


def all_courses(session: Session) -> list[Course]:
    """Every course, by title."""
    return list(session.scalars(sa.select(Course).order_by(Course.title)))


def venues(session: Session) -> list[Venue]:
    return list(session.scalars(sa.select(Venue).order_by(Venue.town, Venue.name)))
