"""The public pages: what they say, and how they answer bad requests."""

import re

import sqlalchemy as sa

from app import create_app
from app.database import writing
from app.models import DateStatus, Interest
from tests.factories import begin_course, booked, details, make_course, make_date, make_venue


def text(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_home_page_explains_the_training_and_shows_the_next_dates(client, session):
    course_date = make_date(session)
    page = text(client, "/")
    assert "Signs of Safety" in page
    assert "in person only" in page.lower()
    assert f"/dates/{course_date.id}" in page


def test_dates_page_shows_both_days_venue_and_places_left(client, session):
    venue = make_venue(session, name="County Offices", town="Kendal")
    make_date(session, venue=venue, capacity=12)
    full = make_date(session, capacity=1, days_from_now=50)
    booked(session, full.id, details())
    page = text(client, "/dates")
    assert "Day 1:" in page and "Day 2:" in page and "9:30am to 4:30pm" in page
    assert "County Offices, Kendal" in page
    assert "12 places left" in page
    assert "Full: join the waiting list" in page


def test_dates_page_hides_drafts_cancelled_and_past_dates(client, session):
    draft = make_date(session, status=DateStatus.DRAFT)
    cancelled = make_date(session, status=DateStatus.CANCELLED)
    past = make_date(session, days_from_now=-10, closes_days_before=-100)
    page = text(client, "/dates")
    for hidden in (draft, cancelled, past):
        assert f'/dates/{hidden.id}"' not in page


def test_with_no_dates_the_dates_page_says_so_and_offers_to_tell_me(client, session):
    course = make_course(session)
    page = text(client, "/dates")
    assert "There are no training dates published at the moment" in page
    assert f"/courses/{course.slug}/interest" in page
    assert "Tell me when dates are published" in page


def test_date_page_shows_venue_access_information_and_a_book_button(client, session):
    venue = make_venue(
        session, step_free_access=False, hearing_loop=True, access_notes="Ring the bell at the side door."
    )
    course_date = make_date(session, venue=venue)
    page = text(client, f"/dates/{course_date.id}")
    assert "No step-free access" in page and "Hearing loop available" in page
    assert "Ring the bell at the side door." in page
    assert f"/dates/{course_date.id}/book" in page and "Book a place" in page


def test_a_cancelled_date_says_so_and_offers_no_booking(client, session):
    course_date = make_date(session, status=DateStatus.CANCELLED)
    page = text(client, f"/dates/{course_date.id}")
    assert "This date has been cancelled" in page
    assert f"/dates/{course_date.id}/book" not in page


def test_a_finished_date_says_so_and_leads_to_the_next_dates_not_a_form(client, session):
    course = make_course(session)
    finished = make_date(session, course=course, capacity=1)
    booked(session, finished.id, details())  # full, as it was
    begin_course(session, finished, days_ago=10)
    next_date = make_date(session, course=course, days_from_now=30, venue=make_venue(session, town="Kendal"))
    for path in (f"/dates/{finished.id}", f"/dates/{finished.id}/book"):
        page = text(client, path)
        assert "This course has finished." in page, path
        assert "waiting list" not in page.lower() and "Book a place" not in page, path
        assert f'href="/dates/{next_date.id}"' in page and "Kendal" in page, path
        assert f"/courses/{course.slug}/interest" in page, path
        assert 'name="full_name"' not in page, path


def test_a_started_date_says_it_is_too_late_and_without_other_dates_offers_to_tell_me(client, session):
    course = make_course(session)
    started = make_date(session, course=course)
    begin_course(session, started)
    page = text(client, f"/dates/{started.id}")
    assert "This course has started, so it is too late to book a place on it." in page
    assert "There are no other dates for this course at the moment." in page
    assert f"/courses/{course.slug}/interest" in page


def test_the_dates_page_offers_a_calendar_to_subscribe_to_and_a_one_off_download(client, session):
    make_date(session)
    page = text(client, "/dates")
    assert 'href="webcal://training.example.test/dates.ics"' in page  # BASE_URL, with the webcal scheme
    assert "http://training.example.test/dates.ics" in page  # to paste into Outlook, Gmail or Apple
    for words in ("Outlook", "Gmail", "Apple Calendar", "does not change"):
        assert words in page
    assert client.get("/dates.ics").mimetype == "text/calendar"


def test_every_course_and_dates_page_offers_to_tell_me_about_new_dates(client, session):
    course = make_course(session)
    make_date(session, course=course)
    for path in ("/dates", f"/courses/{course.slug}"):
        page = text(client, path)
        assert "Tell me when new dates are published" in page and f"/courses/{course.slug}/interest" in page, path


def test_course_page_says_who_should_come_and_that_it_is_in_person_only(client, session):
    course = make_course(session)
    make_date(session, course=course)
    page = text(client, f"/courses/{course.slug}")
    assert "Who should come" in page
    assert "In person only: there is no online option." in page


def test_registering_interest_records_it_once(client, session):
    course = make_course(session)
    for email in ["Lee@Example.org", "lee@example.org"]:
        response = client.post(
            f"/courses/{course.slug}/interest", data={"full_name": "Lee", "email": email, "organisation": ""}
        )
        assert response.status_code == 302
    assert "Check your email" in text(client, f"/courses/{course.slug}/interest/done")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Interest.id))) == 1


