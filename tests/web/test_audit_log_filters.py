"""The audit log, narrowed by days, by the person its entries are about, by what was done and by who did it:
a GET form whose address can be bookmarked, pages that keep the filters, and errors next to the field."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.core import audit
from app.database import writing
from app.enrolment.bookings import cancel_booking, move_booking
from app.models import LONDON, AuditEvent
from app.web.admin.audit_log import PAGE_SIZE
from tests.factories import booked, details, make_date, make_staff, sign_in
from tests.pages import source, words


def summaries(response) -> list[str]:
    """The summaries of the entries shown, newest first."""
    page = source(response)
    return [part.split("</p>")[0].strip() for part in page.split('<p class="govuk-body govuk-!-margin-bottom-1">')[1:]]


@pytest.fixture
def history(session):
    """Siân booked, then moved herself; Ben was cancelled by Ada; the worker and the command line did things."""
    first = make_date(session, days_from_now=20)
    later = make_date(session, days_from_now=50, course=first.course)
    ada = make_staff(session, email="ada@example.org", name="Ada Admin")
    sian = booked(session, first.id, details(full_name="Siân Evans", email="sian.evans@example.org")).booking
    ben = booked(session, first.id, details(full_name="Ben Carter")).booking
    move_booking(session, sian.manage_token, later.id)
    cancel_booking(session, ben.manage_token, actor=ada)
    with writing(session):
        audit.record(session, None, "hold released", sian, f"Released {sian.reference}: not confirmed", by=audit.WORKER)
        audit.record(session, None, "data purged", ("booking", None), "Ran the retention purge")
    return {"sian": sian, "ben": ben, "ada": ada, "first": first, "later": later}


def test_by_person_a_name_without_accents_an_email_or_a_reference_finds_their_entries(client, session, history):
    sign_in(client, history["ada"])
    sian = history["sian"]
    for typed in ("sian", "SIÂN EVANS", "sian.evans@", sian.reference, sian.reference.removeprefix("SOS-").lower()):
        shown = summaries(client.get("/admin/audit", query_string={"person": typed}))
        assert shown == [f"Released {sian.reference}: not confirmed", shown[1]], typed
        assert shown[1].startswith(f"Moved booking {sian.reference} from "), typed
    page = words(client.get("/admin/audit", query_string={"person": "nobody here"}))
    assert "No entries match these filters" in page and "Try fewer filters" in page


def test_by_action_the_list_offers_only_actions_the_log_has(client, session, history):
    sign_in(client, history["ada"])
    page = source(client.get("/admin/audit"))
    offered = [value for value in page.split('name="action"')[1].split("</select>")[0].split('value="')[1:]]
    offered = [value.split('"')[0] for value in offered]
    assert offered == ["", "booking cancelled", "booking moved", "data purged", "hold released"]
    shown = summaries(client.get("/admin/audit?action=booking+cancelled"))
    assert shown == [f"Cancelled booking {history['ben'].reference} on " + shown[0].split(" on ", 1)[1]]


@pytest.mark.parametrize(
    ("who", "actions"),
    [
        ("person", ["booking moved"]),
        ("worker", ["hold released"]),
        ("command-line", ["data purged"]),
        ("staff", ["booking cancelled"]),
    ],
)
def test_by_who_did_it(client, session, history, who, actions):
    sign_in(client, history["ada"])
    value = f"staff-{history['ada'].id}" if who == "staff" else who
    page = source(client.get("/admin/audit"))
    assert f'value="staff-{history["ada"].id}">Ada Admin (ada@example.org)<' in page
    shown = summaries(client.get("/admin/audit", query_string={"done_by": value}))
    session.rollback()
    expected = session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id.desc())
    ).all()
    assert shown == expected and len(shown) == 1


def test_by_days_from_and_to_in_uk_days_as_boxes_or_plain_dates(client, session, history):
    sign_in(client, history["ada"])
    old = datetime(2020, 3, 2, 23, 30, tzinfo=UTC)  # 2 March in London (GMT)
    summer = datetime(2020, 7, 1, 23, 30, tzinfo=UTC)  # already 2 July in London (BST)
    with writing(session):
        for at, words_ in ((old, "Long ago"), (summer, "In the summer")):
            event = audit.record(session, history["ada"], "date changed", ("course_date", 1), words_)
            event.at = at
    assert summaries(client.get("/admin/audit?start=2&start=3&start=2020&end=2&end=3&end=2020")) == ["Long ago"]
    assert summaries(client.get("/admin/audit?start=2020-07-02&end=2020-07-02")) == ["In the summer"]
    assert summaries(client.get("/admin/audit?start=1/7/2020&end=1/7/2020")) == []
    assert summaries(client.get("/admin/audit?end=2020-12-31")) == ["In the summer", "Long ago"]
    today = datetime.now(LONDON).date()
    assert len(summaries(client.get(f"/admin/audit?start={today}&end={today}"))) == 4


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": ["31", "2", "2027"]}, "start-day", "Enter a real date"),
        ({"start": "2027-03-05", "end": "2027-03-04"}, "end-day", "must be the same as or after"),
        ({"person": "a"}, "person", "Enter between 2 and 100 letters"),
        ({"person": "x" * 101}, "person", "Enter between 2 and 100 letters"),
        ({"person": "sian\x00"}, "person", "must only include letters, numbers and punctuation"),
        ({"action": "booking\x00moved"}, "action", "Select one of the actions shown"),
        ({"done_by": "staff-99999999999999999999"}, "done_by", "Select one of the people shown"),
        ({"done_by": "\x00"}, "done_by", "Select one of the people shown"),
        ({"end": ["\x00", "3", "2027"]}, "end-day", "Enter a real date"),
    ],
)
def test_a_bad_filter_is_refused_next_to_its_field_and_the_other_answers_are_kept(
    client, session, history, query, field, message
):
    sign_in(client, history["ada"])
    response = client.get("/admin/audit", query_string={"person": "evans", **query})
    assert response.status_code == 400
    page = source(response)
    assert "There is a problem" in page and f'href="#{field}"' in page and message in page
    assert page.index(message) != page.rindex(message)  # in the summary and again beside the field
    if "person" not in query:
        (person,) = re.findall(r'<input[^>]* name="person"[^>]*>', page)
        assert 'value="evans"' in person
    assert "app-events__item" not in page


def test_pages_keep_the_filters(client, session, history):
    sign_in(client, history["ada"])
    with writing(session):
        for number in range(PAGE_SIZE + 5):
            audit.record(session, None, "booking moved", history["sian"], f"Moved {number}", by=audit.PERSON_BOOKED)
    page = source(client.get("/admin/audit?person=sian&done_by=person&start=2020-01-01"))
    older = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert parse_qs(urlsplit(older).query) == {
        "page": ["2"], "person": ["sian"], "done_by": ["person"], "start": ["2020-01-01"]
    }  # fmt: skip
    second = summaries(client.get(older))
    assert second == [f"Moved {n}" for n in range(4, -1, -1)] + [second[-1]]
    assert second[-1].startswith(f"Moved booking {history['sian'].reference}")


def test_with_no_filters_every_entry_shows_and_an_empty_log_says_so(client, session):
    admin = make_staff(session)
    sign_in(client, admin)
    page = words(client.get("/admin/audit"))
    assert "No entries match: nothing has been changed yet" in page
    with writing(session):
        audit.record(session, admin, "date changed", ("course_date", 1), "Changed <b>nothing</b>")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Every entry, newest first" in page and "Changed &lt;b&gt;nothing&lt;/b&gt;" in page


def test_an_entry_made_today_is_in_todays_range_at_any_hour(client, session):
    admin = make_staff(session)
    sign_in(client, admin)
    with writing(session):
        audit.record(session, admin, "date changed", ("course_date", 1), "Just now")
    today = datetime.now(LONDON).date()
    assert summaries(client.get(f"/admin/audit?start={today}&end={today}")) == ["Just now"]
    yesterday = today - timedelta(days=1)
    assert summaries(client.get(f"/admin/audit?start={yesterday}&end={yesterday}")) == []
