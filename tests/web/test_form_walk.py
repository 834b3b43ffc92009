"""Every form of the service, found from the URL map and the pages themselves, takes hostile values
into each field in turn: the answer is a 4xx or the form with an error, never a 5xx, and a value that
is not allowed stores nothing. Runs on SQLite and PostgreSQL (which refuses NUL bytes that SQLite keeps).
"""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter

from app.models import (
    Attendance,
    AuditEvent,
    Booking,
    Briefing,
    Course,
    CourseDate,
    Interest,
    OutboxMessage,
    StaffUser,
    Venue,
    WatchedRecord,
)
from tests.factories import booked, details, make_briefing, make_date, make_staff, sign_in

HOSTILE = {
    "none": "None",
    "nul": "Ada\x00Lovelace",
    "control": "Ada\x07\x1b[31mLovelace",
    "right_to_left": "Ada\u202eecalevoL",
    "huge_text": "x" * 100_000,
    "huge_number": "9" * 50,
    "negative": "-5",
    "impossible": "0",
    "outside_the_choices": "wizards",
    "script": "<script>alert(1)</script>",
    "template": "{{ 7 * 7 }}{% raw %}",
}
# What no field may store; a box for words may fairly take the rest ("None" is a word, so is a number).
NEVER_STORED = {"nul", "control", "right_to_left", "huge_text"}
NOT_A_CHOICE_OR_NUMBER = NEVER_STORED | {"none", "huge_number", "outside_the_choices", "script", "template"}
# A malformed hidden key is replaced with a fresh one, so the answer is rightly kept without it.
REPLACED_NOT_REFUSED = {"submission_key"}
NOT_WALKED = {"admin.sign_out", "briefings.count_play", "briefings_admin.upload"}
TABLES = (Attendance, AuditEvent, Booking, Briefing, Course, CourseDate, Interest, StaffUser, Venue, WatchedRecord)

FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def counts(session) -> tuple:
    """How many rows the tables people's answers go into hold, in one query (emails aside: see below)."""
    session.rollback()
    return session.execute(
        sa.select(*(sa.select(sa.func.count()).select_from(t).scalar_subquery() for t in TABLES))
    ).one()


def fields_of(page: str) -> tuple[dict[str, str], set[str]]:
    """The fields of the page's POST forms, each with a value a person could sensibly give, and the names
    of those that take only a choice or a number."""
    found: dict[str, str] = {}
    strict: set[str] = set()
    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.DOTALL | re.IGNORECASE)
    for form in forms:
        for tag, attributes in FIELD.findall(form):
            attrs = dict(ATTRIBUTE.findall(attributes))
            name = attrs.get("name")
            if not name or name == "csrf_token" or attrs.get("type") in ("file", "submit"):
                continue
            if tag.lower() == "select" or attrs.get("type") in ("radio", "checkbox"):
                strict.add(name)
            if attrs.get("inputmode") == "numeric" or re.search(r"-(day|month|year)$|_(start|end)$|^closes_at$", name):
                strict.add(name)
            if tag.lower() == "select":
                options = re.findall(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', form, re.DOTALL)
                values = re.findall(r'<option[^>]*value="([^"]*)"', options[0]) if options else []
                found.setdefault(name, next((v for v in values if v), ""))
            elif attrs.get("type") in ("radio", "checkbox"):
                found.setdefault(name, unescape(attrs.get("value", "y")))
            else:
                found.setdefault(name, unescape(attrs.get("value", "")) or sensible(name))
    return found, strict


def sensible(name: str) -> str:
    """A fair answer for an empty box, by its name."""
    later = date.today() + timedelta(days=60)
    parts = {"day": later.day, "month": later.month, "year": later.year}
    for part, value in parts.items():
        if name.endswith(f"-{part}"):
            return str(value - 10 if name.startswith("closes_on") and part == "day" and value > 10 else value)
    if "email" in name:
        return "walker@example.org"
    if "password" in name:
        return "not the right password"
    if name.endswith("_start"):
        return "09:30"
    if name.endswith(("_end", "closes_at")):
        return "16:30"
    if name in ("capacity",):
        return "12"
    if name == "phone":
        return "01228 606060"
    if name == "slug":
        return "a-walked-page"
    if name == "postcode":
        return "CA3 8QG"
    return "Walked answer"


@pytest.fixture
def world(app, session, client):
    """One of everything the forms work on, and an admin signed in."""
    course_date = make_date(session, capacity=2)
    booking = booked(session, course_date.id, details()).booking
    briefing = make_briefing(session)
    admin = make_staff(session, email="walker.admin@example.org")
    sign_in(client, admin)
    return {
        "date_id": course_date.id,
        "booking_id": booking.id,
        "day_id": course_date.days[0].id,
        "course_id": course_date.course_id,
        "venue_id": course_date.venue_id,
        "briefing_id": briefing.id,
        "message_id": session.scalar(sa.select(OutboxMessage.id)),
        "token": booking.manage_token,
        "course_slug": course_date.course.slug,
        "briefing_slug": briefing.slug,
    }


def path_for(rule, world: dict) -> str:
    def value(name, converter):
        if name == "slug":
            return world["briefing_slug"] if rule.endpoint.startswith("briefings") else world["course_slug"]
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        return {"slot": "captions", "kind": "chapters", "action": "publish", "name": "x"}.get(name, world.get(name))

    values = {name: value(name, converter) for name, converter in rule._converters.items()}
    return re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in NOT_WALKED:
            yield rule


def test_the_walk_finds_the_public_and_the_staff_forms(app):
    endpoints = {rule.endpoint for rule in post_rules(app)}
    assert {"booking.book", "courses.interest", "briefings.watched", "admin.new_date", "admin.venue_form"} <= endpoints


def test_every_field_of_every_form_refuses_hostile_values_without_a_server_error(app, session, client, world):
    walked = 0
    for rule in post_rules(app):
        path = path_for(rule, world)
        page = client.get(path) if "GET" in rule.methods else None
        if page is not None:
            assert page.status_code < 500, (path, page.status_code)
        baseline, strict = {}, set()
        if page is not None and page.status_code == 200:
            baseline, strict = fields_of(page.get_data(as_text=True))
        for field in baseline or {"anything": ""}:
            for label, value in HOSTILE.items():
                refused = label in (NOT_A_CHOICE_OR_NUMBER if field in strict else NEVER_STORED)
                checked = refused and field not in REPLACED_NOT_REFUSED | {"anything"}
                before = counts(session) if checked else None
                response = client.post(path, data={**baseline, field: value})
                assert response.status_code < 500, (path, field, label, response.status_code)
                walked += 1
                text = response.get_data(as_text=True)
                assert "<script>alert(1)</script>" not in text, (path, field)
                if checked and counts(session) != before:
                    pytest.fail(f"{path}: {field}={label} was stored ({before} -> {counts(session)})")
    assert walked > 500


@pytest.mark.parametrize(
    "path",
    [
        "/courses/%00",
        "/courses/%00/dates.ics",
        "/courses/%00/interest",
        "/briefings/%00",
        "/briefings/%00/transcript.txt",
        "/briefings/%00/watched",
        "/bookings/%00",
        "/bookings/%00/calendar.ics",
        "/dates/99999999999999999999",
        "/dates/-1",
    ],
)
def test_hostile_public_addresses_get_a_4xx(client, path):
    assert 400 <= client.get(path).status_code < 500


def test_hostile_staff_addresses_get_a_4xx(client, world):
    for path in ("/admin/audit?page=99999999999999999999999", "/admin/dates/99999999999999999999/edit"):
        assert 400 <= client.get(path).status_code < 500, path
