"""The training team's pages in a real browser: sign in, add and publish a date, book someone, take the
register (on a phone too), and axe-core on every admin page."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.filters import day_range
from app.database import begin_write, writing
from app.models import (
    LONDON,
    Attendance,
    AuditEvent,
    Booking,
    BookingStatus,
    CourseDate,
    DateStatus,
    Interest,
    OutboxMessage,
    OutboxStatus,
    Role,
    StaffUser,
)
from tests.factories import (
    STAFF_PASSWORD,
    begin_course,
    booked,
    details,
    make_course,
    make_date,
    make_staff,
    make_venue,
)

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "jo.admin@example.org"
PHONE = {"width": 375, "height": 667}


def sign_in(page, email: str = ADMIN_EMAIL, heading: str = "Upcoming dates") -> None:
    """Sign in through the form, as a person would (one successful sign-in: never rate limited)."""
    page.goto("/admin/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def fill_day(page, legend: str, day) -> None:
    """A GOV.UK date input: day, month and year boxes inside a fieldset named by its legend."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


# axe-core trusts <label for=ID> when the control has that id, even when an earlier element holds the same id
# and the browser gives the label to that one instead. So ask the browser which controls really have a label.
UNLABELLED_CONTROLS = """() => {
    const seen = new Set(), duplicates = new Set();
    for (const element of document.querySelectorAll('[id]')) {
        (seen.has(element.id) ? duplicates : seen).add(element.id);
    }
    const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(control => control.labels.length === 0 && !control.getAttribute('aria-label')
                && !control.getAttribute('aria-labelledby'))
        .map(control => control.outerHTML.slice(0, 120));
    return {duplicate_ids: [...duplicates], unlabelled};
}"""


def assert_labelled(page) -> None:
    """Every form control has a label the browser uses, and no id is used twice."""
    assert page.evaluate(UNLABELLED_CONTROLS) == {"duplicate_ids": [], "unlabelled": []}, page.url


def assert_errors_in_page_order(page) -> None:
    """The error summary lists the problems in the order the fields come on the page (GOV.UK pattern)."""
    positions = page.evaluate(
        """() => {
        const all = [...document.querySelectorAll('main *')];
        return [...document.querySelectorAll('.govuk-error-summary a')].map(link => {
            const target = document.getElementById(link.hash.slice(1));
            return [link.textContent.trim(), target ? all.indexOf(target) : -1];
        });
    }"""
    )
    assert all(index >= 0 for _, index in positions), f"links to nothing: {positions}"
    assert [text for text, _ in positions] == [text for text, _ in sorted(positions, key=lambda p: p[1])], (
        f"the error summary is not in page order: {positions}"
    )


def book(session, course_date_id: int, full_name: str, **needs) -> Booking:
    result = booked(session, course_date_id, details(full_name=full_name, **needs))
    return result.booking


@pytest.fixture
def admin(session) -> StaffUser:
    return make_staff(session, email=ADMIN_EMAIL, name="Jo Admin")


@pytest.fixture
def busy_date(session, admin) -> CourseDate:
    """A published date with two places: two people booked and two waiting, some with access needs."""
    course_date = make_date(session, capacity=2)
    book(session, course_date.id, "Ada Booked", access_needs=["hearing_loop", "breaks"], dietary_needs="Vegan")
    book(session, course_date.id, "Bea Booked")
    book(session, course_date.id, "Cy Waiting", access_needs=["other"], access_details="A chair with arms, please")
    book(session, course_date.id, "Di Waiting")
    return course_date


# --- the journey ----------------------------------------------------------------------------------


