"""People absent on a day are offered the next dates once (and their manager told); the team sees them."""

import pytest

from app.after_course.follow_up import queue_follow_ups, repeat_absences
from app.after_course.register import mark_attendance
from app.database import utcnow
from app.mail.outbox import send_due
from app.models import AttendanceMark
from tests.factories import begin_course, booked, details, make_date, make_staff, sign_in
from tests.pages import words

A, X = AttendanceMark.ATTENDED, AttendanceMark.ABSENT


@pytest.fixture
def ended(session):
    """A course that ended yesterday, another date of it to come, and one person who missed day 2."""
    course_date = make_date(session)
    next_date = make_date(session, course=course_date.course, days_from_now=40)
    came = booked(session, course_date.id, details(full_name="Cai Came")).booking
    gone = booked(session, course_date.id, details(full_name="Mo Missed", manager_email="boss@example.org")).booking
    begin_course(session, course_date, days_ago=2)
    admin = make_staff(session)
    mark_attendance(session, course_date.days[0].id, {came.id: A, gone.id: A}, actor=admin)
    mark_attendance(session, course_date.days[1].id, {came.id: A, gone.id: X}, actor=admin)
    return course_date, next_date, came, gone


def test_someone_absent_on_a_day_is_offered_the_next_dates_once_and_their_manager_told(
    app, session, mail_server, ended, monkeypatch
):
    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    course_date, next_date, came, gone = ended
    send_due(session)
    mail_server.messages.clear()
    assert queue_follow_ups(session, utcnow(), delay_days=1) == 1
    assert queue_follow_ups(session, utcnow(), delay_days=1) == 0
    send_due(session)
    (to_person,) = mail_server.inbox.to(gone.email)
    assert to_person["Subject"].startswith("You missed some of the course: ")
    body = to_person.get_body(("plain",)).get_content()
    assert "did not come to all of it" in body and next_date.venue.name in body and "places left" in body
    (to_manager,) = mail_server.inbox.to("boss@example.org")
    manager_body = to_manager.get_body(("plain",)).get_content()
    assert f"{gone.email} did not come to all of the" in manager_body and "book another date" in manager_body
    assert "Mo Missed" not in manager_body
    assert mail_server.inbox.to(came.email) == []


def test_not_before_the_day_after_the_course(session, mail_server, ended):
    assert queue_follow_ups(session, utcnow(), delay_days=3) == 0


def test_the_date_page_lists_them_and_repeat_absences_are_found(client, session, ended):
    course_date, next_date, came, gone = ended
    sign_in(client, make_staff(session))
    page = words(client.get(f"/admin/dates/{course_date.id}"))
    assert (
        "Did not come to every day (1)" in page
        and "Mo Missed, Carlisle children's social care: absent on day 2" in page
    )
    assert repeat_absences(session) == []
    again = booked(session, next_date.id, details(full_name="Mo Missed", email=gone.email)).booking
    begin_course(session, next_date, days_ago=1)
    mark_attendance(session, next_date.days[0].id, {again.id: X}, actor=make_staff(session))
    (person,) = repeat_absences(session)
    assert (person.email_key, person.times) == (gone.email, 2)
    listed = words(client.get("/admin/absences"))
    assert "Mo Missed" in listed and "2 times" in listed
