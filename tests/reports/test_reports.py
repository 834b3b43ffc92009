"""Reports: every figure checked against a data set built here; charts are SVG with the table beside."""

import csv
import io
from datetime import date

import pytest

from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.briefings import service as briefings
from app.enrolment.bookings import cancel_booking
from app.models import AttendanceMark, CouncilArea, Sector
from app.reports.report import Period, bar_chart, build_report, financial_year, financial_year_of
from tests.factories import (
    begin_course,
    booked,
    details,
    interested,
    make_briefing,
    make_course,
    make_date,
    make_staff,
    sign_in,
)
from tests.pages import words

A, L, X = AttendanceMark.ATTENDED, AttendanceMark.LEFT_EARLY, AttendanceMark.ABSENT
WIDE = Period(date(2000, 1, 1), date(2099, 12, 31))


@pytest.fixture
def data(session):
    """One finished course of 4 places: a completer (schools, Cumberland), one who left early (health,
    Westmorland and Furness), one absent (schools), one who cancelled, one who got a place from the
    waiting list; feedback from two; interest from one; a briefing watched by two."""
    course = make_course(session)
    course_date = make_date(session, course=course, capacity=3)
    people = {}
    for name, sector, area, organisation in (
        ("Cat Complete", Sector.SCHOOLS, CouncilArea.CUMBERLAND, "Keswick School"),
        ("Len Left", Sector.HEALTH, CouncilArea.WESTMORLAND_FURNESS, "Kendal Health Visiting"),
        ("Abi Absent", Sector.SCHOOLS, CouncilArea.CUMBERLAND, "Keswick School"),
        ("Wyn Waiting", Sector.SCHOOLS, CouncilArea.CUMBERLAND, "=Penrith School"),
    ):
        people[name] = booked(session, course_date.id, details(full_name=name, sector=sector, council_area=area,
                                                                   organisation=organisation)).booking  # fmt: skip
    cancel_booking(session, people["Abi Absent"].manage_token)  # Wyn gets the place from the waiting list
    abi = booked(session, make_date(session, course=course, days_from_now=60).id,
                     details(full_name="Abi Absent", sector=Sector.SCHOOLS)).booking  # fmt: skip
    staff = make_staff(session)
    begin_course(session, course_date, days_ago=3)
    day_one, day_two = course_date.days
    cat, len_, wyn = people["Cat Complete"], people["Len Left"], people["Wyn Waiting"]
    mark_attendance(session, day_one.id, {cat.id: A, len_.id: A, wyn.id: X}, actor=staff)
    mark_attendance(session, day_two.id, {cat.id: A, len_.id: L, wyn.id: X}, actor=staff)
    save_feedback(
        session, cat.id, FeedbackAnswers("Hearing the family's words.", "", "More practice.", 2, 8, True, True)
    )
    save_feedback(session, len_.id, FeedbackAnswers("The mapping.", "Too fast.", "", 4, 6, True, False))
    interested(session, course.id, "Ida Interested", "ida@example.org")
    briefing = make_briefing(session)
    for sector in (Sector.HEALTH, Sector.HEALTH):
        briefings.record_watched(session, briefing, briefings.WatchedDetails(
            "Zoë", f"zoe{sector}@example.org", "Workington Health", sector, CouncilArea.CUMBERLAND))  # fmt: skip
    return {"course_date": course_date, "abi_next": abi, **people}


def rows(report, key) -> dict:
    return {row[0]: row[1:] for row in report.table(key).rows}


def test_every_figure_matches_the_data(session, data):
    report = build_report(session, WIDE)
    summary = rows(report, "summary")
    # Places: 3 on the finished date and 20 on the one to come.
    assert summary["Places offered"][0] == 23
    # Booked: Cat, Len, Wyn (from the waiting list), Abi (cancelled after having a place), Abi's new booking.
    assert summary["Booked (a place, then came, missed or cancelled)"][0] == 5
    assert summary["Attended (at least one day)"] == [2, "40% of booked"]
    assert summary["Completed (every day)"] == [1, "20% of booked"]
    assert summary["Cancelled"][0] == 1 and summary["Did not attend"][0] == 1
    sector = rows(report, "sector")
    # Schools: Cat, Wyn, Abi's cancelled booking and her new one.
    assert sector["Schools and education"] == [4, 1, "25%", 1, "25%", 1]
    assert sector["Health"][:5] == [1, 1, "100%", 0, "0%"]
    assert rows(report, "area")["Westmorland and Furness"][0] == 1
    organisations = rows(report, "organisation")
    assert organisations["Keswick School"][0] == 2 and organisations["=Penrith School"][0] == 1
    waiting = rows(report, "waiting")
    assert waiting["Got a place from a waiting list"] == [1] and waiting["Asked to hear about new dates"] == [1]
    confidence = rows(report, "confidence")
    assert confidence["Responses"] == [2, 2] and confidence["Average"] == ["3.0", "7.0"]
    assert confidence["Lowest"] == [2, 6] and confidence["Highest"] == [4, 8] and confidence["Moved up"][0] == 2
    spread = rows(report, "spread")
    assert spread["2"] == [1, 0] and spread["8"] == [0, 1] and sum(r[1] for r in spread.values()) == 2
    assert rows(report, "briefings")["Health"] == [2]
    assert ("Cat Complete", "Hearing the family's words.") in report.quotes
    assert ("Someone who came", "Too fast.") in report.quotes  # Len: quotes yes, name no
    assert not any(who == "Len Left" for who, _ in report.quotes)