def test_an_admin_adds_and_publishes_a_date_books_someone_and_takes_the_register(page, session, admin):
    course = make_course(session, title="Signs of Safety Introduction")
    make_venue(session, name="Kendal Town Hall", town="Kendal")
    first_day = datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=40)

    sign_in(page)
    page.get_by_role("button", name="Add a date").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a date")
    page.get_by_label("Course", exact=True).select_option(label=course.title)
    page.get_by_label("Venue", exact=True).select_option(label="Kendal Town Hall, Kendal")
    page.get_by_label("Places", exact=True).fill("12")
    for number, day in ((1, first_day), (2, first_day + timedelta(days=1))):
        fill_day(page, f"Day {number}", day)
        page.get_by_label(f"Day {number} starts at", exact=True).fill("09:30")
        page.get_by_label(f"Day {number} ends at", exact=True).fill("16:30")
    fill_day(page, "Booking closes on", first_day - timedelta(days=5))
    page.get_by_label("Booking closes at", exact=True).fill("17:00")
    page.get_by_role("button", name="Add the date").click()

    expect(page.get_by_text("The date has been added as a draft.")).to_be_visible()
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    session.rollback()
    course_date = session.scalars(sa.select(CourseDate)).one()
    assert (course_date.capacity, course_date.status, [d.day for d in course_date.days]) == (
        12,
        DateStatus.DRAFT,
        [first_day, first_day + timedelta(days=1)],
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(day_range(course_date))

    page.get_by_role("button", name="Publish this date").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you publish")
    expect(page.get_by_text("Kendal Town Hall")).to_be_visible()
    page.get_by_role("button", name="Publish this date").click()
    expect(page.get_by_text("The date is published and open for booking.")).to_be_visible()
    expect(page.get_by_text("Published", exact=True)).to_be_visible()

    # Book a place for someone through the admin form.
    page.get_by_role("button", name="Book a place for someone").click()
    page.get_by_label("Full name", exact=True).fill("Siân O'Neill")
    page.get_by_label("Work email address", exact=True).fill("sian.oneill@example.org")
    page.get_by_label("Job title", exact=True).fill("Social worker")
    page.get_by_label("Organisation or team", exact=True).fill("Carlisle Early Help team")
    page.get_by_label("Early help", exact=True).check()
    page.get_by_label("Cumberland", exact=True).check()
    page.get_by_label("Your manager's full name", exact=True).fill("Dafydd Ó Briain")
    page.get_by_label("Your manager's email address", exact=True).fill("dafydd.obriain@example.org")
    page.get_by_label("My manager agrees I can attend both days", exact=True).check()
    page.get_by_label("A hearing loop", exact=True).check()
    page.get_by_role("button", name="Book the place").click()
    expect(page.get_by_text(re.compile(r"Booked: SOS-[A-Z0-9]{5}, a place\."))).to_be_visible()
    confirmed = page.get_by_role("region", name=re.compile(r"^Confirmed places"))
    expect(confirmed.get_by_role("heading", name="Siân O'Neill")).to_be_visible()
    expect(confirmed.get_by_text("A hearing loop")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Take the register for day 1")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register:")
    expect(page.get_by_text("The register opens on the first day of the course")).to_be_visible()
    session.rollback()
    begin_course(session, session.get(CourseDate, course_date.id))  # forty days on: the first morning
    page.reload()
    page.get_by_role("group", name=re.compile(r"^Siân O'Neill")).get_by_label("Attended", exact=True).check()
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_text(re.compile(r"The register has been saved for 1 "))).to_be_visible()
    expect(page.get_by_label("Attended", exact=True)).to_be_checked()

    session.rollback()  # end the read snapshot: on SQLite it hides what the browser wrote
    booking = session.scalars(sa.select(Booking)).one()
    assert (booking.full_name, booking.status, booking.access_needs) == (
        "Siân O'Neill",
        BookingStatus.CONFIRMED,
        ["hearing_loop"],
    )
    marks = session.scalars(sa.select(Attendance)).all()
    assert [(m.booking_id, m.course_day_id, m.mark, m.marked_by_id) for m in marks] == [
        (booking.id, course_date.days[0].id, "attended", admin.id)
    ]


# --- a phone-sized screen -------------------------------------------------------------------------


