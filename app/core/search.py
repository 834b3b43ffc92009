"""Finding a person by what staff type: any part of a name, email, organisation or reference, in any case
and with or without accents (app.models.folding keeps each record's words folded in search_text)."""

import re

import sqlalchemy as sa

from app.models import Booking
from app.models.folding import folded

# A booking reference as people type it: SOS-7KX2Q, sos 7kx2q, 7KX2Q.
REFERENCE_TYPED = re.compile(r"^(?:SOS)?[-\s]?([2-9A-HJ-NP-Z]{5})$", re.IGNORECASE)


def contains_typed(column: sa.ColumnElement, typed: str) -> sa.ColumnElement[bool]:
    """`column` (a search_text) holds what was typed, folded the same way. % and _ are letters here, not
    wildcards. A plain LIKE: both sides are already lower case, and PostgreSQL's trigram index serves it."""
    text = folded(typed).replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(f"%{text}%", escape="/")


def booking_matches(typed: str) -> sa.ColumnElement[bool]:
    """The bookings whose name, email, organisation or reference holds what was typed. A reference typed with
    its SOS- is looked up by its unique index alone."""
    typed = " ".join(typed.split())
    reference = REFERENCE_TYPED.match(typed)
    exact = Booking.reference == f"SOS-{reference[1].upper()}" if reference else None
    if exact is not None and typed.upper().startswith("SOS"):
        return exact
    contains = contains_typed(Booking.search_text, typed)
    return contains if exact is None else sa.or_(contains, exact)
