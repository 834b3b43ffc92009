"""The plain text part of every kind of email reads as the HTML does: each paragraph apart from the next
by a blank line, and no two things run together on one line."""

import re

import sqlalchemy as sa

from app.database import writing
from app.mail.registry import render_batch
from app.models import Briefing
from tests.mail.test_rendering import messages_by_kind

# "…at once." with the next sentence on the line under it: two paragraphs run into one.
SENTENCE_END = re.compile(r"[.!?]$")
LIST_ITEM = re.compile(r"^(- |\d+\. )")
# "Under 1 minuteDate:": a word and the next label with nothing between them.
RUN_TOGETHER = re.compile(r"[a-z.)][A-Z][a-z]+:")


def problems_in(text: str) -> list[str]:
    found = []
    lines = text.splitlines()
    for line, following in zip(lines, lines[1:], strict=False):
        if SENTENCE_END.search(line) and following and not LIST_ITEM.match(following):
            found.append(f"no blank line between {line[-40:]!r} and {following[:40]!r}")
    found += [f"run together: {line!r}" for line in lines if RUN_TOGETHER.search(line)]
    if text.count("\n\n\n"):
        found.append("more than one blank line in a row")
    return found


def test_every_kinds_text_part_has_its_paragraphs_apart(session):
    every_kind = messages_by_kind(session, 1)
    with writing(session):  # a briefing with a length, so the record of learning says it
        for briefing in session.scalars(sa.select(Briefing)):
            briefing.duration_seconds = 45
    problems = {}
    for kind, messages in sorted(every_kind.items()):
        for rendered in render_batch(session, messages[:1]).values():
            if found := problems_in(rendered.text):
                problems[kind] = found
    assert problems == {}


def test_the_check_finds_what_it_is_for():
    assert problems_in("We tell the training team at once.\nSigns of Safety\n")
    assert problems_in("Length: Under 1 minuteDate: 3 December\n")
    assert problems_in("One.\n\n\nTwo.\n")
    assert not problems_in("Dear Jo,\n\nYour place is booked.\n\nWhere:\n- Step-free access\n")