def test_a_trainer_takes_the_day_2_register_of_a_course_that_started_yesterday_on_a_phone(new_page, session, busy_date):
    trainer = make_staff(session, email="tomas.trainer@example.org", role=Role.TRAINER, name="Tomás Trainer")
    with writing(session):
        busy_date.trainers.append(trainer)
    begin_course(session, busy_date, days_ago=1)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, trainer.email, heading="Your dates")
    expect(page.get_by_text("Day 2 today")).to_be_visible()
    page.get_by_role("link", name=day_range(busy_date)).first.click()
    page.get_by_role("link", name=re.compile(r"^Take the register for day 2")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register: day 2")
    expect(page.get_by_role("group", name=re.compile(r"^Ada Booked"))).to_contain_text("A hearing loop")

    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
        " window: window.innerWidth})"
    )
    assert widths["window"] == PHONE["width"]
    assert max(widths["page"], widths["body"]) <= widths["window"], f"the page scrolls sideways: {widths}"

    # Tap the words of each answer, as a thumb would; a tap on the label must choose the radio.
    ada = page.get_by_role("group", name=re.compile(r"^Ada Booked"))
    bea = page.get_by_role("group", name=re.compile(r"^Bea Booked"))
    ada.get_by_text("Attended", exact=True).tap()
    bea.get_by_text("Absent", exact=True).tap()
    expect(ada.get_by_label("Attended", exact=True)).to_be_checked()
    expect(bea.get_by_label("Absent", exact=True)).to_be_checked()
    bea.get_by_label("Attended", exact=True).click()  # and the radio itself, changing the answer
    bea.get_by_label("Absent", exact=True).click()
    for radio in page.get_by_role("radio").all():
        box = radio.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.get_by_role("button", name="Save the register").tap()
    expect(page.get_by_text(re.compile(r"The register has been saved for 2 "))).to_be_visible()

    session.rollback()
    names = dict(session.execute(sa.select(Booking.id, Booking.full_name)).all())
    marks = {names[m.booking_id]: (m.mark, m.marked_by_id) for m in session.scalars(sa.select(Attendance))}
    assert marks == {"Ada Booked": ("attended", trainer.id), "Bea Booked": ("absent", trainer.id)}
    assert {m.course_day_id for m in session.scalars(sa.select(Attendance))} == {busy_date.days[1].id}


def test_the_date_page_and_audit_log_fit_a_phone_with_needs_and_actions_in_view(new_page, session, busy_date):
    add_records_for_lists(session, busy_date)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page)
    for path in (f"/admin/dates/{busy_date.id}", "/admin/audit"):
        page.goto(path)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths == [PHONE["width"], PHONE["width"]], (path, widths)
    page.goto(f"/admin/dates/{busy_date.id}")
    ada = page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name="Ada Booked"))
    for shown in (ada.get_by_text("A hearing loop"), ada.get_by_text("Vegan"), ada.get_by_text("Still to arrange")):
        expect(shown).to_be_visible()
        box = shown.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for action in ("Move Ada Booked", "Cancel Ada Booked", "Record what you have done for Ada Booked"):
        link = page.get_by_role("link", name=action)
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], action
    page.get_by_role("link", name="Cancel Ada Booked").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel booking")


# --- axe-core on every admin page ------------------------------------------------------------------


def test_the_sign_in_page_is_accessible_empty_and_with_errors(page, session, admin, assert_accessible):
    page.goto("/admin/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Enter your email address")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter your password")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)

    page.get_by_label("Email address", exact=True).fill(ADMIN_EMAIL)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(summary.get_by_role("link", name="Enter a correct email address and password")).to_be_visible()
    assert_accessible(page)
    assert_labelled(page)


def add_records_for_lists(session, course_date: CourseDate) -> None:
    """What the dashboard and audit log show besides dates: interest, a failed email, audit events."""
    begin_write(session)
    session.add(Interest(course_id=course_date.course_id, full_name="Eve", email="eve@example.org", email_key="eve"))
    session.add(
        OutboxMessage(
            kind="booking_confirmed",
            to_address="ada@example.org",
            subject="Your place on Signs of Safety training",
            message_id="<failed@example.org>",
            status=OutboxStatus.FAILED,
            attempts=8,
            last_error="550 mailbox unavailable",
        )
    )
    session.add(
        AuditEvent(
            actor=ADMIN_EMAIL,
            action="capacity changed",
            subject_type="course_date",
            subject_id=course_date.id,
            summary="Places set to 2",
        )
    )
    session.commit()


