"""Reports: every figure checked against a data set built here; charts are SVG with the table beside."""

import csv
import io
import re
from datetime import date

import pytest

from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.briefings import service as briefings
from app.enrolment.bookings import cancel_booking
from app.models import AttendanceMark, CouncilArea, Sector
from app.reports.charts import WIDTH, bar_chart, text_width
from app.reports.report import QUESTIONS, Period, Quote, build_report, financial_year, financial_year_of
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
    dates = rows(report, "dates")
    assert dates["Dates that have finished"] == [1] and dates["Dates still to come or running now"] == [1]
    assert dates["Dates the team cancelled"] == [0]
    places = rows(report, "places")
    # Places: 3 on the finished date and 20 on the one to come.
    assert places["Places offered"][0] == 23
    # Booked: Cat, Len, Wyn (from the waiting list), Abi (cancelled after having a place), Abi's new booking.
    assert places["Booked (had a place, including people who later cancelled)"] == [5, "22% of places"]
    assert places["Cancelled their place"] == [1, "20% of booked"]
    assert places["Booked on dates that have finished"][0] == 3  # Cat, Len, Wyn
    assert places["Booked on dates still to come or running now"][0] == 1  # Abi's new booking
    attendance = rows(report, "attendance")
    assert attendance["Booked on dates that have finished"][0] == 3
    assert attendance["Attended (at least one day)"] == [2, "67% of booked on finished dates"]
    assert attendance["Completed (every day)"] == [1, "33% of booked on finished dates"]
    assert attendance["Did not attend"] == [1, "33% of booked on finished dates"]
    assert attendance["Not marked on the register yet"][0] == 0
    sector = rows(report, "sector")
    # Schools: Cat and Wyn on the finished date, Abi's cancelled booking and her new one to come.
    assert sector["Schools and education"] == [4, 1, 1, 2, 1, "50%", 1, "50%", 1]
    assert sector["Health"] == [1, 0, 0, 1, 1, "100%", 0, "0%", 0]
    assert sector["Police"] == [0, 0, 0, 0, 0, "–", 0, "–", 0]  # listed, with nobody booked
    assert rows(report, "area")["Westmorland and Furness"][0] == 1
    assert rows(report, "area")["Outside Cumbria"][0] == 0
    organisations = rows(report, "organisation")
    assert organisations["Keswick School"][0] == 2 and organisations["=Penrith School"][0] == 1
    waiting = rows(report, "waiting")
    assert waiting["Got a place from a waiting list"] == [1] and waiting["Asked to hear about new dates"] == [1]
    confidence = rows(report, "confidence")
    assert confidence["Responses"] == [2, 2] and confidence["Average"] == ["3.0", "7.0"]
    assert confidence["Lowest"] == [2, 6] and confidence["Highest"] == [4, 8] and confidence["Moved up"][0] == 2
    spread = rows(report, "spread")
    assert spread["2"] == [1, 0] and spread["8"] == [0, 1] and sum(r[1] for r in spread.values()) == 2
    by_sector = rows(report, "feedback-sector")
    assert by_sector["Schools and education"] == [1, "2.0", "8.0"] and by_sector["Health"] == [1, "4.0", "6.0"]
    assert by_sector["Police"] == [0, "No feedback yet", "No feedback yet"]
    by_area = rows(report, "feedback-area")
    assert by_area["Cumberland"] == [1, "2.0", "8.0"] and by_area["Westmorland and Furness"] == [1, "4.0", "6.0"]
    assert by_area["Outside Cumbria"] == [0, "No feedback yet", "No feedback yet"]
    briefings = rows(report, "briefings")
    assert briefings["Health"] == [2] and briefings["Police"] == [0]
    assert Quote(QUESTIONS["worked_well"], "Cat Complete", "Hearing the family's words.") in report.quotes
    assert Quote(QUESTIONS["next_steps"], "Cat Complete", "More practice.") in report.quotes
    assert Quote(QUESTIONS["worries"], "Someone who came", "Too fast.") in report.quotes  # Len: quotes yes, name no
    assert not any(quote.who == "Len Left" for quote in report.quotes)


