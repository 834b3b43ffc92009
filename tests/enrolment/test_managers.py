"""A line manager hears when their colleague books, moves or cancels; someone with no manager can still book."""

import sqlalchemy as sa

from app.enrolment.bookings import cancel_booking, move_booking
from app.mail.outbox import send_due
from app.models import Booking, OutboxMessage
from config import Config
from tests.factories import booked, booking_form, confirm_by_email, details, make_course, make_date


def test_managers_are_told_by_default():
    assert Config.MANAGER_EMAILS is True


def test_a_manager_hears_of_booking_moving_and_cancelling_but_never_the_access_needs(
    app, session, mail_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    course = make_course(session)
    first, second = make_date(session, course=course), make_date(session, course=course, days_from_now=60)
    person = details(
        full_name="Robin Ryder",
        manager_email="boss@example.org",
        access_needs=["sign_language"],
        access_details="A British Sign Language interpreter",
        dietary_needs="Halal",
    )
    booking = booked(session, first.id, person).booking
    move_booking(session, booking.manage_token, second.id)
    cancel_booking(session, booking.manage_token)
    send_due(session)
    to_manager = [m for m in mail_server.messages if m["To"] == "boss@example.org"]
    bodies = [m.get_body(("plain",)).get_content() for m in to_manager]
    assert [b.split("\n\n")[1].split(" the ")[0] for b in bodies] == [
        f"{booking.email} has booked a place on",
        f"{booking.email} has moved their booking to",
        f"{booking.email} has cancelled their booking for",
    ]
    everything = "".join(bodies + [m.get_body(("html",)).get_content() for m in to_manager])
    # The manager's address was never confirmed by anyone: nothing the person typed reaches it.
    for private in ("Sign Language", "Halal", "interpreter", booking.manage_token, "/bookings/", "Robin Ryder",
                    person.manager_name, person.organisation, person.job_title):  # fmt: skip
        assert private not in everything
    assert all(m["Subject"].startswith("Your colleague's training: ") for m in to_manager)


def test_with_the_setting_off_no_manager_is_told(session, mail_server):
    booked(session, make_date(session).id, details(manager_email="boss@example.org"))
    send_due(session)
    assert [m["To"] for m in mail_server.messages if m["To"] == "boss@example.org"] == []


def test_someone_with_no_line_manager_books_and_nothing_is_kept_or_sent(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    course_date = make_date(session)
    form = booking_form(no_manager="y", manager_name="", manager_email="", manager_agrees=None)
    response = client.post(f"/dates/{course_date.id}/book", data=form)
    assert response.status_code == 302
    session.rollback()
    (booking,) = session.scalars(sa.select(Booking)).all()
    assert (booking.manager_name, booking.manager_email, booking.manager_agrees) == ("", "", False)
    # Typed anyway, then ticked "no manager": nothing of it is kept, and nobody is emailed.
    form = booking_form(no_manager="y", manager_email="someone@example.org", manager_name="<b>x</b>")
    assert client.post(f"/dates/{course_date.id}/book", data=form).status_code == 302
    session.rollback()
    assert {b.manager_email for b in session.scalars(sa.select(Booking))} == {""}


def test_without_that_box_the_manager_questions_are_still_asked(client, session):
    course_date = make_date(session)
    response = client.post(
        f"/dates/{course_date.id}/book", data=booking_form(manager_name="", manager_email="", manager_agrees=None)
    )
    page = response.get_data(as_text=True)
    assert "Enter your manager&#39;s full name" in page
    assert "Enter your manager&#39;s email address" in page


def test_one_manager_address_gets_few_emails_and_never_stops_a_booking(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    monkeypatch.setitem(app.config, "EMAIL_LIMIT_PER_RECIPIENT", "2 per hour")
    course_date = make_date(session)
    path = f"/dates/{course_date.id}/book"
    for number in range(4):
        form = booking_form(manager_email="target@example.org")
        assert client.post(path, data=form, environ_base={"REMOTE_ADDR": f"192.0.2.{number}"}).status_code == 302
    session.rollback()
    assert len(session.scalars(sa.select(Booking)).all()) == 4
    to_target = sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.to_address == "target@example.org")
    assert session.scalar(to_target) == 0  # nothing until each person confirms their own address
    for booking in session.scalars(sa.select(Booking)).all():
        confirm_by_email(client, session, booking.email)
    assert session.scalar(to_target) == 2