ADMIN_PAGES = {
    "dashboard": ("/admin/", "Upcoming dates"),
    "add a date": ("/admin/dates/new", "Add a date"),
    "date": ("/admin/dates/{date}", None),
    "register": ("/admin/dates/{date}/register/{day}", "Register:"),
    "past dates": ("/admin/dates/past", "Past dates"),
    "calendar": ("/admin/calendar?month={month}", None),
    "reports": ("/admin/reports", "Reports"),
    "training record": ("/admin/people/{booking}", "Training record: Ada Booked"),
    "their data": ("/admin/people/{booking}/data", "Their data: Ada Booked"),
    "erase their data": ("/admin/people/{booking}/erase", "Check before you erase: Ada Booked"),
    "people who missed more than once": ("/admin/absences", "People who missed more than once"),
    "find a person": ("/admin/search?q=booked", "Find a person"),
    "find a person, too short": ("/admin/search?q=a", "Find a person"),
    "sign-in sheet": ("/admin/dates/{date}/sign-in-sheet", "Signs of Safety"),
    "people as a table": ("/admin/dates/{date}/people", "People on this date"),
    "access summary": ("/admin/dates/{date}/access", "Access and dietary needs"),
    "capacity": ("/admin/dates/{date}/capacity", "Change the number of places"),
    "change a date": ("/admin/dates/{date}/edit", "Change the date"),
    "trainers": ("/admin/dates/{date}/trainers", "Trainers for this date"),
    "cancel a date": ("/admin/dates/{date}/cancel", "Cancel this date"),
    "book for someone": ("/admin/dates/{date}/bookings/new", "Book a place for someone"),
    "cancel a booking": ("/admin/bookings/{booking}/cancel", "Cancel booking"),
    "move a booking": ("/admin/bookings/{booking}/move", None),
    "courses": ("/admin/courses", "Courses"),
    "add a course": ("/admin/courses/new", "Add a course"),
    "change a course": ("/admin/courses/{course}", "Change the course"),
    "venues": ("/admin/venues", "Venues"),
    "add a venue": ("/admin/venues/new", "Add a venue"),
    "change a venue": ("/admin/venues/{venue}", "Change the venue"),
    "audit log": ("/admin/audit", "Audit log"),
    "audit log, filtered": ("/admin/audit?action=capacity+changed&start=2020-01-01&person=booked", "Audit log"),
    "publish check": ("/admin/dates/{draft}/publish", "Check before you publish"),
    "email the people on a date": ("/admin/dates/{date}/message", "Email the people on this date"),
    "record what was done about needs": ("/admin/bookings/{booking}/needs", "Needs for Ada Booked"),
    "change password": ("/admin/account/password", "Change your password"),
    "accounts": ("/admin/accounts", "Accounts"),
    "give someone an account": ("/admin/accounts/invite", "Give someone an account"),
    "an account": ("/admin/accounts/{user}", None),
    "forgotten password": ("/admin/sign-in/forgot", "Forgotten your password?"),
    "set up an authenticator app": ("/admin/account/second-factor", "Set up an authenticator app"),
}


def page_path(template: str, course_date: CourseDate, session) -> str:
    booking = session.scalars(sa.select(Booking).order_by(Booking.id)).first()
    draft = session.scalars(sa.select(CourseDate).where(CourseDate.status == DateStatus.DRAFT)).first()
    user = session.scalars(sa.select(StaffUser).order_by(StaffUser.id)).first()
    return template.format(
        user=user.id if user else 0,
        draft=draft.id if draft else 0,
        month=course_date.first_day.strftime("%Y-%m"),
        date=course_date.id,
        day=course_date.days[0].id,
        booking=booking.id,
        course=course_date.course_id,
        venue=course_date.venue_id,
    )


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_are_accessible(name, page, session, busy_date, assert_accessible):
    add_records_for_lists(session, busy_date)
    make_date(session, course=busy_date.course, venue=busy_date.venue, days_from_now=60)  # somewhere to move to
    template, heading = ADMIN_PAGES[name]
    if name == "register":
        begin_course(session, busy_date)  # the register opens on the first day
    if name == "publish check":
        make_date(session, course=busy_date.course, status=DateStatus.DRAFT, days_from_now=70)
    sign_in(page)
    response = page.goto(page_path(template, busy_date, session))
    assert response.status == 200
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    if name == "date":
        expect(page.get_by_role("region", name=re.compile(r"^Confirmed places"))).to_contain_text("Ada Booked")
        expect(page.get_by_role("region", name=re.compile(r"^Waiting list"))).to_contain_text("Cy Waiting")
        expect(page.get_by_text("Access needs").first).to_be_visible()
    if name == "dashboard":
        expect(page.get_by_role("button", name=re.compile(r"^Try again"))).to_be_visible()
    if name == "access summary":
        expect(page.get_by_text("A chair with arms, please")).to_be_visible()
    if name == "audit log":
        expect(page.get_by_text("Places set to 2")).to_be_visible()
    assert_accessible(page)
    assert_labelled(page)


