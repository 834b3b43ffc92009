"""A month of dates for the training team: each day of each course in its place, with places and waiting."""

from datetime import date

from app.database import writing
from app.enrolment.overview import calendar_month
from app.models import DateStatus, Role
from tests.factories import booked, details, make_course, make_date, make_staff, sign_in
from tests.pages import source


def on(session, course_date, *days: date):
    with writing(session):
        for course_day, day in zip(
            sorted(course_date.days, key=lambda d: d.day, reverse=True), sorted(days)[::-1], strict=True
        ):
            course_day.day = day
            session.flush()
    return course_date


def test_a_two_day_course_over_a_month_end_shows_on_both_months_with_its_day(session):
    admin = make_staff(session)
    course_date = on(session, make_date(session, days_from_now=400), date(2027, 4, 30), date(2027, 5, 1))
    april = calendar_month(session, admin, 2027, 4)
    assert april.first == date(2027, 4, 1) and april.weeks[0][0].day == date(2027, 3, 29)  # a Monday
    assert all(len(week) == 7 for week in april.weeks)
    cells = {day.day: day for week in april.weeks for day in week}
    assert [(line.course_date.id, number) for line, number in cells[date(2027, 4, 30)].lines] == [(course_date.id, 1)]
    assert [(line.course_date.id, number) for line, number in cells[date(2027, 5, 1)].lines] == [(course_date.id, 2)]
    assert not cells[date(2027, 5, 1)].in_month
    assert [day.day for day in april.busy_days] == [date(2027, 4, 30)]
    may = calendar_month(session, admin, 2027, 5)
    assert [day.day for day in may.busy_days] == [date(2027, 5, 1)]
    assert (april.previous, april.next) == (date(2027, 3, 1), date(2027, 5, 1))


def test_the_calendar_page_shows_places_waiting_and_status_and_pages_through_months(client, session):
    course = make_course(session, title="Signs of Safety Two Day Introductory Training")
    full = on(session, make_date(session, course=course, capacity=1, days_from_now=400),
              date(2027, 6, 7), date(2027, 6, 8))  # fmt: skip
    booked(session, full.id, details())
    booked(session, full.id, details())
    on(session, make_date(session, course=course, status=DateStatus.DRAFT, days_from_now=420),
       date(2027, 6, 21), date(2027, 6, 22))  # fmt: skip
    sign_in(client, make_staff(session))
    page = source(client.get("/admin/calendar?month=2027-06"))
    assert "June 2027" in page and "Day 1 of 2, Carlisle. 1 of 1 places, 1 waiting." in page
    assert "Day 2 of 2" in page and "Draft." in page
    assert f'href="/admin/dates/{full.id}"' in page
    assert 'href="/admin/calendar?month=2027-05"' in page and 'href="/admin/calendar?month=2027-07"' in page
    assert "There are no dates in July 2027" in source(client.get("/admin/calendar?month=2027-07"))
    assert client.get("/admin/calendar").status_code == 200
    for bad in ("2027-13", "27-06", "2027-6", "June", "2027-06%00", "1999-01"):
        assert client.get(f"/admin/calendar?month={bad}").status_code == 404, bad


def test_a_trainer_sees_only_their_own_dates_on_the_calendar(session):
    trainer = make_staff(session, role=Role.TRAINER)
    theirs = on(session, make_date(session, days_from_now=400), date(2027, 6, 7), date(2027, 6, 8))
    on(session, make_date(session, days_from_now=410), date(2027, 6, 14), date(2027, 6, 15))
    with writing(session):
        theirs.trainers.append(trainer)
    shown = calendar_month(session, trainer, 2027, 6)
    assert {line.course_date.id for day in shown.busy_days for line, _ in day.lines} == {theirs.id}
