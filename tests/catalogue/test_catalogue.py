"""Courses, venues and briefings are saved by one path: a web address name is used once, even when two saves
race for it, and each save is audited."""

import pytest
import sqlalchemy as sa

from app.briefings.service import save_briefing
from app.catalogue import records
from app.catalogue.records import SlugTaken
from app.catalogue.service import save_course, save_venue
from app.models import AuditEvent, Course

COURSE = {"title": "Signs of Safety", "slug": "introduction", "summary": "Two days.", "description": "The framework.",
          "audience": "New staff.", "in_person": True}  # fmt: skip
BRIEFING = {"title": "Partner briefing", "slug": "introduction", "summary": "A narrated briefing.",
            "description": "What it is.", "audience": "Partners."}  # fmt: skip


@pytest.mark.parametrize("save, values", [(save_course, COURSE), (save_briefing, BRIEFING)])
def test_a_save_racing_another_for_the_same_web_address_name_gets_a_plain_refusal(session, monkeypatch, save, values):
    save(session, None, values, actor=None)
    # The racing save checked the name before the first committed, so its check found it free.
    monkeypatch.setattr(records, "slug_problem", lambda *args: None)
    with pytest.raises(SlugTaken, match="already uses this web address name"):
        save(session, None, {**values, "title": "Another"}, actor=None)


@pytest.mark.parametrize("slug", ["Has Capitals", "double--hyphen", "x" * 81, ""])
def test_a_badly_formed_web_address_name_is_refused(session, slug):
    with pytest.raises(SlugTaken, match="lower-case letters"):
        save_course(session, None, {**COURSE, "slug": slug}, actor=None)


def test_each_save_is_audited_as_added_then_changed(session):
    course = save_course(session, None, COURSE, actor=None)
    save_course(session, course.id, {**COURSE, "title": "Signs of Safety: two days"}, actor=None)
    save_venue(session, None, {"name": "Town Hall", "address": "Highgate", "town": "Kendal", "postcode": "LA9 4DL",
                               "step_free_access": True, "hearing_loop": False, "accessible_toilets": True,
                               "parking": None, "access_notes": None}, actor=None)  # fmt: skip
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["course added", "course changed", "venue added"]
    assert session.scalar(sa.select(Course.title)) == "Signs of Safety: two days"
