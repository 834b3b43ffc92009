"""Words folded for finding people: lower case and without accents, so "sian" finds "Siân" and "ZOE" finds
"Zoë" on SQLite and PostgreSQL alike.

Neither database can fold accents in a query (SQLite's LIKE only ignores the case of a to z; PostgreSQL's
unaccent is an extension, and not immutable, so no index can use it). So each booking and "I watched this"
record keeps its words folded in a column of its own, search_text, written whenever the record is saved
(the events below); one LIKE on it, with a trigram index on PostgreSQL, finds a person by any part of them.
"""

import unicodedata

# Letters Unicode does not split into a letter and an accent, and the curly apostrophe of "O’Neill".
LETTERS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th",
                         "’": "'", "‘": "'", "ʼ": "'"})  # fmt: skip
# Between the parts of search_text: nobody can type it into a search box, so no match runs across two parts.
SEPARATOR = "\n"


def folded(text: str) -> str:
    """Lower case, accents removed, runs of spaces made one: "  Siân  ÓBriain" -> "sian obriain"."""
    decomposed = unicodedata.normalize("NFKD", " ".join((text or "").split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(LETTERS)


def search_text(*parts: str) -> str:
    """The folded parts of a record, as its search_text column keeps them."""
    return SEPARATOR.join(folded(part) for part in parts)
