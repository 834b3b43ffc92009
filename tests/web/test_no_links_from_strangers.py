"""Nothing a stranger types into a public form can carry a web address, a bare domain or an email address:
every free-text field of every public form refuses them, the needs boxes and feedback included."""

import pytest
import sqlalchemy as sa

from app.models import Booking, Feedback, Interest, WatchedRecord
from tests.factories import booking_form, confirm_by_email, make_briefing, make_course, make_date

LINKS = ["evil-login.co.uk/verify", "bit.ly/x", "Visit example.com today", "http://x.test", "pay@evil.test", "10.0.0.1"]
BOOKING_FIELDS = ["full_name", "job_title", "organisation", "manager_name", "access_details", "dietary_needs"]


def watched_form(**overrides) -> dict:
    values = {"full_name": "Zoë", "email": "zoe@example.org", "organisation": "Keswick School", "sector": "schools",
              "council_area": "cumberland", "learning_note": ""}  # fmt: skip
    return values | overrides


def refused(response) -> bool:
    return response.status_code == 200 and "must not include a web address or an email address" in response.text


@pytest.mark.parametrize("link", LINKS)
def test_every_free_text_field_of_the_public_forms_refuses_links_and_domains(client, session, link):
    course_date = make_date(session)
    for field in BOOKING_FIELDS:
        assert refused(client.post(f"/dates/{course_date.id}/book", data=booking_form(**{field: link}))), field
    course = make_course(session)
    for field in ("full_name", "organisation"):
        form = {"full_name": "Lee", "email": "lee@example.org", "organisation": ""} | {field: link}
        assert refused(client.post(f"/courses/{course.slug}/interest", data=form)), field
    briefing = make_briefing(session)
    for field in ("full_name", "organisation", "learning_note"):
        assert refused(client.post(f"/briefings/{briefing.slug}/watched", data=watched_form(**{field: link}))), field
    session.rollback()
    for model in (Booking, Interest, WatchedRecord, Feedback):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model


def test_the_needs_page_refuses_a_link_in_either_box(client, session):
    course_date = make_date(session)
    form = booking_form()
    client.post(f"/dates/{course_date.id}/book", data=form)
    token = confirm_by_email(client, session, form["email"])
    for field in ("access_details", "dietary_needs"):
        data = {"access_details": "", "dietary_needs": ""} | {field: "see evil-login.co.uk/verify"}
        assert refused(client.post(f"/bookings/{token}/needs", data=data)), field
    assert "St.John" in booking_form(full_name="Siân St.John")["full_name"]  # an ordinary name is not a domain
    assert client.post(f"/dates/{course_date.id}/book", data=booking_form(full_name="Siân St.John")).status_code == 302
