"""Colleagues and cohorts in a real browser: sending a colleague instead from the booking link (by keyboard,
and without JavaScript), and booking a list of people from a spreadsheet, errors first; axe-core on each."""

import csv
import io

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.enrolment.cohorts import COLUMNS
from app.models import Booking, BookingStatus
from tests.factories import STAFF_PASSWORD, booked, details, make_date, make_staff

pytestmark = pytest.mark.e2e


def fill_colleague(page) -> None:
    page.get_by_label("Their full name", exact=True).fill("Dafydd Ó Briain")
    page.get_by_label("Their work email address", exact=True).fill("dafydd@example.org")
    page.get_by_label("Their job title", exact=True).fill("Family support worker")
    page.get_by_label("Their organisation or team", exact=True).fill("Kendal Early Help team")
    page.get_by_label("Early help", exact=True).check()
    page.get_by_label("Westmorland and Furness", exact=True).check()
    page.get_by_label("They do not have a line manager", exact=True).check()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_person_sends_a_colleague_instead(new_page, session, assert_accessible, javascript):
    # axe-core needs JavaScript: the pages are checked with it on, and the journey is walked with it off too.
    check = assert_accessible if javascript else (lambda page: None)
    course_date = make_date(session, capacity=1)
    mine = booked(session, course_date.id, details(full_name="Siân O'Neill")).booking
    page = new_page(java_script_enabled=javascript)
    page.goto(f"/bookings/{mine.manage_token}")
    page.get_by_role("link", name="Send a colleague instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a colleague instead")
    check(page)

    page.get_by_role("button", name="Give my place to my colleague").focus()
    page.keyboard.press("Enter")  # by keyboard, with nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your colleague's full name")
    expect(page.locator("#full_name-error")).to_contain_text("Enter your colleague's full name")
    check(page)

    fill_colleague(page)
    page.get_by_role("button", name="Give my place to my colleague").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your place is now kept for your colleague")
    session.rollback()
    theirs = session.scalars(sa.select(Booking).where(Booking.email == "dafydd@example.org")).one()
    assert theirs.is_hold and session.get(Booking, mine.id).status == BookingStatus.CANCELLED


def cohort_file(tmp_path, *rows) -> str:
    path = tmp_path / "people.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return str(path)


def test_the_coordinator_books_a_list_after_correcting_its_problems(page, session, assert_accessible, tmp_path):
    admin = make_staff(session, email="jo.admin@example.org")
    course_date = make_date(session, capacity=3)
    page.goto("/admin/sign-in")
    page.get_by_label("Email address", exact=True).fill(admin.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/admin/dates/{course_date.id}")
    page.get_by_role("button", name="Book a list of people").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a list of people")
    assert_accessible(page)

    good = ["Ada Lovelace", "ada@example.org", "Teacher", "Keswick School", "Schools and education", "Cumberland",
            "", ""]  # fmt: skip
    bad = ["Zoë Second", "not an email", "Teacher", "Keswick School", "Wizardry", "Cumberland", "", ""]
    page.get_by_label("Upload the spreadsheet").set_input_files(cohort_file(tmp_path, good, bad))
    page.get_by_label("Yes, email each person their booking and calendar invite").check()
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The file has 2 problems. Nobody has been booked.")
    problems = page.get_by_role("table", name="Problems in the file")
    expect(problems).to_contain_text("Enter the email address in the correct format")
    expect(problems).to_contain_text("'Wizardry' is not an area of work we know.")
    assert_accessible(page)

    bad[1], bad[4] = "zoe@example.org", "Schools and education"
    page.get_by_label("Upload the spreadsheet").set_input_files(cohort_file(tmp_path, good, bad))
    page.get_by_label("No, do not email anyone").check()
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you book 2 people")
    expect(page.get_by_role("table", name="People to book")).to_contain_text("zoe@example.org")
    assert_accessible(page)
    page.get_by_role("button", name="Book them all").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Booked 2 people on this date.")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 2


def test_the_template_csv_downloads(page, session):
    admin = make_staff(session, email="jo.admin@example.org")
    course_date = make_date(session)
    page.goto("/admin/sign-in")
    page.get_by_label("Email address", exact=True).fill(admin.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/admin/dates/{course_date.id}/cohort")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a spreadsheet to fill in (CSV)").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert next(csv.reader(io.StringIO(text))) == list(COLUMNS)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_team_leader_books_colleagues_adding_a_row(new_page, session, assert_accessible, javascript):
    course_date = make_date(session, capacity=5)
    page = new_page(java_script_enabled=javascript)
    page.goto(f"/dates/{course_date.id}")
    page.get_by_role("link", name="Book places for colleagues in your team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book places for colleagues")
    if javascript:
        assert_accessible(page)
    page.get_by_label("Full name", exact=True).first.fill("Team Leader")
    page.get_by_label("Work email address", exact=True).first.fill("leader@example.org")
    page.get_by_label("I am their line manager, and I agree they can attend both days").check()
    page.get_by_role("button", name="Add another colleague").click()
    fourth = page.get_by_role("group", name="Colleague 4")
    expect(fourth).to_be_visible()
    expect(page.get_by_label("Full name", exact=True).first).to_have_value("Team Leader")
    fourth.get_by_label("Full name", exact=True).fill("Zoë Fourth")
    fourth.get_by_label("Work email address", exact=True).fill("zoe@example.org")
    page.get_by_role("button", name="Book places for my colleagues").click()  # Zoë's job and areas missing
    expect(page.locator(".govuk-error-summary")).to_contain_text("Colleague 4: Enter their job title")
    if javascript:
        assert_accessible(page)
    fourth = page.get_by_role("group", name="Colleague 4")
    fourth.get_by_label("Job title", exact=True).fill("Teacher")
    fourth.get_by_label("Organisation or team", exact=True).fill("Keswick School")
    fourth.get_by_label("Area of work").select_option(label="Schools and education")
    fourth.get_by_label("Council area").select_option(label="Cumberland")
    page.get_by_role("button", name="Book places for my colleagues").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Each colleague must confirm their place")
    expect(page.get_by_role("main")).to_contain_text("Zoë Fourth")
    session.rollback()
    assert session.scalars(sa.select(Booking.email)).all() == ["zoe@example.org"]