def test_attendance_is_a_share_of_the_dates_that_have_finished_only(session, data):
    before = rows(build_report(session, WIDE), "attendance")
    # 35 people booked on a date a month away, and a date running now whose first day's register is taken.
    later = make_date(session, capacity=40, days_from_now=30)
    for _ in range(35):
        booked(session, later.id, details())
    running = make_date(session, capacity=5)
    here = [booked(session, running.id, details()).booking for _ in range(2)]
    begin_course(session, running, days_ago=0)
    mark_attendance(session, running.days[0].id, {here[0].id: A, here[1].id: X}, actor=make_staff(session))
    report = build_report(session, WIDE)
    after = rows(report, "attendance")
    assert after == before  # still 2 of 3: the people to come are not counted as people who did not come
    places = rows(report, "places")
    assert places["Booked on dates still to come or running now"][0] == 1 + 35 + 2
    assert rows(report, "dates")["Dates still to come or running now"] == [3]
    assert report.table("attendance").note == (
        "Of the 3 people booked on dates that have finished, 2 attended (67%) and 1 completed every day (33%). "
        "Bookings on dates still to come or running now (38) are counted apart, not in these rates, "
        "until their date has finished."
    )
    # Its last day was yesterday: now it has finished, and counts.
    begin_course(session, running, days_ago=2)
    after = rows(build_report(session, WIDE), "attendance")
    assert after["Booked on dates that have finished"][0] == 5
    assert after["Attended (at least one day)"] == [3, "60% of booked on finished dates"]
    assert after["Not marked on the register yet"] == [1, "20% of booked on finished dates"]  # day 2 not taken


def test_a_period_counts_only_the_courses_that_start_in_it(session, data):
    first_day = data["course_date"].first_day
    only_it = build_report(session, Period(first_day, first_day))
    assert rows(only_it, "places")["Places offered"][0] == 3
    none = build_report(session, Period(date(2001, 1, 1), date(2001, 12, 31)))
    assert rows(none, "places")["Booked (had a place, including people who later cancelled)"][0] == 0
    assert rows(none, "attendance")["Attended (at least one day)"] == [0, "–"]
    assert none.table("attendance").note == "Nobody was booked on a date that has finished in this period."


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


def test_a_long_label_is_wrapped_whole_onto_lines_that_fit_the_chart():
    name = "The Cumberland and Westmorland and Furness Multi-Agency Safeguarding Hub (Carlisle and Kendal offices)"
    svg = str(bar_chart("chart-x", "By organisation", "Booked", [(name, 12), ("Ŵ" * 60, 3)]))
    lines = re.findall(r'<text x="0" y="\d+" [^>]*>([^<]*)</text>', svg)
    long_word = [line for line in lines if "Ŵ" in line]
    assert " ".join(lines[: len(lines) - len(long_word)]) == name  # the whole name, over several lines
    assert len(long_word) > 1 and "".join(long_word) == "Ŵ" * 60  # a word too long for a line is split
    assert "…" not in svg
    assert all(text_width(line) <= WIDTH for line in lines)