def test_a_request_to_hear_about_new_dates_is_confirmed_by_the_emailed_link_before_anything_else_goes(
    client, session, mail_server
):
    from app.enrolment.dates import publish_date
    from app.mail.outbox import send_due
    from app.models import DateStatus
    from tests.factories import make_date

    course = make_course(session)
    form = {"full_name": "Pay the invoice at evil", "email": "lee@example.org", "organisation": "Urgent"}
    client.post(f"/courses/{course.slug}/interest", data=form)
    draft = make_date(session, course=course, status=DateStatus.DRAFT)
    assert publish_date(session, draft.id, actor=None) == 0  # not confirmed: not told
    send_due(session)
    (check,) = mail_server.messages
    body = check.get_body(("plain",)).get_content()
    assert "Pay the invoice" not in check.as_string() and "Urgent" not in body  # our words only
    link = re.search(r"http://training.example.test(/interest/[A-Za-z0-9_-]{43})", body).group(1)
    assert "Confirm you want to hear about new dates" in text(client, link)  # opening it confirms nothing
    session.rollback()
    assert session.scalar(sa.select(Interest.email_checked_at)) is None
    assert "We will email you" in client.post(link).get_data(as_text=True)
    session.rollback()
    assert session.scalar(sa.select(Interest.email_checked_at)) is not None


def test_interest_form_errors_are_plain(client, session):
    course = make_course(session)
    response = client.post(f"/courses/{course.slug}/interest", data={"full_name": "", "email": "nope"})
    page = response.get_data(as_text=True)
    assert "Enter your full name" in page
    assert "Enter your email address in the correct format" in page


def test_unknown_pages_and_ids_get_a_plain_404(client):
    for path in [
        "/nope",
        "/dates/abc",
        "/dates/-1",
        "/dates/99999999999999999999",
        "/courses/unknown",
        "/dates/0/book",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_gets_a_plain_405(client):
    response = client.post("/dates")
    assert response.status_code == 405
    assert "Sorry, that did not work" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


def test_an_oversized_form_gets_a_plain_413(client, session):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data={"full_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_says_503_when_the_database_does_not_answer(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_pages_send_no_access_requirements_to_the_public(client, session):
    course_date = make_date(session)
    booked(session, course_date.id, details(access_needs=["sign_language"], access_details="Needs an interpreter"))
    for path in ["/", "/dates", f"/dates/{course_date.id}", f"/dates/{course_date.id}/book"]:
        page = text(client, path)
        assert "Needs an interpreter" not in page


def test_an_unexpected_error_gets_a_plain_500_page(app):
    broken = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @broken.get("/broken-for-test")
    def broken_view():
        raise RuntimeError("boom")

    response = broken.test_client().get("/broken-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "boom" not in page and "Traceback" not in page


def test_a_forbidden_request_gets_a_plain_403_page(app):
    from flask import abort

    guarded = create_app({**app.config})

    @guarded.get("/forbidden-for-test")
    def forbidden_view():
        abort(403)

    response = guarded.test_client().get("/forbidden-for-test")
    assert response.status_code == 403
    assert "You cannot see this page" in response.get_data(as_text=True)


def test_the_dates_page_shows_changes_at_once_despite_being_kept_between_requests(client, session):
    course_date = make_date(session, capacity=3)
    assert "3 places left" in text(client, "/dates")
    booked(session, course_date.id, details())
    assert "2 places left" in text(client, "/dates")
    later = make_date(session, days_from_now=90)
    assert f"/dates/{later.id}" in text(client, "/dates")
    with writing(session):
        course_date.venue.name = "Renamed Hall"
    assert "Renamed Hall" in text(client, "/dates")
    assert "Renamed Hall" in text(client, "/")


def test_the_dates_page_answers_not_modified_when_nothing_changed(client, session):
    course_date = make_date(session)
    first = client.get("/dates")
    etag = first.headers["ETag"]
    again = client.get("/dates", headers={"If-None-Match": etag})
    assert again.status_code == 304
    booked(session, course_date.id, details())
    changed = client.get("/dates", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_home_page_heading_follows_the_number_of_courses(client, session):
    first = make_course(session, title="Signs of Safety Two Day Introductory Training")
    make_date(session, course=first)
    assert '<h2 class="govuk-heading-l">Signs of Safety Two Day Introductory Training</h2>' in text(client, "/")
    make_course(session, title="Signs of Safety refresher")
    assert '<h2 class="govuk-heading-l">The training</h2>' in text(client, "/")
