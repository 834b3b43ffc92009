"""The date form chooses nothing for you, fills in the usual hours, and reads times as people write them."""

from datetime import time

import pytest
import sqlalchemy as sa

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


def date_answers(course, venue, first_day, **changes) -> dict:
    """The add-date form filled in as a coordinator would: two days from `first_day`, booking closing a
    week before."""
    from datetime import timedelta

    def boxes(day):
        return [str(day.day), str(day.month), str(day.year)]

    closes = first_day - timedelta(days=7)
    answers = {
        "course_id": str(course.id), "venue_id": str(venue.id), "capacity": "16",
        "day1": boxes(first_day), "day1_start": "9:30am", "day1_end": "4:30pm",
        "day2": boxes(first_day + timedelta(days=1)), "day2_start": "9:30am", "day2_end": "4:30pm",
        "day3": ["", "", ""], "day3_start": "", "day3_end": "",
        "closes_on": boxes(closes), "closes_at": "5pm",
    }  # fmt: skip
    return answers | changes


def error_summary(response) -> list[str]:
    """The problems the error summary lists, in order, as a person reads them."""
    import re

    page = source(response)
    summary = page[page.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    return [" ".join(text.split()) for text in re.findall(r"<a [^>]*>(.*?)</a>", summary)]


def test_every_problem_with_a_new_date_is_shown_at_once(client, session):
    from datetime import UTC, datetime, timedelta

    course, venue = make_course(session), make_venue(session)
    make_course(session, title="Signs of Wellbeing")  # two courses: none is chosen for you
    sign_in(client, make_staff(session))
    first_day = datetime.now(UTC).date() + timedelta(days=30)
    answers = date_answers(
        course, venue, first_day,
        course_id="", capacity="many",
        day1_end="9am",  # ends before it starts
        day2=[str(first_day.day), str(first_day.month), str(first_day.year)],  # the same day as day 1
        day3=["31", "2", str(first_day.year)], day3_start="9:30am", day3_end="4:30pm",  # no such date
        closes_on=[str((first_day + timedelta(days=1)).day), str((first_day + timedelta(days=1)).month),
                   str((first_day + timedelta(days=1)).year)],  # after day 1 starts
    )  # fmt: skip
    response = client.post("/admin/dates/new", data=answers)
    assert response.status_code == 200
    assert error_summary(response) == [
        "Select a course",
        "Enter the number of places as a whole number, like 16",
        "Day 1 must end after it starts",
        "Day 2 must be after day 1",
        "Enter a real date",
        "Booking must close before day 1 starts",
    ]
    page = source(response)
    assert 'value="many"' in page and 'value="9am"' in page  # the answers given are kept
    from app.models import CourseDate

    session.rollback()
    assert session.scalar(sa.select(sa.func.count(CourseDate.id))) == 0


def test_a_day_given_in_part_is_named_by_the_box_left_empty(client, session):
    from datetime import UTC, datetime, timedelta

    course, venue = make_course(session), make_venue(session)
    sign_in(client, make_staff(session))
    first_day = datetime.now(UTC).date() + timedelta(days=30)
    response = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, day2_end="", capacity=""))
    assert error_summary(response) == [
        "Enter the number of places",
        "Enter the date, start and end time of day 2, or leave all three empty",
    ]
    assert 'href="#day2_end"' in source(response)


def test_booking_closes_three_days_before_at_5pm_unless_another_day_is_given(client, session):
    from datetime import UTC, datetime, time, timedelta

    from app.models import LONDON, CourseDate

    course, venue = make_course(session), make_venue(session)
    sign_in(client, make_staff(session))
    page = source(client.get("/admin/dates/new"))
    assert 'value="5pm"' in page and "Leave it empty and booking closes 3 days before day 1." in page
    first_day = datetime.now(UTC).date() + timedelta(days=30)
    # With another problem, the form comes back with the closing day filled in.
    response = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, closes_on=["", "", ""],
                                                                  capacity=""))  # fmt: skip
    closes = first_day - timedelta(days=3)
    assert error_summary(response) == ["Enter the number of places"]
    assert f'id="closes_on-day" name="closes_on" type="text" value="{closes.day}"' in source(response)
    response = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, closes_on=["", "", ""]))
    assert response.status_code == 302
    session.rollback()
    course_date = session.scalars(sa.select(CourseDate)).one()
    assert course_date.booking_closes_at.astimezone(LONDON).replace(tzinfo=None) == datetime.combine(closes, time(17))


def test_with_no_closing_day_given_a_date_too_near_for_the_usual_closing_is_refused(client, session):
    from datetime import UTC, datetime, timedelta

    course, venue = make_course(session), make_venue(session)
    sign_in(client, make_staff(session))
    first_day = datetime.now(UTC).date() + timedelta(days=2)
    response = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, closes_on=["", "", ""]))
    assert error_summary(response) == ["Enter the day booking closes: 3 days before day 1 has passed already"]


def test_the_trainers_are_chosen_on_the_form_and_see_the_date(client, session):
    from datetime import UTC, datetime, timedelta

    from app.models import AuditEvent, CourseDate, Role

    course, venue = make_course(session), make_venue(session)
    ffion = make_staff(session, role=Role.TRAINER, name="Ffion Trainer", email="ffion@example.org")
    make_staff(session, role=Role.TRAINER, name="Tomás Trainer", email="tomas@example.org")
    admin = make_staff(session, name="Jo Admin", email="jo@example.org")
    sign_in(client, admin)
    page = source(client.get("/admin/dates/new"))
    assert "Trainers for this date (optional)" in page
    assert "Ffion Trainer" in page and "Tomás Trainer" in page and "Jo Admin" not in page  # trainers only
    first_day = datetime.now(UTC).date() + timedelta(days=30)
    refused = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, trainers=[str(admin.id)]))
    assert error_summary(refused) == ["Select only the options shown"]
    malformed = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, trainers=["1\x00"]))
    assert error_summary(malformed) == ["Select only the options shown"]
    response = client.post("/admin/dates/new", data=date_answers(course, venue, first_day, trainers=[str(ffion.id)]))
    assert response.status_code == 302
    session.rollback()
    course_date = session.scalars(sa.select(CourseDate)).one()
    assert [u.name for u in course_date.trainers] == ["Ffion Trainer"]
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "date added")).one()
    assert event.summary.endswith("; trainers: Ffion Trainer (ffion@example.org)")
    client.post("/admin/sign-out")
    sign_in(client, ffion)
    assert client.get(f"/admin/dates/{course_date.id}").status_code == 200
    client.post("/admin/sign-out")
    sign_in(client, "tomas@example.org")
    assert client.get(f"/admin/dates/{course_date.id}").status_code == 403  # not chosen: not theirs
