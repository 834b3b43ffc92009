"""People's names in the order the training team reads them: by surname, as people write it.

The booking form asks for one full name (we do not ask people to split it), so the surname is worked out
from the words they typed. The register, the sign-in sheet and the table of a date's people all sort by
`surname_order`, so each lists people in the same order.
"""

import unicodedata

# Words that belong to the surname that follows them: "Siân ap Rhys", "Ana de la Cruz", "Omar al Farsi".
# Compared folded: "Ó" is "o", "Ní" is "ni", "St." is "st".
PARTICLES = frozenset(
    {
        # Welsh: son or daughter of
        "ap", "ab", "ferch", "verch",
        # Scottish and Irish Gaelic written as a word of their own: "Iain Mac Leòid", "Aoife Ní Bhriain"
        "mac", "mc", "nic", "ni", "o", "ua", "ui", "mhic",
        # Dutch, German, French, Spanish, Portuguese and Italian
        "van", "von", "der", "den", "ten", "ter", "zu", "de", "del", "della", "di", "da", "das", "dos", "do", "du",
        "des", "la", "le", "lo", "y",
        # Arabic, written apart: "Omar al Farsi" ("al-Farsi" is one word already)
        "al", "el", "bin", "ibn", "bint", "abu",
        # English: "Ann St John"
        "st",
    }
)  # fmt: skip

# The commonest Vietnamese family names, which come first when a name is written in Vietnamese order
# ("Nguyễn Thị Hoa"), and the middle names that show that order even without accents ("Nguyen Van An").
VIETNAMESE_FAMILY_NAMES = frozenset(
    {"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong"}
)
VIETNAMESE_MIDDLE_NAMES = frozenset({"van", "thi"})

# Letters that Unicode does not split into a plain letter and an accent, read as the letter people sort
# them with: "Łukasz" with L, "Đặng" with D, "Søren" with O.
OTHER_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ð": "d", "Ð": "D",
                               "þ": "th", "Þ": "Th", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ı": "i"})  # fmt: skip


def folded(text: str) -> str:
    """The letters and numbers of the text, lower case and without accents, for comparing: "O'Neill",
    "O’Neill" and "oneill" are the same; so are "Siân" and "Sian", "Łukasz" and "Lukasz"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(OTHER_LETTERS))
    return "".join(c for c in decomposed.casefold() if c.isalnum())


def _written_first_in_vietnamese_order(words: list[str]) -> bool:
    """Whether the name is written family name first, as in Vietnam: "Nguyễn Thị Hoa", "Nguyen Van An" (a
    common family name first, then Văn or Thị, or written with Vietnamese accents); not "Hoa Nguyen"."""
    first, last = folded(words[0]), folded(words[-1])
    if first not in VIETNAMESE_FAMILY_NAMES or last in VIETNAMESE_FAMILY_NAMES:
        return False
    accented = words[0] != unicodedata.normalize("NFKD", words[0]).encode("ascii", "ignore").decode()
    return accented or (len(words) >= 3 and folded(words[1]) in VIETNAMESE_MIDDLE_NAMES)


def split_name(full_name: str) -> tuple[str, str]:
    """(surname, first names) as written, by these rules, in order:

    - written "Evans, Siân", the words before the comma are the surname;
    - a one-word name ("Cher", "王伟") is all surname;
    - a Vietnamese name written family name first ("Nguyễn Thị Hoa", "Nguyen Van An") has that first word
      as its surname;
    - otherwise the surname is the last word with the particles just before it ("Siân ap Rhys" → "ap Rhys",
      "Ana de la Cruz" → "de la Cruz", "Aoife Ní Bhriain" → "Ní Bhriain"). The first word is always a first
      name ("Van Morrison" → "Morrison"). Hyphens join words: "Jean-Luc Picard" → "Picard", "Omar al-Farsi"
      → "al-Farsi", "Anna Smith-Jones" → "Smith-Jones". Mc and Mac are part of the word they start, and
      sort letter by letter: McDonald after Maxwell, as most lists today have it.
    """
    if "," in full_name:
        before, _, after = full_name.partition(",")
        if before.split() and after.split():
            return " ".join(before.split()), " ".join(after.split())
    words = full_name.split()
    if len(words) <= 1:
        return (words[0] if words else "", "")
    if _written_first_in_vietnamese_order(words):
        return words[0], " ".join(words[1:])
    start = len(words) - 1
    while start > 1 and folded(words[start - 1]) in PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])


def surname(full_name: str) -> str:
    """The surname as written (see split_name for the rules)."""
    return split_name(full_name)[0]


def surname_order(full_name: str) -> tuple[str, str, str, str]:
    """The key to sort people by: surname, then first names, each folded (case, accents and punctuation
    ignored), then the whole name folded and as written, so two people of the same name keep one order."""
    last, first = split_name(full_name)
    return folded(last), folded(first), folded(full_name), full_name
