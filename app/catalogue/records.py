"""Saving the records people find by a web address name ("slug"): courses and briefings, and venues too.

One path for all of them: the name is checked for its shape and used once, even when two saves race for
it (the unique constraint catches the second, which gets the same plain refusal), and each save is audited.
"""

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.rules import NotFound, Refused
from app.database import utcnow, writing
from app.models import StaffUser

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80


class SlugTaken(Refused):
    """The web address name is badly formed or used by another record."""


def slug_problem(session: Session, model, slug: str, record_id: int | None) -> str | None:
    """Why this web address name cannot be used for the record, in plain words; None when it can."""
    if not SLUG.match(slug or "") or len(slug) > SLUG_MAX_LENGTH:
        return "Use only lower-case letters, numbers and single hyphens"
    other = session.scalar(sa.select(model.id).where(model.slug == slug))
    if other is not None and other != record_id:
        return f"Another {model.__tablename__} already uses this web address name"
    return None


def save_record(
    session: Session,
    model,
    record_id: int | None,
    values: dict,
    fields: tuple[str, ...],
    *,
    actor: StaffUser | None,
    describe: Callable[[object], str],
    new: Callable[[], object] | None = None,
    not_found: type[NotFound] = NotFound,
):
    """Add a record (record_id None, made by `new`) or change it, setting each of `fields` from `values`."""
    name = model.__tablename__
    try:
        with writing(session):
            record = (new or model)() if record_id is None else session.get(model, record_id, with_for_update=True)
            if record is None:
                raise not_found(f"We could not find that {name}.")
            if "slug" in fields and (problem := slug_problem(session, model, values["slug"], record_id)):
                raise SlugTaken(problem)
            for field in fields:
                setattr(record, field, "" if values[field] is None else values[field])
            record.updated_at = utcnow()
            session.add(record)
            session.flush()
            action = f"{name} {'added' if record_id is None else 'changed'}"
            audit.record(session, actor, action, record, describe(record))
    except IntegrityError:
        if "slug" not in fields:
            raise
        raise SlugTaken(f"Another {name} already uses this web address name") from None  # a save at the same moment
    return record
