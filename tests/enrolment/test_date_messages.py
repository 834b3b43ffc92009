"""Staff email the people on a date: preview and count first, then one email each through the outbox."""

import pytest
import sqlalchemy as sa

from app.core.rules import Refused
from app.database import writing
from app.enrolment.bookings import cancel_booking
from app.enrolment.dates import message_recipients, send_date_message
from app.mail.outbox import send_due
from app.models import Audience, AuditEvent, DateMessage, Role
from tests.factories import booked, details, make_date, make_staff, sign_in
from tests.pages import source


@pytest.fixture
def full_date(session):
    """Two places taken, two waiting, one cancelled."""
    course_date = make_date(session, capacity=2)
    people = {name: booked(session, course_date.id, details(full_name=name)).booking
              for name in ("Ana Place", "Bo Place", "Cai Waiting", "Dee Waiting", "Eli Gone")}  # fmt: skip
    cancel_booking(session, people["Eli Gone"].manage_token)  # left the waiting list
    return course_date, people


@pytest.mark.parametrize(
    ("audience", "names"),
    [
        (Audience.CONFIRMED, {"Ana Place", "Bo Place"}),
        (Audience.WAITING, {"Cai Waiting", "Dee Waiting"}),
        (Audience.EVERYONE, {"Ana Place", "Bo Place", "Cai Waiting", "Dee Waiting"}),
    ],
)
def test_the_message_reaches_exactly_the_chosen_people(session, mail_server, full_date, audience, names):
    course_date, people = full_date
    admin = make_staff(session, name="Jo Admin")
    send_due(session)
    mail_server.messages.clear()
    sent = send_date_message(
        session, course_date.id, subject="Room change for day 2", body="We are in Room 4.\n\nThe lift works.",
        audience=audience, actor=admin,
    )  # fmt: skip
    assert sent.recipients == len(names)
    send_due(session)
    by_address = {m["To"]: m for m in mail_server.messages}
    assert set(by_address) == {people[name].email for name in names}
    message = by_address[people[sorted(names)[0]].email]
    assert message["Subject"].startswith("Room change for day 2 (")
    body = message.get_body(("plain",)).get_content()
    assert f"Dear {sorted(names)[0]}," in body and "We are in Room 4." in body and "Jo Admin" in body
    assert "/bookings/" in body  # their own booking link
    html_part = message.get_body(("html",)).get_content()
    assert "We are in Room 4." in html_part
    # The venue's standing words may contradict the message: only the message speaks of the venue.
    assert "Getting in and around the venue" not in body + html_part
    assert course_date.venue.name in body
    (event,) = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "date message sent")).all()
    assert event.actor == admin.email and f"Emailed {len(names)}" in event.summary


def test_sending_the_same_form_twice_sends_once_and_nobody_is_refused(session, mail_server, full_date):
    course_date, _ = full_date
    admin = make_staff(session)
    send_due(session)
    mail_server.messages.clear()
    for _ in range(2):
        send_date_message(session, course_date.id, subject="Hello", body="Parking is free.",
                          audience=Audience.CONFIRMED, actor=admin, submission_key="k" * 32)  # fmt: skip
    send_due(session)
    assert len(mail_server.messages) == 2
    assert session.scalar(sa.select(sa.func.count(DateMessage.id))) == 1
    empty = make_date(session)
    with pytest.raises(Refused, match="Nobody has a place on this date or is waiting for one"):
        send_date_message(session, empty.id, subject="Hello", body="Hi", audience=Audience.EVERYONE, actor=admin)


def test_someone_who_cancels_before_the_email_goes_does_not_get_it(session, mail_server, full_date):
    course_date, people = full_date
    send_due(session)
    mail_server.messages.clear()
    send_date_message(session, course_date.id, subject="Hello", body="See you soon.", audience=Audience.WAITING,
                      actor=make_staff(session))  # fmt: skip
    cancel_booking(session, people["Dee Waiting"].manage_token)
    send_due(session)
    assert [m["To"] for m in mail_server.messages if m["Subject"].startswith("Hello")] == [people["Cai Waiting"].email]


def test_staff_preview_the_email_and_the_count_before_it_is_sent(client, session, mail_server, full_date):
    course_date, people = full_date
    sign_in(client, make_staff(session, name="Jo Admin"))
    send_due(session)
    mail_server.messages.clear()
    url = f"/admin/dates/{course_date.id}/message"
    form = {"audience": "everyone", "subject": "Bring a pen", "body": "Please bring a pen.\nAnd <b>lunch</b>.",
            "submission_key": "p" * 32}  # fmt: skip
    preview = client.post(url, data=form)
    page = source(preview)
    assert (
        "Check your message" in page and "It goes to <strong>4 people</strong>" in page and "Send to 4 people" in page
    )
    assert "Dear Ana Place," in page and "&lt;b&gt;lunch&lt;/b&gt;" in preview.get_data(as_text=True)
    send_due(session)
    assert mail_server.messages == []  # nothing sent by looking
    changed = source(client.post(url, data=form | {"edit": "yes"}))
    assert "Email the people on this date" in changed and "Bring a pen" in changed
    response = client.post(url, data=form | {"send": "yes"})
    assert response.status_code == 302
    assert "Your message is on its way to 4 people." in source(client.get(response.headers["Location"]))
    send_due(session)
    assert len(mail_server.messages) == 4
    html_part = mail_server.messages[0].get_body(("html",)).get_content()
    assert "<b>lunch</b>" not in html_part and "&lt;b&gt;lunch&lt;/b&gt;" in html_part
    date_page = source(client.get(f"/admin/dates/{course_date.id}"))
    assert "Messages sent" in date_page and "Bring a pen" in date_page and "by Jo Admin" in date_page


def test_the_message_form_explains_each_mistake(client, session, full_date):
    course_date, _ = full_date
    sign_in(client, make_staff(session))
    url = f"/admin/dates/{course_date.id}/message"
    page = source(client.post(url, data={"audience": "nobody", "subject": "", "body": "x" * 5001}))
    for error in ("Select who the message is for", "Enter a subject", "The message must be 5000 characters or fewer"):
        assert error in page
    assert source(client.post(url, data={"audience": "everyone", "subject": "Hi\x00", "body": "Hi"})).count(
        "must only include letters"
    )


def test_a_trainer_messages_their_own_dates_only(client, session, full_date):
    course_date, _ = full_date
    other = make_date(session, days_from_now=50)
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        course_date.trainers.append(trainer)
    sign_in(client, trainer)
    assert client.get(f"/admin/dates/{course_date.id}/message").status_code == 200
    assert client.get(f"/admin/dates/{other.id}/message").status_code == 403
    assert len(message_recipients(session, course_date.id, Audience.EVERYONE)) == 4