# Forms sent empty or wrong, and the words of an error the summary should show.
FORMS_WITH_ERRORS = {
    "add a date": ("/admin/dates/new", {}, "Enter the number of places"),
    "capacity": ("/admin/dates/{date}/capacity", {"Places": "1"}, "2 people already have a place"),
    "change password": ("/admin/account/password", {"New password": "short"}, "Enter your current password"),
    "add a course": ("/admin/courses/new", {"Web address name": "Not A Slug"}, "Enter the course title"),
    "add a venue": ("/admin/venues/new", {}, "Enter the venue's name"),
    "cancel a date": ("/admin/dates/{date}/cancel", {}, "Enter why the date is cancelled"),
    "book for someone": ("/admin/dates/{date}/bookings/new", {}, "Enter your full name"),
    "email the people on a date": ("/admin/dates/{date}/message", {"Subject": ""}, "Enter a subject"),
    "audit log filters": ("/admin/audit", {"Person": "a"}, "Enter between 2 and 100 letters"),
}


def test_the_audit_log_is_filtered_by_keyboard_and_the_filters_stay_in_the_address(page, session, busy_date):
    add_records_for_lists(session, busy_date)
    sign_in(page)
    page.goto("/admin/audit")
    page.get_by_label("What was done").focus()
    page.keyboard.press("End")  # the last action A to Z: "capacity changed" is the only one
    page.get_by_label("Who did it").select_option(label="The command line")
    page.get_by_label("Who did it").select_option(value="")
    fill_day(page, "From", datetime.now(UTC).date() - timedelta(days=1))
    page.get_by_role("button", name="Show these entries").press("Enter")
    expect(page.get_by_role("heading", name="Entries that match, newest first")).to_be_visible()
    expect(page.get_by_text("Places set to 2")).to_be_visible()
    assert "action=capacity+changed" in page.url and "start=" in page.url
    expect(page.get_by_label("What was done")).to_have_value("capacity changed")
    page.get_by_label("Who did it").select_option(label="The email worker")
    page.get_by_role("button", name="Show these entries").click()
    expect(page.get_by_role("heading", name="No entries match these filters")).to_be_visible()
    page.get_by_role("link", name="Clear the filters").click()
    expect(page.get_by_text("Places set to 2")).to_be_visible()


@pytest.mark.parametrize("name", FORMS_WITH_ERRORS)
def test_admin_forms_with_errors_are_accessible(name, page, session, busy_date, assert_accessible):
    template, answers, error = FORMS_WITH_ERRORS[name]
    sign_in(page)
    page.goto(page_path(template, busy_date, session))
    for label, value in answers.items():
        page.get_by_label(label, exact=True).fill(value)
    page.locator("main form button[type=submit]").last.click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile(re.escape(error)))).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)
    assert_labelled(page)
    assert_errors_in_page_order(page)


def test_error_summary_links_on_the_date_form_lead_to_the_fields(page, session, admin):
    """Each link in the error summary moves focus to the field it is about."""
    make_course(session)
    make_venue(session)
    sign_in(page)
    page.goto("/admin/dates/new")
    page.get_by_role("button", name="Add the date").click()
    summary = page.locator(".govuk-error-summary")
    summary.get_by_role("link", name="Enter the date of day 1").click()
    expect(page.get_by_role("group", name="Day 1", exact=True).get_by_label("Day", exact=True)).to_be_focused()
    summary.get_by_role("link", name="Enter the number of places").click()
    expect(page.get_by_label("Places", exact=True)).to_be_focused()


def test_a_person_changes_their_needs_and_the_team_sees_them_still_to_arrange(new_page, session, busy_date):
    """From the person's booking page to the staff date page, in two browsers, by clicking."""
    booking = session.scalars(sa.select(Booking).where(Booking.full_name == "Bea Booked")).one()
    person = new_page()
    person.goto(f"/bookings/{booking.manage_token}")
    person.get_by_role("link", name=re.compile("^Change what you need to take part")).click()
    expect(person.get_by_role("heading", level=1)).to_have_text("What you need to take part")
    person.get_by_label("A British Sign Language interpreter", exact=True).check()
    person.get_by_label("Dietary needs (optional)", exact=True).fill("Halal")
    person.get_by_role("button", name="Save what I need").click()
    expect(person.get_by_text("We will arrange what you asked for before the course.")).to_be_visible()

    staff = new_page()
    sign_in(staff)
    staff.goto(f"/admin/dates/{busy_date.id}")
    row = staff.get_by_role("region", name=re.compile(r"^Confirmed places")).locator(".govuk-summary-card")
    row = row.filter(has=staff.get_by_role("heading", name="Bea Booked"))
    expect(row).to_contain_text("A British Sign Language interpreter")
    expect(row).to_contain_text("Halal")
    expect(row.get_by_text("Still to arrange", exact=True)).to_be_visible()
    expect(staff.locator(".govuk-warning-text")).to_contain_text("Bea Booked")

    row.get_by_role("link", name="Record what you have done for Bea Booked").click()
    staff.get_by_label("Arranged", exact=True).check()
    staff.get_by_label("Note for the team (optional)", exact=True).fill("Jo from the interpreting service, both days")
    staff.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("Saved: Bea Booked's needs are marked arranged.")).to_be_visible()
    person.reload()
    expect(person.get_by_text("The training team has arranged what you asked for.")).to_be_visible()
    expect(person.get_by_text("interpreting service")).to_have_count(0)


