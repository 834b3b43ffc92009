"""Web address names ("slugs") of courses and briefings: their shape and that each is used once."""

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80


def slug_problem(session: Session, model, slug: str, record_id: int | None) -> str | None:
    """Why this web address name cannot be used for the record, in plain words; None when it can."""
    if not SLUG.match(slug or "") or len(slug) > SLUG_MAX_LENGTH:
        return "Use only lower-case letters, numbers and single hyphens"
    other = session.scalar(sa.select(model.id).where(model.slug == slug))
    if other is not None and other != record_id:
        return f"Another {model.__tablename__} already uses this web address name"
    return None
