"""A venue's facilities are yes, no, or yes with a note a visitor needs ("by the side door"). The note is said
wherever the venue is shown, and to anyone who asked for that facility before they book or move."""

import re

import pytest
import sqlalchemy as sa

from app.catalogue.service import save_venue
from app.mail.outbox import send_due
from app.models import Booking, Venue
from tests.factories import (
    booked,
    booking_form,
    confirm_by_email,
    details,
    make_course,
    make_date,
    make_staff,
    make_venue,
)

SIDE_DOOR = "by the side door on Cornwallis Street. Ring the bell"
VENUE = {"name": "Town Hall", "address": "Duke Street", "town": "Barrow-in-Furness", "postcode": "LA14 2LD"}


@pytest.fixture
def signed_in_admin(session, staff):
    admin = make_staff(session, email="ada@example.org")
    staff.sign_in(admin.email)
    return admin


def test_a_venue_form_asks_yes_or_no_for_each_facility_with_a_note_only_for_yes(client, session, signed_in_admin):
    unanswered = client.post("/admin/venues/new", data=VENUE)
    page = unanswered.get_data(as_text=True)
    assert unanswered.status_code == 200
    for question in ("step-free access", "a hearing loop", "accessible toilets"):
        assert f"Select whether the venue has {question}" in page
    assert 'value="Duke Street"' in page  # the other answers are kept

    note_with_no = {**VENUE, "step_free_access": "no", "step_free_access_note": "by the side door"}
    page = client.post("/admin/venues/new", data={**note_with_no, "hearing_loop": "yes"}).get_data(as_text=True)
    assert "Remove the note, or choose Yes: a note is for something the venue has" in page
    assert 'href="#step_free_access_note"' in page  # the error summary leads to the note's box
    assert 'value="by the side door"' in page and "Select whether the venue has accessible toilets" in page

    answers = {**VENUE, "step_free_access": "yes", "step_free_access_note": SIDE_DOOR, "accessible_toilets": "yes"}
    answers |= {"hearing_loop": "no", "hearing_loop_note": ""}
    assert client.post("/admin/venues/new", data=answers).status_code == 302
    session.rollback()
    venue = session.scalars(sa.select(Venue)).one()
    assert venue.facility("step_free_access") == (True, SIDE_DOOR)
    assert venue.facility("hearing_loop") == (False, "")
    listing = client.get("/admin/venues").get_data(as_text=True)
    assert f"Yes: {SIDE_DOOR}" in listing

    # Changing it again starts from what was saved: Yes chosen, the note in its box.
    form = client.get(f"/admin/venues/{venue.id}").get_data(as_text=True)
    assert re.search(r'value="yes"\s+checked', form) and f'value="{SIDE_DOOR}"' in form
    client.post(f"/admin/venues/{venue.id}", data={**answers, "step_free_access": "no", "step_free_access_note": ""})
    session.rollback()
    assert session.get(Venue, venue.id).facility("step_free_access") == (False, "")


def test_the_domain_keeps_no_note_for_a_facility_the_venue_lacks(session):
    admin = make_staff(session)
    values = {**VENUE, "parking": "", "access_notes": "", "step_free_access": True, "step_free_access_note": ""}
    values |= {"accessible_toilets": True, "accessible_toilets_note": "ground floor"}
    values |= {"hearing_loop": False, "hearing_loop_note": "a portable one"}
    venue = save_venue(session, None, values, actor=admin)
    assert venue.facility("accessible_toilets") == (True, "ground floor")
    assert (venue.hearing_loop, venue.hearing_loop_note) == (False, "")


def test_the_note_is_said_wherever_the_venue_is(client, session, mail_server):
    venue = make_venue(session, **VENUE, step_free_access_note=SIDE_DOOR, hearing_loop=False)
    course_date = make_date(session, venue=venue)
    public = client.get(f"/dates/{course_date.id}").get_data(as_text=True)
    assert f"Step-free access: {SIDE_DOOR}" in public and "No hearing loop" in public
    booking = booked(session, course_date.id, details()).booking
    send_due(session)
    (email,) = mail_server.inbox.to(booking.email)
    assert f"- Step-free access: {SIDE_DOOR}\n" in email.get_body(("plain",)).get_content()
    assert f"<li>Step-free access: {SIDE_DOOR}</li>" in email.get_body(("html",)).get_content()


def test_someone_who_asked_for_it_reads_the_note_before_they_book_and_after(client, session, mail_server):
    venue = make_venue(session, **VENUE, step_free_access_note=SIDE_DOOR)
    course_date = make_date(session, venue=venue)
    form = booking_form(access_needs=["step_free"])
    first = client.post(f"/dates/{course_date.id}/book", data=form)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert re.search(r"<title>\s*Check before you book: ", page)
    warning = page.split('id="venue-warning"')[1].split("</div>\n")[0]
    assert f"About what you asked for: Town Hall has step-free access: {SIDE_DOOR}." in warning
    assert "does not have" not in warning  # it has it
    session.rollback()
    assert session.scalars(sa.select(Booking)).all() == []

    assert client.post(f"/dates/{course_date.id}/book", data={**form, "venue_warned": "y"}).status_code == 302
    token = confirm_by_email(client, session, form["email"])
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    promise = "We will arrange what you asked for before the course."
    assert f"{promise} About the venue: Town Hall has step-free access: {SIDE_DOOR}." in manage
    send_due(session)
    (placed,) = [m for m in mail_server.inbox.to(form["email"]) if m["Subject"].startswith("Booked")]
    assert f"About the venue: Town Hall has step-free access: {SIDE_DOOR}." in placed.get_body(("plain",)).get_content()


def test_no_check_step_when_the_venue_simply_has_it(client, session):
    course_date = make_date(session, venue=make_venue(session, **VENUE))
    form = booking_form(access_needs=["step_free", "sign_language"])
    assert client.post(f"/dates/{course_date.id}/book", data=form).status_code == 302


def test_moving_shows_the_note_of_the_venue_you_would_move_to(client, session):
    course = make_course(session)
    here = make_date(session, course=course, venue=make_venue(session))
    barrow = make_date(
        session, course=course, venue=make_venue(session, **VENUE, step_free_access_note=SIDE_DOOR), days_from_now=60
    )
    booking = booked(session, here.id, details(access_needs=["step_free"])).booking
    page = client.get(f"/bookings/{booking.manage_token}/move").get_data(as_text=True)
    assert f"The venue has what you asked for: Town Hall has step-free access: {SIDE_DOOR}." in page
    check = client.post(f"/bookings/{booking.manage_token}/move", data={"new_date": str(barrow.id)}).get_data(
        as_text=True
    )
    assert f"About what you asked for: Town Hall has step-free access: {SIDE_DOOR}." in check
    assert "does not have" not in check