def test_recording_not_possible_without_a_note_shows_an_accessible_error(page, session, busy_date, assert_accessible):
    booking = session.scalars(sa.select(Booking).where(Booking.full_name == "Ada Booked")).one()
    sign_in(page)
    page.goto(f"/admin/bookings/{booking.id}/needs")
    page.get_by_label("Not possible", exact=True).check()
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(
        summary.get_by_role("link", name="Say why it is not possible, and what you have offered instead")
    ).to_be_visible()
    expect(page.get_by_label("Not possible", exact=True)).to_be_checked()
    assert_accessible(page)
    assert_labelled(page)


def test_a_message_to_a_date_is_checked_then_sent_and_the_preview_is_accessible(
    page, session, busy_date, assert_accessible
):
    sign_in(page)
    page.goto(f"/admin/dates/{busy_date.id}")
    page.get_by_role("link", name="Email the people on this date").click()
    page.get_by_label("People on the waiting list", exact=True).check()
    page.get_by_label("Subject", exact=True).fill("A place may come free")
    page.get_by_label("Message", exact=True).fill("Two people may cancel.\n\nWe will email you if they do.")
    page.get_by_role("button", name="Check the message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your message")
    expect(page.get_by_text("Dear Cy Waiting,")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send to 2 people").click()
    expect(page.get_by_text("Your message is on its way to 2 people.")).to_be_visible()
    expect(page.get_by_role("region", name="Messages sent")).to_contain_text("A place may come free")
    session.rollback()
    queued = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "date_message")).all()
    names = dict(session.execute(sa.select(Booking.id, Booking.full_name)).all())
    assert sorted(names[m.booking_id] for m in queued) == ["Cy Waiting", "Di Waiting"]


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["375px", "1280px"])
def test_the_calendar_is_readable_at_any_width_and_works_by_keyboard(new_page, session, busy_date, viewport):
    page = new_page(viewport=viewport)
    sign_in(page)
    page.goto(f"/admin/calendar?month={busy_date.first_day:%Y-%m}")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths == [viewport["width"], viewport["width"]], widths
    # One of the grid and the list is shown; the other is not displayed at all (so read once).
    facts = page.locator(".app-calendar__facts:visible")
    expect(facts.first).to_have_text(re.compile(r"^Day 1 of 2, Carlisle\.\s+2 of 2 places, 2 waiting\.$"))
    link = page.locator("main a:visible", has_text=busy_date.course.title).first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(day_range(busy_date))


def test_the_second_step_of_signing_in_is_accessible(page, session, admin, assert_accessible):
    """A code is required of the account: the set-up page, then (after sign-out) the code page, each with an
    error too."""
    with writing(session):
        session.get(StaffUser, admin.id).second_factor_required = True
    sign_in(page, heading="Set up an authenticator app")
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming dates")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, heading="Enter the code from your app")
    assert_accessible(page)


def test_the_copy_of_someones_data_to_read_is_an_accessible_page_of_its_own(
    page, session, busy_date, assert_accessible
):
    """The readable copy is a file the person opens on its own: it must be accessible there too."""
    add_records_for_lists(session, busy_date)
    sign_in(page)
    booking = session.scalars(sa.select(Booking).order_by(Booking.id)).first()
    page.goto(f"/admin/people/{booking.id}/data")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download a copy to read (a web page)").click()
    assert download.value.suggested_filename == f"personal-data-{booking.reference}.html"
    page.set_content(Path(download.value.path()).read_text(encoding="utf-8"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data held by the Signs of Safety training service")
    expect(page.get_by_role("heading", name="Your bookings", exact=True)).to_be_visible()
    assert_accessible(page)
