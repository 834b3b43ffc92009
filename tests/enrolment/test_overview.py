"""Every date is reachable by the people who work on it: in progress, to come, and finished."""

from datetime import UTC, datetime, timedelta

import pytest

from app.database import writing
from app.enrolment.overview import dates_for_staff, past_dates, past_years
from app.models import Role
from tests.factories import make_course, make_date, make_staff, make_venue, sign_in
from tests.pages import source


def assigned(session, course_date, trainer):
    with writing(session):
        course_date.trainers.append(trainer)
    return course_date


def test_a_course_on_its_second_day_is_in_progress_with_its_day_and_comes_first(session):
    admin = make_staff(session)
    started = make_date(session, days_from_now=-1, closes_days_before=3)
    soon = make_date(session, days_from_now=3)
    finished = make_date(session, days_from_now=-5)
    found = dates_for_staff(session, admin, datetime.now(UTC))
    assert [(line.course_date.id, line.day_today) for line in found.in_progress] == [(started.id, 2)]
    assert [line.course_date.id for line in found.upcoming] == [soon.id]
    assert finished.id not in {line.course_date.id for line in found.in_progress + found.upcoming}


def test_past_dates_are_newest_first_paged_and_filtered_by_course_venue_and_year(session):
    admin = make_staff(session)
    carlisle, kendal = make_venue(session, name="The Old Fire Station", town="Carlisle"), make_venue(session)
    course, other = make_course(session), make_course(session, title="Signs of Wellbeing")
    now = datetime.now(UTC)
    older = [make_date(session, course=course, venue=carlisle, days_from_now=-10 - n * 7) for n in range(5)]
    elsewhere = make_date(session, course=other, venue=kendal, days_from_now=-400)
    make_date(session, course=course, venue=carlisle, days_from_now=5)  # not past

    first = past_dates(session, admin, now, per_page=2)
    assert (first.total, first.pages) == (6, 3)
    assert [line.course_date.id for line in first.lines] == [older[0].id, older[1].id]
    last = past_dates(session, admin, now, per_page=2, page=3)
    assert [line.course_date.id for line in last.lines] == [older[4].id, elsewhere.id]
    assert [line.course_date.id for line in past_dates(session, admin, now, course_id=other.id).lines] == [elsewhere.id]
    assert past_dates(session, admin, now, venue_id=carlisle.id).total == 5
    year = elsewhere.first_day.year
    by_year = past_dates(session, admin, now, year=year).lines
    assert elsewhere.id in {line.course_date.id for line in by_year}
    assert all(line.course_date.first_day.year == year for line in by_year)
    assert year in past_years(session, admin, now) and older[0].first_day.year in past_years(session, admin, now)


def test_a_trainer_sees_only_their_own_dates_in_progress_to_come_and_past(session):
    trainer = make_staff(session, role=Role.TRAINER)
    theirs = [assigned(session, make_date(session, days_from_now=days), trainer) for days in (-1, 4, -30)]
    for days in (-1, 4, -30):
        make_date(session, days_from_now=days)  # someone else's
    now = datetime.now(UTC)
    found = dates_for_staff(session, trainer, now)
    assert [line.course_date.id for line in found.in_progress + found.upcoming] == [theirs[0].id, theirs[1].id]
    assert [line.course_date.id for line in past_dates(session, trainer, now).lines] == [theirs[2].id]


def test_an_admin_and_the_trainer_reach_a_course_that_started_yesterday_and_a_finished_one(client, session):
    trainer = make_staff(session, role=Role.TRAINER)
    started = assigned(session, make_date(session, days_from_now=-1), trainer)
    finished = assigned(session, make_date(session, days_from_now=-20), trainer)
    for user in (make_staff(session), trainer):
        sign_in(client, user)
        dashboard = source(client.get("/admin/"))
        assert "In progress" in dashboard and "Day 2 today" in dashboard
        assert f'href="/admin/dates/{started.id}"' in dashboard
        past = source(client.get("/admin/dates/past"))
        assert f'href="/admin/dates/{finished.id}"' in past and "1 date" in past
        assert client.get(f"/admin/dates/{finished.id}").status_code == 200
        client.post("/admin/sign-out")


def test_the_past_dates_filters_keep_the_choice_across_pages_and_refuse_unknown_values(app, client, session):
    sign_in(client, make_staff(session))
    course = make_course(session)
    for n in range(27):
        make_date(session, course=course, days_from_now=-10 - n)
    page = source(client.get(f"/admin/dates/past?course={course.id}"))
    assert "27 dates, page 1 of 2" in page
    assert f'href="/admin/dates/past?page=2&amp;course={course.id}"' in client.get(
        f"/admin/dates/past?course={course.id}"
    ).get_data(as_text=True)
    assert "27 dates, page 2 of 2" in source(client.get(f"/admin/dates/past?page=2&course={course.id}"))
    response = client.get("/admin/dates/past?course=99999&year=abc")
    shown = source(response)
    assert response.status_code == 400
    assert "Select one of the courses shown" in shown and "Select one of the years shown" in shown
    assert client.get("/admin/dates/past?page=3").status_code == 404
    assert client.get("/admin/dates/past?page=0").status_code == 404


@pytest.mark.parametrize("query", ["course=%00", "venue=1%00", "year=99999999999999999999", "page=-1"])
def test_hostile_filters_get_a_4xx(client, session, query):
    sign_in(client, make_staff(session))
    assert client.get(f"/admin/dates/past?{query}").status_code in (400, 404)


def test_between_the_days_of_a_course_the_dashboard_says_so(session, client):
    admin = make_staff(session)
    course_date = make_date(session, days_from_now=-1)
    with writing(session):  # day 2 moves a day later, so today falls between the days
        course_date.days[1].day = course_date.days[1].day + timedelta(days=1)
    sign_in(client, admin)
    assert "Between days" in source(client.get("/admin/"))
