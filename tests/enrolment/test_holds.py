"""A booking made on the public form holds its place until the person opens the link emailed to the address
and confirms it; nothing they typed is emailed before then; a hold nobody confirms is released in time."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.enrolment.bookings import book_place, cancel_booking, check_email, hold_until, release_holds
from app.enrolment.refusals import CannotChange
from app.mail.outbox import send_due
from app.models import Booking, BookingStatus, CourseDate, OutboxMessage
from tests.factories import booked, details, make_date, make_staff, sign_in

STRANGERS_WORDS = dict(
    full_name="Click evil-login.example now", job_title="Your account is locked", organisation="Urgent IT desk",
    manager_name="Pay the invoice", manager_email="victim.manager@example.org", access_details="Call 0900 000000",
    dietary_needs="Reply with your password", access_needs=["other"],
)  # fmt: skip


def kinds(session) -> list[tuple[str, str]]:
    session.rollback()
    return [(m.kind, m.to_address) for m in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


def test_a_hold_keeps_its_place_and_the_address_gets_only_the_check_in_our_own_words(
    app, session, mail_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    course_date = make_date(session, capacity=1)
    hold = book_place(session, course_date.id, details(email="someone@example.org", **STRANGERS_WORDS)).booking
    session.rollback()
    assert session.get(CourseDate, course_date.id).places_taken == 1
    assert hold.is_hold and hold.hold_until is not None
    assert kinds(session) == [("booking_check", "someone@example.org")]  # no manager, no team, no invite
    send_due(session)
    (check,) = mail_server.messages
    whole = check.as_string() + check.get_body(("plain",)).get_content() + check.get_body(("html",)).get_content()
    for typed in STRANGERS_WORDS.values():
        assert str(typed[0] if isinstance(typed, list) else typed) not in whole
    assert "text/calendar" not in whole and f"/bookings/{hold.manage_token}" in whole


def test_confirming_by_the_emailed_link_makes_it_a_booking_with_all_its_emails(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    course_date = make_date(session)
    hold = book_place(session, course_date.id, details(access_details="A quiet room")).booking
    booking = check_email(session, hold.manage_token)
    assert booking.email_checked and booking.hold_until is None
    assert [kind for kind, _ in kinds(session)] == ["booking_check", "place_confirmed", "manager_notice",
                                                     "needs_changed"]  # fmt: skip
    check_email(session, hold.manage_token)  # twice changes nothing
    assert len(kinds(session)) == 4


def test_a_hold_nobody_confirms_is_released_to_the_waiting_list_and_the_address_told(session):
    course_date = make_date(session, capacity=1)
    hold = book_place(session, course_date.id, details(email="nobody@example.org")).booking
    waiting = booked(session, course_date.id, details(email="waiting@example.org")).booking
    assert release_holds(session, utcnow()) == 0  # not yet
    assert release_holds(session, hold.hold_until + timedelta(seconds=1)) == 1
    session.rollback()
    assert session.get(Booking, hold.id).status == BookingStatus.CANCELLED
    assert session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED
    assert ("hold_released", "nobody@example.org") in kinds(session)
    assert ("place_offered", "waiting@example.org") in kinds(session)
    with pytest.raises(CannotChange, match="not confirmed in time"):
        check_email(session, hold.manage_token)


def test_the_hold_is_shorter_when_the_course_is_near(app, session):
    soon = make_date(session, days_from_now=0, closes_days_before=-1)
    now = soon.starts_at - timedelta(hours=10)
    assert hold_until(soon, now) == now + timedelta(hours=5)  # half the time left
    later = make_date(session, days_from_now=30)
    assert hold_until(later, now) == now + timedelta(hours=app.config["BOOKING_CONFIRM_HOURS"])


def test_a_booking_made_by_signed_in_staff_needs_no_check(session):
    result = book_place(session, make_date(session).id, details(), actor=make_staff(session))
    assert result.booking.email_checked and [kind for kind, _ in kinds(session)] == ["place_confirmed"]


def test_a_hold_can_be_cancelled_from_its_link_and_nobody_is_emailed(session):
    hold = book_place(session, make_date(session).id, details()).booking
    cancel_booking(session, hold.manage_token)
    assert [kind for kind, _ in kinds(session)] == ["booking_check"]


def test_staff_see_holds_apart_from_confirmed_places(client, session):
    course_date = make_date(session)
    booked(session, course_date.id, details(full_name="Cat Confirmed"))
    book_place(session, course_date.id, details(full_name="Hal Held"))
    sign_in(client, make_staff(session))
    page = client.get(f"/admin/dates/{course_date.id}").get_data(as_text=True)
    confirmed, held = page.split('id="confirmed-heading"')[1], page.split('id="held-heading"')[1]
    assert "Not confirmed yet (1)" in page and "Confirmed places (1)" in page
    assert "Hal Held" in held and "Hal Held" not in confirmed.split('id="waiting-heading"')[0]
