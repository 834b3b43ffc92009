"""Reading a page in a test the way a person reads it."""

import html
import re


def words(response) -> str:
    """The text of the page, tags taken out, entities decoded and runs of spaces made one space."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(text))


def source(response) -> str:
    """The page's HTML with entities decoded and runs of spaces made one space, for tests that look at links
    and fields as well as words."""
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))