def report_csv(client, name: str, query: str) -> list[list[str]]:
    response = client.get(f"/admin/reports/{name}.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_reports_page_and_its_csv_downloads(client, session, data):
    sign_in(client, make_staff(session))
    later = data["abi_next"].course_date.first_day
    first = data["course_date"].first_day
    query = (f"start={first.day}&start={first.month}&start={first.year}"
             f"&end={later.day}&end={later.month}&end={later.year}")  # fmt: skip
    page = client.get(f"/admin/reports?{query}")
    text = words(page)
    assert page.status_code == 200 and "Places and bookings" in text and "By area of work" in text
    label = f"{first:%-d %B %Y} to {later:%-d %B %Y}"
    assert label in text  # the dates chosen, not this financial year
    assert (
        "Of the 3 people booked on dates that have finished, 2 attended (67%) and 1 completed every day (33%). "
        "Bookings on dates still to come or running now (1) are counted apart"
    ) in text
    html = page.get_data(as_text=True)
    csv_link = f'href="/admin/reports/attendance.csv?start={first.day}&amp;start={first.month}&amp;start={first.year}'
    assert csv_link in html
    # Dates and places have a chart each: dates are not drawn beside places.
    dates_chart = re.search(r'<svg [^>]*aria-labelledby="chart-dates-title.*?</svg>', html).group(0)
    places_chart = re.search(r'<svg [^>]*aria-labelledby="chart-places-title.*?</svg>', html).group(0)
    assert "Dates that have finished" in dates_chart and "Places offered" not in dates_chart
    assert "Places offered" in places_chart and "Dates that have finished" not in places_chart
    # What people said, under the question they answered.
    worries = text.index(QUESTIONS["worries"], text.index("What people said"))
    assert text.index("Too fast.", worries) < text.index(QUESTIONS["next_steps"], worries)
    assert "Hearing the family's words." in text and "Cat Complete" in text
    # Areas with no feedback are listed.
    assert "Police 0 No feedback yet No feedback yet" in text

    attendance = report_csv(client, "attendance", query)
    assert attendance[0] == ["Figure", "Number", "Share"]
    assert ["Attended (at least one day)", "2", "67% of booked on finished dates"] in attendance
    assert ["Completed (every day)", "1", "33% of booked on finished dates"] in attendance
    places = report_csv(client, "places", query)
    assert ["Booked on dates still to come or running now", "1", ""] in places
    sectors = report_csv(client, "sector", query)
    assert sectors[0] == ["Area of work", "Booked, all dates", "Cancelled", "Booked on dates still to come",
                          "Booked on dates that have finished", "Attended",
                          "Attended, as % of booked on finished dates", "Completed every day",
                          "Completed, as % of booked on finished dates", "Did not attend"]  # fmt: skip
    assert ["Schools and education", "4", "1", "1", "2", "1", "50%", "1", "50%", "1"] in sectors
    feedback = report_csv(client, "feedback-area", query)
    assert ["Outside Cumbria", "0", "No feedback yet", "No feedback yet"] in feedback
    table = report_csv(client, "organisation", query)
    assert table[0][0] == "Organisation" and ["'=Penrith School"] == [r[0] for r in table if "Penrith" in r[0]]
    quotes = report_csv(client, "quotes", query)
    assert quotes[0] == ["Question", "Who", "Their words"]
    assert [QUESTIONS["worries"], "Someone who came", "Too fast."] in quotes
    assert [QUESTIONS["worked_well"], "Cat Complete", "Hearing the family's words."] in quotes
    assert client.get(f"/admin/reports/nothing.csv?{query}").status_code == 404
    assert client.get("/admin/reports").status_code == 200  # this financial year
    bad = client.get("/admin/reports?year=1800")
    assert bad.status_code == 400 and "Select one of the years shown" in words(bad)
    half = client.get("/admin/reports?start=1&start=4&start=2026")
    assert half.status_code == 400 and "Enter both dates, or neither" in words(half)
    nul = client.get("/admin/reports?start=1%00&start=4&start=2026&end=1&end=4&end=2027")
    assert nul.status_code == 400


def test_a_date_the_team_cancelled_is_counted_on_its_own_not_as_people_cancelling(session, data):
    from app.enrolment.dates import cancel_date

    before = rows(build_report(session, WIDE), "places")
    cancelled = make_date(session, days_from_now=90)
    booked(session, cancelled.id, details())
    cancel_date(session, cancelled.id, "The trainer is ill.", actor=make_staff(session))
    after = rows(build_report(session, WIDE), "places")
    cancelled_dates = rows(build_report(session, WIDE), "dates")["Dates the team cancelled"]
    assert cancelled_dates == [1]
    for figure in ("Booked (had a place, including people who later cancelled)", "Cancelled their place",
                   "Places offered"):  # fmt: skip
        assert after[figure] == before[figure], figure
