"""The reports page in Chromium, on a computer (1280 px) and a phone (375 px): every word of every chart lies
inside its chart, in the page's font and big enough to read, text and bars have the contrast WCAG asks, and
axe-core finds nothing wrong."""

import pytest
from playwright.sync_api import expect

from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.models import AttendanceMark, CouncilArea, Sector
from tests.factories import STAFF_PASSWORD, begin_course, booked, details, make_date, make_staff

pytestmark = pytest.mark.e2e

LONG_NAME = "The Cumberland and Westmorland and Furness Multi-Agency Safeguarding Hub (Carlisle, Kendal and Barrow)"

# For each chart: its box, and each text's box, font, size as drawn and colour; each bar's colour; and the
# colour behind the chart (the first ancestor with a background that is not transparent).
CHARTS = """() => [...document.querySelectorAll('svg.app-chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    let behind = svg.parentElement;
    while (behind && getComputedStyle(behind).backgroundColor === 'rgba(0, 0, 0, 0)') behind = behind.parentElement;
    return {
        id: svg.getAttribute('aria-labelledby'),
        box: {left: box.left, top: box.top, right: box.right, bottom: box.bottom},
        background: behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)',
        texts: [...svg.querySelectorAll('text')].map((text) => {
            const b = text.getBoundingClientRect();
            return {text: text.textContent, left: b.left, top: b.top, right: b.right, bottom: b.bottom,
                    font: getComputedStyle(text).fontFamily, fill: getComputedStyle(text).fill,
                    size: parseFloat(text.getAttribute('font-size')) * scale};
        }),
        bars: [...svg.querySelectorAll('rect')].map((rect) => getComputedStyle(rect).fill),
    };
})"""


def luminance(colour: str) -> float:
    """The relative luminance of an rgb(...) colour, as WCAG defines it."""
    channels = [int(part) / 255 for part in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def year_of_courses(session):
    """A finished date with its register and feedback, people from an organisation with a long name, and
    a date still to come."""
    finished = make_date(session, capacity=6)
    people = [
        booked(session, finished.id, details(organisation=LONG_NAME, sector=sector, council_area=area)).booking
        for sector, area in (
            (Sector.VOLUNTARY_COMMUNITY, CouncilArea.CUMBERLAND),
            (Sector.CHILDREN_WITH_DISABILITIES, CouncilArea.WESTMORLAND_FURNESS),
            (Sector.HEALTH, CouncilArea.OUTSIDE_CUMBRIA),
        )
    ]
    begin_course(session, finished, days_ago=4)
    staff = make_staff(session)
    marks = {person.id: AttendanceMark.ATTENDED for person in people}
    for day in finished.days:
        mark_attendance(session, day.id, marks, actor=staff)
    save_feedback(session, people[0].id, FeedbackAnswers("The mapping.", "", "", 3, 9, True, True))
    later = make_date(session, capacity=30, days_from_now=40)
    for _ in range(12):
        booked(session, later.id, details())
    return finished, later


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 667}],
                         ids=["1280px", "375px"])  # fmt: skip
def test_the_charts_fit_read_well_and_pass_the_checks_at_any_width(new_page, session, year_of_courses, viewport,
                                                                     assert_accessible):  # fmt: skip
    finished, later = year_of_courses
    make_staff(session, email="reports.admin@example.org")
    page = new_page(viewport=viewport)
    page.goto("/admin/sign-in")
    page.get_by_label("Email address", exact=True).fill("reports.admin@example.org")
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming dates")
    start, end = finished.first_day, later.first_day
    page.goto(f"/admin/reports?start={start.day}&start={start.month}&start={start.year}"
              f"&end={end.day}&end={end.month}&end={end.year}")  # fmt: skip
    expect(page.get_by_text("Of the 3 people booked on dates that have finished, 3 attended (100%)")).to_be_visible()

    charts = page.evaluate(CHARTS)
    ids = [chart["id"].split()[0] for chart in charts]
    assert {"chart-dates-title", "chart-places-title", "chart-organisation-title"} <= set(ids)
    for chart in charts:
        box = chart["box"]
        assert chart["texts"], chart["id"]
        for text in chart["texts"]:
            inside = (text["left"] >= box["left"] - 0.5 and text["right"] <= box["right"] + 0.5
                      and text["top"] >= box["top"] - 0.5 and text["bottom"] <= box["bottom"] + 0.5)  # fmt: skip
            assert inside, (viewport, chart["id"], text, box)
            assert text["font"].lower().startswith("arial"), text["font"]  # the page's font, not the SVG default
            assert text["size"] >= 13.5, (viewport, text)
            assert contrast(text["fill"], chart["background"]) >= 4.5, text
        for bar in chart["bars"]:
            assert contrast(bar, chart["background"]) >= 3, bar
    # The long organisation name is there whole, over several lines.
    organisation = next(chart for chart in charts if chart["id"].startswith("chart-organisation"))
    words = " ".join(text["text"] for text in organisation["texts"])
    assert LONG_NAME in words
    assert_accessible(page)


def test_the_past_dates_list_shows_what_came_of_each_date_and_is_accessible_on_a_phone(
    new_page, session, year_of_courses, assert_accessible
):
    make_staff(session, email="reports.admin@example.org")
    page = new_page(viewport={"width": 375, "height": 667})
    page.goto("/admin/sign-in")
    page.get_by_label("Email address", exact=True).fill("reports.admin@example.org")
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming dates")
    page.goto("/admin/dates/past")
    table = page.get_by_role("region", name="1 date")
    headers = table.get_by_role("columnheader").all_inner_texts()
    assert headers[-4:] == ["Attended", "Completed", "Feedback returned", "Certificates issued"]
    cells = table.get_by_role("row").nth(1).get_by_role("cell").all_inner_texts()
    assert cells[-4:] == ["3", "3", "1", "1"]  # her feedback brought her certificate
    assert_accessible(page)
