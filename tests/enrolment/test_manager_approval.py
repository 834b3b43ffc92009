"""The manager loop: on a course that needs it, the person's line manager agrees by a signed link that works
once and expires; the place is kept meanwhile, the manager is reminded once, an unanswered request is
released after the working days allowed, and the person is told each step."""

import re
from datetime import UTC, datetime, timedelta

import icalendar
import sqlalchemy as sa

from app.database import utcnow
from app.enrolment.approvals import chase, working_days_after
from app.enrolment.reminders import queue_reminders
from app.mail.outbox import send_due
from app.models import LONDON, Approval, AuditEvent, Booking, BookingStatus, CourseDate
from tests.factories import booked, details, make_course, make_date, make_staff
from tests.mail_server import calendar_part

MANAGER = "morgan.manager@example.org"


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def approval_date(session, **options) -> CourseDate:
    return make_date(session, course=make_course(session, manager_approval=True), **options)


def link_in(message) -> str:
    return re.search(r"http://training\.example\.test(/approval/\S+)", text(message)).group(1)


def test_the_manager_is_asked_and_their_yes_makes_the_place_the_persons(client, session, mail_server):
    course_date = approval_date(session)
    booking = booked(session, course_date.id, details(manager_email=MANAGER)).booking
    send_due(session)
    (asked,) = mail_server.inbox.to(MANAGER)
    assert asked["Subject"].startswith("Please answer: can your colleague come to training?")
    assert booking.email in text(asked) and booking.full_name not in text(asked)  # only our words and their address
    (pending,) = mail_server.inbox.to(booking.email)
    assert pending["Subject"].startswith("Waiting for your manager")
    assert calendar_part(pending) is None  # nothing for their calendar until it is theirs
    assert "We have emailed them at morgan.manager@example.org to ask" in text(pending)
    page = client.get(f"/bookings/{booking.manage_token}").text
    assert "Waiting for your line manager to agree" in page
    mail_server.messages.clear()

    link = link_in(asked)
    question = client.get(link)
    assert question.status_code == 200 and "Can your colleague come to training?" in question.text
    session.rollback()
    assert session.get(Booking, booking.id).approval == Approval.WAITING  # opening the link changes nothing
    answered = client.post(link, data={"answer": "yes"})
    assert "You agreed that" in answered.text
    send_due(session)
    (booked_email,) = mail_server.inbox.to(booking.email)
    assert booked_email["Subject"].startswith("Booked: ")
    assert "Your line manager has agreed. Your place is booked." in text(booked_email)
    invite = icalendar.Calendar.from_ical(calendar_part(booked_email).get_content())
    assert str(invite["METHOD"]) == "REQUEST"
    # The link works once.
    assert client.get(link).status_code == 404
    assert client.post(link, data={"answer": "no"}).status_code == 404
    session.rollback()
    assert session.get(Booking, booking.id).status == BookingStatus.CONFIRMED
    assert "manager agreed" in session.scalars(sa.select(AuditEvent.action)).all()


def test_a_no_releases_the_place_to_the_waiting_list_and_tells_the_person(client, session, mail_server):
    course_date = approval_date(session, capacity=1)
    asking = booked(session, course_date.id, details(manager_email=MANAGER)).booking
    next_in_line = booked(session, course_date.id, details(manager_email="")).booking  # no manager: no approval
    send_due(session)
    link = link_in(mail_server.inbox.to(MANAGER)[0])
    mail_server.messages.clear()
    assert "We have cancelled their booking" in client.post(link, data={"answer": "no"}).text
    send_due(session)
    (refused,) = mail_server.inbox.to(asking.email)
    assert refused["Subject"].startswith("Your manager did not agree: ")
    assert "your booking is cancelled and the place has gone to someone else" in text(refused)
    subjects = [m["Subject"].split(":")[0] for m in mail_server.inbox.to(next_in_line.email)]
    assert subjects == ["A place came free, you are booked"]
    session.rollback()
    assert session.get(Booking, asking.id).status == BookingStatus.CANCELLED
    assert session.get(Booking, next_in_line.id).status == BookingStatus.CONFIRMED


def test_an_unanswered_request_is_chased_once_then_released(session, mail_server):
    course_date = approval_date(session, days_from_now=40)
    booking = booked(session, course_date.id, details(manager_email=MANAGER)).booking
    send_due(session)
    mail_server.messages.clear()
    asked_at, due = booking.approval_asked_at, booking.approval_due_at
    assert chase(session, asked_at + timedelta(hours=1)) == 0
    halfway = asked_at + (due - asked_at) / 2
    assert chase(session, halfway) == 1 and chase(session, halfway + timedelta(hours=1)) == 0  # one reminder
    send_due(session)
    (reminder,) = mail_server.inbox.to(MANAGER)
    assert reminder["Subject"].startswith("Reminder: please answer")
    assert "This is a reminder: we have not had your answer yet." in text(reminder)
    mail_server.messages.clear()

    assert chase(session, due) == 1
    send_due(session, now=due)
    (released,) = mail_server.inbox.to(booking.email)
    assert released["Subject"].startswith("Your manager did not answer: ")
    session.rollback()
    kept = session.get(Booking, booking.id)
    assert (kept.status, kept.approval, kept.approval_nonce) == (BookingStatus.CANCELLED, Approval.NOT_ANSWERED, None)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "manager did not answer")).one()
    assert event.actor == "the email worker, on schedule"


def test_a_tampered_or_made_up_link_shows_a_plain_page(client, session, mail_server):
    course_date = approval_date(session)
    booked(session, course_date.id, details(manager_email=MANAGER))
    send_due(session)
    link = link_in(mail_server.inbox.to(MANAGER)[0])
    for wrong in (link[:-2] + "xx", "/approval/not-a-token", "/approval/" + "a" * 300):
        response = client.get(wrong)
        assert response.status_code == 404 and "This link no longer works" in response.text
    assert client.post(link, data={"answer": "maybe"}).status_code == 400


def test_staff_bookings_and_courses_without_it_need_no_agreement(session, mail_server):
    course_date = approval_date(session)
    staff_booked = booked(session, course_date.id, details(manager_email=MANAGER), actor=make_staff(session)).booking
    plain = booked(session, make_date(session).id, details(manager_email=MANAGER)).booking
    send_due(session)
    session.rollback()
    assert session.get(Booking, staff_booked.id).approval == Approval.NOT_NEEDED
    assert session.get(Booking, plain.id).approval == Approval.NOT_NEEDED
    assert all(not m["Subject"].startswith("Please answer") for m in mail_server.inbox.to(MANAGER))


def test_no_reminder_before_the_course_while_the_manager_has_not_agreed(session, mail_server):
    course_date = approval_date(session, days_from_now=2)
    booked(session, course_date.id, details(manager_email=MANAGER))
    assert queue_reminders(session, utcnow(), [7, 3]) == 0


def test_the_time_to_answer_counts_working_days():
    friday_afternoon = datetime(2027, 3, 5, 15, tzinfo=UTC)
    assert working_days_after(friday_afternoon, 5) == datetime(2027, 3, 12, 17, tzinfo=LONDON)
    saturday = datetime(2027, 3, 6, 10, tzinfo=UTC)
    assert working_days_after(saturday, 1) == datetime(2027, 3, 8, 17, tzinfo=LONDON)
