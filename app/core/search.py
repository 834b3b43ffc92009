"""Finding a person by what staff type: any part of a name, email, organisation or reference, in any case
and with or without accents (app.models.folding keeps each record's words folded in search_text)."""

import sqlalchemy as sa

from app.models.folding import folded


def contains_typed(column: sa.ColumnElement, typed: str) -> sa.ColumnElement[bool]:
    """`column` (a search_text) holds what was typed, folded the same way. % and _ are letters here, not
    wildcards. A plain LIKE: both sides are already lower case, and PostgreSQL's trigram index serves it."""
    text = folded(typed).replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(f"%{text}%", escape="/")
