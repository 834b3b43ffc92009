"""Someone who has done the course already is told so when they try to book it again, before any place is
taken, and the training team sees it in the audit log. Staff can still book them, knowingly."""

import sqlalchemy as sa

from app.after_course.register import mark_attendance
from app.enrolment.bookings import book_place
from app.mail.outbox import send_due
from app.models import AttendanceMark, AuditEvent, Booking
from tests.factories import begin_course, booked, booking_form, details, make_course, make_date, make_staff

A, X = AttendanceMark.ATTENDED, AttendanceMark.ABSENT


def finished_with(session, course, email: str, marks) -> Booking:
    course_date = make_date(session, course=course)
    booking = booked(session, course_date.id, details(email=email, full_name="Dee Done")).booking
    begin_course(session, course_date, days_ago=10)
    admin = make_staff(session)
    for day, mark in zip(course_date.days, marks, strict=True):
        mark_attendance(session, day.id, {booking.id: mark}, actor=admin)
    return booking


def test_someone_who_completed_the_course_is_told_and_no_place_is_taken(client, session, mail_server):
    course = make_course(session)
    done = finished_with(session, course, "dee@example.org", [A, A])
    later = make_date(session, course=course, days_from_now=30, capacity=5)
    send_due(session)
    mail_server.messages.clear()
    answer = client.post(f"/dates/{later.id}/book", data=booking_form(email="Dee@Example.org"))
    assert answer.status_code == 302 and answer.location.endswith("/bookings/check-your-email")
    session.rollback()
    assert session.scalars(sa.select(Booking).where(Booking.course_date_id == later.id)).all() == []
    send_due(session)
    (told,) = mail_server.inbox.to("dee@example.org")
    assert told["Subject"].startswith("You have done this course: ")
    body = told.get_body(("plain",)).get_content()
    assert "Our register shows you completed it on" in body and "we have not booked a place" in body
    assert done.reference in body and done.manage_token in body
    (event,) = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "booking refused: done already"))
    assert event.actor == "someone using the booking form" and done.reference in event.summary


def test_someone_who_missed_a_day_can_book_again_and_staff_can_book_anyone(session):
    course = make_course(session)
    finished_with(session, course, "part@example.org", [A, X])
    finished_with(session, course, "done@example.org", [A, A])
    later = make_date(session, course=course, days_from_now=30, capacity=5)
    assert booked(session, later.id, details(email="part@example.org")).booking.course_date_id == later.id
    again = book_place(session, later.id, details(email="done@example.org"), actor=make_staff(session))
    assert again.created
