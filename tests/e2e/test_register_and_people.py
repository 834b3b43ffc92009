"""A quick register, a table of a date's people, the add-date form's problems all at once, and actions a
screen reader hears once: in a real browser, with axe-core and the 320px reflow check."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.filters import day_range
from app.database import begin_write, writing
from app.models import LONDON, Attendance, Booking, CourseDate, OutboxMessage, OutboxStatus, Role
from tests.e2e.test_admin import ADMIN_EMAIL, assert_errors_in_page_order, assert_labelled, fill_day, sign_in
from tests.factories import begin_course, booked, details, make_course, make_date, make_staff, make_venue

pytestmark = pytest.mark.e2e

PEOPLE = {  # as they typed their names, and their organisations
    "Seán O'Neill": "Carlisle Early Help",
    "Siân ap Rhys": "Kendal school",
    "Nguyễn Thị Hoa": "Barrow health visitors",
    "Mairi MacLeod": "Penrith fostering team",
    "Omar al-Farsi": "Workington children's social care",
}
IN_SURNAME_ORDER = ["Omar al-Farsi", "Siân ap Rhys", "Mairi MacLeod", "Nguyễn Thị Hoa", "Seán O'Neill"]


@pytest.fixture
def admin(session):
    return make_staff(session, email=ADMIN_EMAIL, name="Jo Admin")


@pytest.fixture
def full_date(session, admin) -> CourseDate:
    """A date with five people with a place (one with needs) and one waiting."""
    course_date = make_date(session, capacity=len(PEOPLE))
    for name, organisation in PEOPLE.items():
        needs = {"access_needs": ["hearing_loop"]} if name == "Mairi MacLeod" else {}
        booked(session, course_date.id, details(full_name=name, organisation=organisation, phone="01228 606060",
                                                **needs))  # fmt: skip
    booked(session, course_date.id, details(full_name="Wyn Waiting", organisation="Health"))
    return course_date


def names_in_order(page, locator) -> list[str]:
    text = locator.inner_text()
    return sorted((name for name in PEOPLE if name in text), key=text.index)


def test_mark_everyone_attended_then_the_exceptions_without_javascript(new_page, session, full_date, assert_accessible):
    begin_course(session, full_date)
    checked = new_page()  # axe-core needs JavaScript: it checks the page the other browser uses
    sign_in(checked)
    checked.goto(f"/admin/dates/{full_date.id}/register/{full_date.days[0].id}")
    expect(checked.get_by_role("button", name="Mark everyone attended")).to_be_visible()
    assert_accessible(checked)

    page = new_page(java_script_enabled=False)
    sign_in(page)
    page.goto(f"/admin/dates/{full_date.id}")
    page.get_by_role("link", name=re.compile(r"^Take the register for day 1")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register: day 1")
    assert names_in_order(page, page.locator("main form")) == IN_SURNAME_ORDER

    page.get_by_role("group", name=re.compile(r"^Seán O'Neill")).get_by_label("Absent", exact=True).check()
    page.get_by_role("button", name="Mark everyone attended").click()
    expect(page.get_by_text("4 people marked as attended. Change anyone who was absent or left early")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Mark everyone"))).to_have_count(0)
    expect(
        page.get_by_role("group", name=re.compile(r"^Seán O'Neill")).get_by_label("Absent", exact=True)
    ).to_be_checked()
    siân = page.get_by_role("group", name=re.compile(r"^Siân ap Rhys"))
    expect(siân.get_by_label("Attended", exact=True)).to_be_checked()
    siân.get_by_label("Left early", exact=True).check()
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_text("The register has been saved for 5 people.")).to_be_visible()
    checked.reload()
    expect(checked.get_by_role("button", name=re.compile("^Mark everyone"))).to_have_count(0)
    assert_accessible(checked)

    session.rollback()
    names = dict(session.execute(sa.select(Booking.id, Booking.full_name)).all())
    marks = {names[a.booking_id]: a.mark for a in session.scalars(sa.select(Attendance))}
    assert marks == {"Omar al-Farsi": "attended", "Siân ap Rhys": "left_early", "Mairi MacLeod": "attended",
                     "Nguyễn Thị Hoa": "attended", "Seán O'Neill": "absent"}  # fmt: skip

    page.goto(f"/admin/dates/{full_date.id}/sign-in-sheet")
    assert names_in_order(page, page.locator("main table")) == IN_SURNAME_ORDER


def test_the_people_table_reads_row_by_row_and_fits_a_narrow_screen(page, session, full_date, assert_accessible):
    sign_in(page)
    page.goto(f"/admin/dates/{full_date.id}")
    page.get_by_role("link", name="See the people as a table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People on this date")
    table = page.get_by_role("table", name=re.compile(r"^Confirmed places \(5\)"))
    rows = [row.get_by_role("cell").all_inner_texts() for row in table.get_by_role("row").all()[1:]]
    headers = [row.get_by_role("rowheader").inner_text() for row in table.get_by_role("row").all()[1:]]
    assert headers == IN_SURNAME_ORDER
    assert rows[2] == ["Penrith fostering team", "01228 606060", "Still to arrange"]
    assert rows[0] == ["Workington children's social care", "01228 606060", "No needs"]
    expect(page.get_by_text("A hearing loop")).to_have_count(0)
    waiting = page.get_by_role("table", name=re.compile(r"^Waiting list \(1\)"))
    expect(waiting.get_by_role("rowheader")).to_have_text(["Wyn Waiting"])
    assert_accessible(page)  # at 320px the tables scroll in their own regions; the page does not


def test_the_add_date_form_shows_every_problem_at_once_and_offers_the_trainers(page, session, admin, assert_accessible):
    make_course(session, title="Signs of Safety Two Day Introductory Training")
    make_venue(session, name="Kendal Town Hall", town="Kendal")
    make_staff(session, role=Role.TRAINER, name="Ffion Trainer", email="ffion@example.org")
    first_day = datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=30)
    sign_in(page)
    page.goto("/admin/dates/new")
    page.get_by_label("Places", exact=True).fill("a dozen")
    fill_day(page, "Day 1", first_day)
    page.get_by_label("Day 1 ends at", exact=True).fill("9am")
    fill_day(page, "Day 2", first_day)
    fill_day(page, "Booking closes on", first_day + timedelta(days=2))
    page.get_by_role("button", name="Add the date").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text([
        "Enter the number of places as a whole number, like 16",
        "Day 1 must end after it starts",
        "Day 2 must be after day 1",
        "Booking must close before day 1 starts",
    ])  # fmt: skip
    expect(page.get_by_label("Places", exact=True)).to_have_value("a dozen")
    assert_accessible(page)
    assert_labelled(page)
    assert_errors_in_page_order(page)

    page.get_by_label("Places", exact=True).fill("12")
    page.get_by_label("Day 1 ends at", exact=True).fill("4:30pm")
    fill_day(page, "Day 2", first_day + timedelta(days=1))
    for box in ("Day", "Month", "Year"):
        page.get_by_role("group", name="Booking closes on", exact=True).get_by_label(box, exact=True).fill("")
    page.get_by_role("group", name="Trainers for this date (optional)").get_by_label("Ffion Trainer").check()
    page.get_by_role("button", name="Add the date").click()
    expect(page.get_by_text("The date has been added as a draft.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Booking closes at 5pm on"))).to_be_visible()
    session.rollback()
    course_date = session.scalars(sa.select(CourseDate)).one()
    assert [u.name for u in course_date.trainers] == ["Ffion Trainer"]
    assert course_date.booking_closes_at.astimezone(LONDON).date() == first_day - timedelta(days=3)


# A link or button in Playwright's ARIA snapshot (YAML): - link "Name" or, quoted, - 'link "Name: more"'.
ACTION = re.compile(r"""^\s*- (')?(?:link|button) "(.*?)"(?(1)'|)(?::|$| \[)""", re.MULTILINE)


def actions_heard(page) -> list[str]:
    """The accessible name of each link and button in the page's main part."""
    found = ACTION.findall(page.locator("main").aria_snapshot())
    return [name.replace("''", "'") if quoted else name for quoted, name in found]


def said_twice(name: str) -> bool:
    """Whether an accessible name repeats itself: two words or more said twice ("Move Ada Booked (Ada
    Booked)")."""
    words = re.findall(r"[\w'’]+", name.casefold())
    pairs = list(zip(words, words[1:], strict=False))
    return len(pairs) != len(set(pairs))


def test_every_action_on_staff_pages_is_heard_once(page, session, full_date, admin):
    """The accessible name of each link and button, as Chromium gives it to a screen reader."""
    booking = session.scalars(sa.select(Booking).where(Booking.full_name == "Mairi MacLeod")).one()
    begin_write(session)
    session.add(OutboxMessage(kind="booking_confirmed", to_address="mairi@example.org", subject="Your place",
                              message_id="<failed@example.org>", status=OutboxStatus.FAILED, attempts=8))  # fmt: skip
    session.commit()
    trainer = make_staff(session, role=Role.TRAINER, email="tomas@example.org", name="Tomás Trainer")
    with writing(session):
        full_date.trainers.append(trainer)
    sign_in(page)
    paths = [
        "/admin/", f"/admin/dates/{full_date.id}", f"/admin/people/{booking.id}", "/admin/search?q=macleod",
        f"/admin/dates/{full_date.id}/access", f"/admin/dates/{full_date.id}/people",
        f"/admin/calendar?month={full_date.first_day:%Y-%m}", "/admin/accounts",
    ]  # fmt: skip
    heard = {}
    for path in paths:
        page.goto(path)
        heard[path] = actions_heard(page)
        assert heard[path], path
        assert [name for name in heard[path] if said_twice(name)] == [], path
    date_page = heard[f"/admin/dates/{full_date.id}"]
    assert "Move Mairi MacLeod" in date_page and "Cancel Mairi MacLeod" in date_page
    assert "Record what you have done for Mairi MacLeod" in date_page
    record = heard[f"/admin/people/{booking.id}"]
    title = f"{full_date.course.title}, {day_range(full_date)}"
    assert [name for name in record if name.startswith("See the date")] == [f"See the date ({title})"]
