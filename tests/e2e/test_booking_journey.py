"""A person finds a date and books a place in a real browser; every page passes axe-core."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.filters import day_range
from app.enrolment.bookings import book_place
from app.mail.outbox import send_due
from app.models import Booking, BookingStatus
from tests.factories import begin_course, booked, details, make_course, make_date

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"SOS-[A-Z0-9]{5}")


def fill_booking_form(page, full_name="Siân O'Neill"):
    """Answer every question the way a person would, finding each field by its label."""
    page.get_by_label("Full name", exact=True).fill(full_name)
    page.get_by_label("Work email address", exact=True).fill("sian.oneill@example.org")
    page.get_by_label("Job title", exact=True).fill("Social worker")
    page.get_by_label("Organisation or team", exact=True).fill("Carlisle Early Help team")
    page.get_by_label("Early help", exact=True).check()
    page.get_by_label("Westmorland and Furness", exact=True).check()
    page.get_by_label("Your manager's full name", exact=True).fill("Dafydd Ó Briain")
    page.get_by_label("Your manager's email address", exact=True).fill("dafydd.obriain@example.org")
    page.get_by_label("My manager agrees I can attend both days", exact=True).check()
    page.get_by_label("A hearing loop", exact=True).check()
    page.get_by_role("button", name="Book my place").click()


def open_the_emailed_link(page, session, mail_server, address: str) -> None:
    """What the person does next: the worker sends the email, they open its link and confirm the booking."""
    send_due(session)
    (email,) = [m for m in mail_server.inbox.to(address) if m["Subject"].startswith("Confirm your booking")]
    link = re.search(r"https?://\S+(/bookings/[A-Za-z0-9_-]{43})", email.get_body(("plain",)).get_content())
    page.goto(link.group(1))  # the email's address, on the server under test
    page.get_by_role("button", name="Confirm my booking").click()


def test_a_person_books_a_place_from_the_home_page(
    page, session, mail_server, record_property, capsys, assert_accessible
):
    """Home, dates, one date, the form, the emailed link that confirms it, and the manage page, by clicking.
    The time from the form to the confirmed booking is recorded (the worker's send is part of it)."""
    course_date = make_date(session, capacity=10)
    page.goto("/")
    page.get_by_role("button", name="See all dates and book a place").click()
    expect(page).to_have_url(re.compile(r"/dates$"))
    page.get_by_role("link", name=day_range(course_date)).click()
    page.get_by_role("button", name="Book a place").click()
    started = time.perf_counter()
    fill_booking_form(page)

    expect(page.get_by_role("heading", name="Check your email to confirm your booking")).to_be_visible()
    expect(page.get_by_text("sian.oneill@example.org", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^http.*bookings"))).to_have_count(0)  # the link is in the email
    assert_accessible(page)
    open_the_emailed_link(page, session, mail_server, "sian.oneill@example.org")
    expect(page.get_by_role("heading", name="Your place is booked")).to_be_visible()
    seconds = time.perf_counter() - started
    record_property("booking_to_confirmed_seconds", round(seconds, 2))
    with capsys.disabled():
        print(f"\nbooking form to confirmed booking, in the browser: {seconds:.2f} s")
    expect(page.locator(".govuk-panel__body")).to_contain_text(REFERENCE)
    expect(page.get_by_text("Siân O'Neill", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^http.*bookings")).click()  # the manage link shows its URL
    expect(page.get_by_text("Place confirmed", exact=True)).to_be_visible()

    session.rollback()  # expire everything and end the read snapshot: on SQLite it hides the browser's booking
    bookings = session.scalars(sa.select(Booking)).all()
    assert [(b.full_name, b.status, b.access_needs) for b in bookings] == [
        ("Siân O'Neill", BookingStatus.CONFIRMED, ["hearing_loop"])
    ]


def test_an_empty_booking_form_shows_an_error_summary_that_moves_focus(page, session):
    """The GOV.UK error summary gets focus, titles the page 'Error:' and links to each field."""
    course_date = make_date(session, capacity=10)
    page.goto(f"/dates/{course_date.id}/book")
    page.get_by_role("button", name="Book my place").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary.get_by_role("link", name="Select the area you work in")).to_have_attribute("href", "#sector")
    summary.get_by_role("link", name="Enter your full name").click()
    expect(page.get_by_label("Full name", exact=True)).to_be_focused()


def test_a_person_can_book_with_javascript_turned_off(new_page, session, mail_server):
    """The form posts and redirects without any script, and so does confirming from the email."""
    course_date = make_date(session, capacity=10)
    page = new_page(java_script_enabled=False)
    page.goto(f"/dates/{course_date.id}")
    page.get_by_role("button", name="Book a place").click()
    fill_booking_form(page)
    expect(page.get_by_role("heading", name="Check your email to confirm your booking")).to_be_visible()
    open_the_emailed_link(page, session, mail_server, "sian.oneill@example.org")
    expect(page.get_by_role("heading", name="Your place is booked")).to_be_visible()


@pytest.fixture
def paths(session):
    """Paths to every page of the journey, for an open date and a full one with a waiting list."""
    open_date = make_date(session, capacity=10)
    full_date = make_date(session, capacity=1, days_from_now=40)
    first = booked(session, open_date.id, details()).booking
    booked(session, full_date.id, details())
    waiting = booked(session, full_date.id, details()).booking
    held = book_place(session, open_date.id, details()).booking  # not confirmed yet
    finished = begin_course(session, make_date(session, capacity=10), days_ago=10)
    return {
        "finished date": f"/dates/{finished.id}",
        "home": "/",
        "dates": "/dates",
        "date": f"/dates/{open_date.id}",
        "full date": f"/dates/{full_date.id}",
        "booking form": f"/dates/{open_date.id}/book",
        "waiting list form": f"/dates/{full_date.id}/book",
        "confirmation": f"/bookings/{first.manage_token}/confirmation",
        "waiting list confirmation": f"/bookings/{waiting.manage_token}/confirmation",
        "manage": f"/bookings/{first.manage_token}",
        "manage waiting": f"/bookings/{waiting.manage_token}",
        "confirm from the email": f"/bookings/{held.manage_token}",
        "change needs": f"/bookings/{first.manage_token}/needs",
        "privacy": "/privacy",
        "accessibility": "/accessibility",
        "cookies": "/cookies",
        "find your booking": "/bookings/find",
        "find your booking sent": "/bookings/find/sent",
    }


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "finished date",
        "dates",
        "date",
        "full date",
        "booking form",
        "waiting list form",
        "confirmation",
        "waiting list confirmation",
        "manage",
        "manage waiting",
        "confirm from the email",
        "change needs",
        "privacy",
        "accessibility",
        "cookies",
        "find your booking",
        "find your booking sent",
    ],
)
def test_page_has_no_accessibility_violations(page, paths, assert_accessible, name):
    """axe-core finds nothing against WCAG 2.2 AA."""
    page.goto(paths[name])
    assert_accessible(page)


def test_the_find_form_with_errors_has_no_accessibility_violations_and_works_without_javascript(
    page, assert_accessible
):
    page.goto("/bookings/find")
    page.get_by_role("button", name="Email me my booking links").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Work email address").fill("someone@example.org")
    page.get_by_role("button", name="Email me my booking links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")


def test_booking_form_with_errors_has_no_accessibility_violations(page, session, assert_accessible):
    """Error messages, the summary and the 'Error:' title pass axe-core."""
    course_date = make_date(session, capacity=10)
    page.goto(f"/dates/{course_date.id}/book")
    page.get_by_role("button", name="Book my place").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/dates"])
def test_pages_with_no_dates_have_no_accessibility_violations(page, session, assert_accessible, path):
    """The 'Tell me when dates are published' pages pass axe-core."""
    make_course(session)
    page.goto(path)
    expect(page.get_by_role("link", name=re.compile("Tell me when dates are published"))).to_be_visible()
    assert_accessible(page)


@pytest.mark.e2e
def test_the_content_security_policy_blocks_none_of_our_own_scripts(new_page, session):
    """With the policy enforced, the page's scripts run and nothing is reported blocked."""
    make_date(session)
    page = new_page(bypass_csp=False)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto("/dates")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")  # the inline script
    skip_link = page.locator(".govuk-skip-link")
    expect(skip_link).to_have_attribute("data-govuk-skip-link-init", "")  # GOV.UK Frontend's module ran
    assert problems == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_feedback_is_given_by_keyboard_and_the_form_is_accessible(new_page, session, assert_accessible, javascript):
    """The three questions and the 0 to 10 radios, with errors first, then sent; axe-core on the page and
    its errors."""
    from app.after_course.register import mark_attendance
    from app.models import AttendanceMark, Feedback
    from tests.factories import begin_course, make_staff

    course_date = make_date(session)
    booking = booked(session, course_date.id, details(full_name="Ffion Jones")).booking
    begin_course(session, course_date, days_ago=2)
    mark_attendance(session, course_date.days[0].id, {booking.id: AttendanceMark.ATTENDED}, actor=make_staff(session))
    page = new_page(java_script_enabled=javascript)
    page.goto(f"/bookings/{booking.manage_token}")
    page.get_by_role("link", name="Tell us what you thought of the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us what you thought")
    if javascript:  # axe-core itself is a script
        assert_accessible(page)
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose where you were before the course")
    if javascript:
        assert_accessible(page)
    page.get_by_label("What worked well for you on the course? (optional)").fill("The three questions.")
    before = page.get_by_role("group", name=re.compile("^Where were you before the course"))
    before.get_by_label("3", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("group", name=re.compile("^Where are you now")).get_by_label("8", exact=True).check()
    page.get_by_label("Yes, but do not use my name", exact=True).check()
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.get_by_text("Thank you. We have your feedback.")).to_be_visible()
    session.rollback()
    stored = session.scalars(sa.select(Feedback)).one()
    assert (stored.confidence_before, stored.confidence_after, stored.may_quote, stored.quote_with_name) == (
        3, 8, True, False,
    )  # fmt: skip


def test_feedback_from_the_emailed_link_then_the_certificate_download_and_its_check_page(
    new_page, session, mail_server, assert_accessible
):
    """As the person would: the link in the email, the form, the download from their page, and the page
    anyone can use to check the certificate, each passing axe-core."""
    import io
    from urllib.parse import urlsplit

    from pypdf import PdfReader

    from app.after_course.feedback import queue_feedback_requests
    from app.after_course.register import mark_attendance
    from app.database import utcnow
    from app.mail.outbox import send_due
    from app.models import AttendanceMark, Certificate
    from tests.factories import begin_course, make_staff

    course_date = make_date(session)
    booking = booked(session, course_date.id, details(full_name="Siân Evans")).booking
    begin_course(session, course_date, days_ago=2)
    trainer = make_staff(session)
    for day in course_date.days:
        mark_attendance(session, day.id, {booking.id: AttendanceMark.ATTENDED}, actor=trainer)
    send_due(session)
    mail_server.messages.clear()
    queue_feedback_requests(session, utcnow(), delay_days=1, reminder_days=7)
    send_due(session)
    (email,) = mail_server.inbox.to(booking.email)
    link = re.search(r"https?://\S+/feedback", email.get_body(("plain",)).get_content()).group(0)

    page = new_page(accept_downloads=True)
    page.goto(urlsplit(link).path)
    page.get_by_role("group", name=re.compile("^Where were you before the course")).get_by_label(
        "4", exact=True
    ).check()
    page.get_by_role("group", name=re.compile("^Where are you now")).get_by_label("9", exact=True).check()
    page.get_by_label("No, please do not quote me", exact=True).check()
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.get_by_text("Thank you. We have your feedback.")).to_be_visible()
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download your certificate of attendance (PDF)").click()
    pdf = PdfReader(io.BytesIO(open(downloaded.value.path(), "rb").read()))
    assert "Siân Evans" in pdf.pages[0].extract_text() and "/StructTreeRoot" in pdf.trailer["/Root"]

    session.rollback()
    certificate = session.scalars(sa.select(Certificate)).one()
    page.goto(f"/certificates/{certificate.reference}")
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
    assert_accessible(page)
    page.goto("/certificates/CERT-22222222")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that certificate")
    assert_accessible(page)


def test_moving_shows_places_and_a_check_page_before_anything_moves(page, session, assert_accessible):
    course = make_course(session)
    current = make_date(session, course=course)
    make_date(session, course=course, days_from_now=60)
    booking = booked(session, current.id, details(access_needs=["hearing_loop"])).booking
    page.goto(f"/bookings/{booking.manage_token}/move")
    assert_accessible(page)
    page.get_by_text("20 places left").first.click()
    page.get_by_role("button", name="Move my booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the move before you make it")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, move my booking").click()
    expect(page.get_by_text("Your booking has been moved")).to_be_visible()


def test_the_venue_warning_takes_focus_and_names_itself_in_the_title(page, session, assert_accessible):
    """The venue lacks what the person asked for: the warning is what a screen reader hears first."""
    from tests.factories import make_venue

    venue = make_venue(session, name="County Offices", town="Kendal", hearing_loop=False)
    course_date = make_date(session, capacity=10, venue=venue)
    page.goto(f"/dates/{course_date.id}/book")
    fill_booking_form(page)  # asks for a hearing loop, and sends the form
    warning = page.locator("#venue-warning")
    expect(warning).to_contain_text("County Offices has no hearing loop")
    expect(warning).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Check before you book: "))
    assert_accessible(page)


def test_a_manager_answers_by_keyboard_on_an_accessible_page(page, session, mail_server, assert_accessible):
    """The manager's page, opened from the email, answered with the keyboard; the thank-you page after."""
    course_date = make_date(session, course=make_course(session, manager_approval=True))
    booking = booked(session, course_date.id, details(manager_email="morgan@example.org")).booking
    send_due(session)
    (asked,) = mail_server.inbox.to("morgan@example.org")
    link = re.search(r"http://training\.example\.test(/approval/\S+)", asked.get_body(("plain",)).get_content())[1]
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Can your colleague come to training?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, they can come").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for answering")
    expect(page.get_by_text(f"You agreed that {booking.email} can come")).to_be_visible()
    assert_accessible(page)