def test_a_period_counts_only_the_courses_that_start_in_it(session, data):
    first_day = data["course_date"].first_day
    only_it = build_report(session, Period(first_day, first_day))
    assert rows(only_it, "summary")["Places offered"][0] == 3
    none = build_report(session, Period(date(2001, 1, 1), date(2001, 12, 31)))
    assert rows(none, "summary")["Booked (a place, then came, missed or cancelled)"][0] == 0
    assert rows(none, "summary")["Attended (at least one day)"][1] == "– of booked"


def test_financial_years_run_april_to_march():
    assert financial_year(2026) == Period(date(2026, 4, 1), date(2027, 3, 31))
    assert financial_year_of(date(2027, 3, 31)).start == date(2026, 4, 1)
    assert financial_year_of(date(2027, 4, 1)).start == date(2027, 4, 1)
    assert financial_year(2026).label == "April 2026 to March 2027"


def test_a_chart_is_an_svg_named_described_and_escaped():
    svg = str(bar_chart("chart-x", "By <area>", "Booked, by area", [("Schools & more", 3), ("Health", 1)]))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"')
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert '<title id="chart-x-title">By &lt;area&gt;</title>' in svg
    assert '<desc id="chart-x-desc">Booked, by area: Schools &amp; more 3; Health 1</desc>' in svg
    assert "&lt;" not in svg.replace("By &lt;area&gt;", "") and svg.count("<rect") == 2


def test_the_reports_page_and_its_csv_downloads(client, session, data):
    sign_in(client, make_staff(session))
    first = data["course_date"].first_day
    query = (f"start={first.day}&start={first.month}&start={first.year}"
             f"&end={first.day}&end={first.month}&end={first.year}")  # fmt: skip
    page = client.get(f"/admin/reports?{query}")
    text = words(page)
    assert page.status_code == 200 and "Places and people" in text and "By area of work" in text
    label = f"{first:%-d %B %Y} to {first:%-d %B %Y}"
    assert label in text  # the dates chosen, not this financial year
    csv_link = f'href="/admin/reports/summary.csv?start={first.day}&amp;start={first.month}&amp;start={first.year}'
    assert csv_link in page.get_data(as_text=True)
    assert page.get_data(as_text=True).count('role="img"') >= 4
    assert "Hearing the family's words." in text and "Cat Complete" in text
    download = client.get(f"/admin/reports/organisation.csv?{query}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert table[0][0] == "Organisation" and ["'=Penrith School"] == [r[0] for r in table if "Penrith" in r[0]]
    quotes = list(csv.reader(io.StringIO(client.get(f"/admin/reports/quotes.csv?{query}").data.decode("utf-8-sig"))))
    assert ["Someone who came", "Too fast."] in quotes
    assert client.get(f"/admin/reports/nothing.csv?{query}").status_code == 404
    assert client.get("/admin/reports").status_code == 200  # this financial year
    bad = client.get("/admin/reports?year=1800")
    assert bad.status_code == 400 and "Select one of the years shown" in words(bad)
    half = client.get("/admin/reports?start=1&start=4&start=2026")
    assert half.status_code == 400 and "Enter both dates, or neither" in words(half)


def test_a_date_the_team_cancelled_is_counted_on_its_own_not_as_people_cancelling(session, data):
    from app.enrolment.dates import cancel_date

    before = rows(build_report(session, WIDE), "summary")
    cancelled = make_date(session, days_from_now=90)
    booked(session, cancelled.id, details())
    cancel_date(session, cancelled.id, "The trainer is ill.", actor=make_staff(session))
    after = rows(build_report(session, WIDE), "summary")
    assert after["Dates the team cancelled"][0] == before["Dates the team cancelled"][0] + 1
    for figure in ("Booked (a place, then came, missed or cancelled)", "Cancelled", "Places offered"):
        assert after[figure] == before[figure], figure
