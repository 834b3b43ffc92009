"""The date form chooses nothing for you, fills in the usual hours, and reads times as people write them."""

from datetime import time

import pytest

from app.core.filters import clock_time, short_time
from app.web.fields import parse_clock_time
from tests.factories import interested, make_course, make_staff, make_venue, sign_in
from tests.pages import source


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("4:30pm", time(16, 30)), ("4.30pm", time(16, 30)), ("16:30", time(16, 30)), ("1630", time(16, 30)),
        ("16.30", time(16, 30)), ("4:30 PM", time(16, 30)), ("4.30 p.m.", time(16, 30)), ("4pm", time(16)),
        ("9:30am", time(9, 30)), ("09:30", time(9, 30)), ("930", time(9, 30)), ("9.30", time(9, 30)),
        ("12pm", time(12)), ("12am", time(0)), ("12:15am", time(0, 15)), ("midday", time(12)),
        ("12pm (midday)", time(12)), ("noon", time(12)), ("00:00", time(0)), ("23:59", time(23, 59)),
    ],
)  # fmt: skip
def test_times_are_read_as_people_write_them(typed, meant):
    assert parse_clock_time(typed) == meant


@pytest.mark.parametrize("typed", ["9", "13pm", "0am", "24:00", "16:60", "4:3pm", "half past", "16:30:00", "", "1 630"])
def test_what_is_not_a_time_is_refused(typed):
    assert parse_clock_time(typed) is None


def test_a_time_is_shown_back_the_way_the_service_writes_times():
    assert [clock_time(t) for t in (time(9, 30), time(12), time(16, 30), time(0, 5))] == [
        "9:30am", "12pm", "4:30pm", "12:05am",
    ]  # fmt: skip
    # In a sentence, midday is said in words; in a box, the time alone, which reads back the same.
    assert short_time(time(12)) == "12pm (midday)" and short_time(time(16, 30)) == clock_time(time(16, 30))
    assert parse_clock_time(clock_time(time(12))) == time(12)


def test_with_two_courses_and_venues_nothing_is_chosen_and_the_usual_hours_are_filled_in(client, session):
    make_course(session), make_course(session, title="Signs of Wellbeing")
    make_venue(session), make_venue(session, name="Carlisle Civic Centre", town="Carlisle")
    sign_in(client, make_staff(session))
    page = client.get("/admin/dates/new").get_data(as_text=True)
    assert '<option value="" selected>Choose a course</option>' in page
    assert '<option value="" selected>Choose a venue</option>' in page
    assert page.count('value="9:30am"') == 2 and page.count('value="4:30pm"') == 2  # days 1 and 2
    assert 'name="day3_start" type="text" value=""' in page or 'name="day3_start" type="text">' in page
    assert 'value="5pm"' in page


def test_with_one_course_and_one_venue_they_are_chosen(client, session):
    course, venue = make_course(session), make_venue(session)
    sign_in(client, make_staff(session))
    page = client.get("/admin/dates/new").get_data(as_text=True)
    assert "Choose a course" not in page and "Choose a venue" not in page
    assert f'<option value="{course.id}" selected>' in page and f'<option value="{venue.id}" selected>' in page


def test_other_usual_hours_can_be_set(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_DAY_STARTS", "10am")
    monkeypatch.setitem(app.config, "COURSE_DAY_ENDS", "15:00")
    make_course(session), make_venue(session)
    sign_in(client, make_staff(session))
    page = client.get("/admin/dates/new").get_data(as_text=True)
    assert page.count('value="10am"') == 2 and page.count('value="3pm"') == 2


def test_publishing_shows_a_check_page_that_counts_the_people_who_will_be_emailed(client, session, mail_server):
    from app.mail.outbox import send_due
    from app.models import CourseDate, DateStatus
    from tests.factories import make_date

    course = make_course(session, title="Signs of Safety Two Day Introductory Training")
    other = make_course(session, title="Signs of Wellbeing")
    interested(session, course.id, "Lee", "lee@example.org")
    interested(session, course.id, "Sam", "sam@example.org")
    interested(session, other.id, "Kim", "kim@example.org")  # another course: not told
    draft = make_date(session, course=course, status=DateStatus.DRAFT)
    sign_in(client, make_staff(session))
    page = source(client.get(f"/admin/dates/{draft.id}/publish"))
    assert "Check before you publish" in page and "Signs of Safety Two Day Introductory Training" in page
    assert "2 people have asked to hear about new dates of this course" in page
    assert "Publish and email 2 people" in page
    session.rollback()
    assert session.get(CourseDate, draft.id).status == DateStatus.DRAFT  # looking publishes nothing
    response = client.post(f"/admin/dates/{draft.id}/publish")
    assert "2 people who asked have been emailed" in source(client.get(response.headers["Location"]))
    send_due(session)
    assert sorted(m["To"] for m in mail_server.messages) == ["lee@example.org", "sam@example.org"]
    # Published already: the check page sends you back to the date.
    assert client.get(f"/admin/dates/{draft.id}/publish").status_code == 302
