"""Feedback the Signs of Safety way: asked once of everyone who came, one reminder, one response each."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.after_course.feedback import CannotGiveFeedback, FeedbackAnswers, queue_feedback_requests, save_feedback
from app.after_course.register import mark_attendance
from app.enrolment.dates import close_feedback
from app.mail.outbox import send_due
from app.models import AttendanceMark, Feedback
from app.personal_data.retention import purge
from tests.factories import begin_course, booked, details, make_date, make_staff, sign_in
from tests.pages import words

A, L, X = AttendanceMark.ATTENDED, AttendanceMark.LEFT_EARLY, AttendanceMark.ABSENT


def answers(**overrides) -> FeedbackAnswers:
    values = {"worked_well": "The scaling questions.", "worries": "Too little time for the mapping.",
              "next_steps": "Practise with my team.", "confidence_before": 3, "confidence_after": 7,
              "may_quote": True, "quote_with_name": False} | overrides  # fmt: skip
    return FeedbackAnswers(**values)


@pytest.fixture
def finished(session):
    """A course that ended yesterday: one came both days, one left early on day 2, one never came."""
    course_date = make_date(session)
    people = {name: booked(session, course_date.id, details(full_name=name)).booking
              for name in ("Cai Came", "Liz Left", "Abe Absent")}  # fmt: skip
    begin_course(session, course_date, days_ago=2)
    admin = make_staff(session)
    day_one, day_two = course_date.days
    mark_attendance(session, day_one.id, {people["Cai Came"].id: A, people["Liz Left"].id: A,
                                          people["Abe Absent"].id: X}, actor=admin)  # fmt: skip
    mark_attendance(session, day_two.id, {people["Cai Came"].id: A, people["Liz Left"].id: L,
                                          people["Abe Absent"].id: X}, actor=admin)  # fmt: skip
    return course_date, people


def test_the_feedback_email_goes_only_to_people_who_came_and_only_once(session, mail_server, finished):
    course_date, people = finished
    send_due(session)
    mail_server.messages.clear()
    now = datetime.now(UTC)
    assert queue_feedback_requests(session, now, delay_days=1, reminder_days=7) == 2
    assert queue_feedback_requests(session, now, delay_days=1, reminder_days=7) == 0  # again: nothing more
    send_due(session)
    assert sorted(m["To"] for m in mail_server.messages) == sorted([people["Cai Came"].email, people["Liz Left"].email])
    message = mail_server.messages[0]
    assert message["Subject"].startswith("Tell us what you thought: ")
    body = message.get_body(("plain",)).get_content()
    assert "/feedback" in body and "what worked well for you" in body


def test_not_before_the_delay_after_the_last_day(session, mail_server, finished):
    assert queue_feedback_requests(session, datetime.now(UTC), delay_days=3, reminder_days=7) == 0


def test_one_reminder_a_week_later_only_to_those_who_have_not_answered(session, mail_server, finished):
    course_date, people = finished
    now = datetime.now(UTC)
    queue_feedback_requests(session, now, delay_days=1, reminder_days=7)
    save_feedback(session, people["Cai Came"].id, answers())
    send_due(session)
    mail_server.messages.clear()
    later = now + timedelta(days=8)
    assert queue_feedback_requests(session, later, delay_days=1, reminder_days=7) == 1
    assert queue_feedback_requests(session, later + timedelta(days=1), delay_days=1, reminder_days=7) == 0
    send_due(session)
    (reminder,) = mail_server.messages
    assert reminder["To"] == people["Liz Left"].email and "A reminder" in reminder["Subject"]


def test_a_first_response_is_thanked_and_can_be_changed_until_feedback_closes(session, mail_server, finished):
    course_date, people = finished
    cai = people["Cai Came"]
    send_due(session)
    mail_server.messages.clear()
    _, first = save_feedback(session, cai.id, answers())
    _, again = save_feedback(session, cai.id, answers(confidence_after=9, may_quote=False, quote_with_name=True))
    assert (first, again) == (True, False)
    session.rollback()
    (stored,) = session.scalars(sa.select(Feedback)).all()
    assert (stored.confidence_after, stored.may_quote, stored.quote_with_name) == (9, False, False)
    send_due(session)
    assert [m["Subject"].split(":")[0] for m in mail_server.messages] == [
        "Your certificate of attendance, and thank you for your feedback"
    ]
    close_feedback(session, course_date.id, actor=make_staff(session))
    with pytest.raises(CannotGiveFeedback, match="closed"):
        save_feedback(session, cai.id, answers())


def test_people_who_did_not_come_cannot_give_feedback_nor_before_the_last_day(session, finished):
    course_date, people = finished
    with pytest.raises(CannotGiveFeedback, match="did not come"):
        save_feedback(session, people["Abe Absent"].id, answers())
    early = make_date(session, days_from_now=10)
    booking = booked(session, early.id, details()).booking
    with pytest.raises(CannotGiveFeedback, match="on the last day of the course"):
        save_feedback(session, booking.id, answers())
    with pytest.raises(CannotGiveFeedback, match="0 to 10"):
        save_feedback(session, people["Cai Came"].id, answers(confidence_before=11))


def test_the_form_asks_the_three_questions_and_the_scale_as_radios(client, session, finished):
    course_date, people = finished
    url = f"/bookings/{people['Liz Left'].manage_token}/feedback"
    page = client.get(url).get_data(as_text=True)
    for question in ("What worked well for you on the course?",
                     "What are you worried about, or what did not work for you?",
                     "What needs to happen next, for you or for the course?",
                     "Where were you before the course?", "Where are you now?",
                     "May we quote what you wrote?"):  # fmt: skip
        assert question in html.unescape(page)
    assert page.count('type="radio" value="10"') == 2 and page.count('name="confidence_before"') == 11
    refused = client.post(url, data={"worked_well": "x" * 3001, "confidence_after": "12"})
    shown = words(refused)
    assert refused.status_code == 200
    for error in ("Choose where you were before the course, from 0 to 10", "Choose a number from 0 to 10",
                  "must be 3000 characters or fewer", "Say whether we may quote what you wrote"):  # fmt: skip
        assert error in shown
    response = client.post(url, data={"worked_well": "Hearing what families say.", "confidence_before": "2",
                                      "confidence_after": "8", "quote": "with_name"})  # fmt: skip
    assert response.status_code == 302
    assert "Thank you. We have your feedback." in words(client.get(response.headers["Location"]))
    again = client.get(url).get_data(as_text=True)
    assert "Hearing what families say." in again and 'value="8" checked' in again
    assert "Change your feedback" in words(client.get(f"/bookings/{people['Liz Left'].manage_token}"))
    absent = client.get(f"/bookings/{people['Abe Absent'].manage_token}/feedback")
    assert "did not come to the course" in words(absent) and "Send my feedback" not in words(absent)
    assert client.post(f"/bookings/{people['Abe Absent'].manage_token}/feedback", data={}).status_code == 409


def test_staff_see_how_many_gave_feedback_and_close_it(client, session, finished):
    course_date, people = finished
    save_feedback(session, people["Cai Came"].id, answers())
    sign_in(client, make_staff(session))
    page = words(client.get(f"/admin/dates/{course_date.id}"))
    assert "1 of the 2 people who came has given feedback." in page
    response = client.post(f"/admin/dates/{course_date.id}/feedback/close")
    assert "Feedback for this date is closed." in words(client.get(response.headers["Location"]))
    assert "Feedback closed" in words(client.get(f"/admin/dates/{course_date.id}"))


def test_the_purge_keeps_the_scores_and_removes_the_words(session, finished):
    course_date, people = finished
    save_feedback(session, people["Cai Came"].id, answers())
    later = datetime.now(UTC) + timedelta(days=800)
    purge(session, later, access_needs_days=30, anonymise_months=24)
    session.rollback()
    (kept,) = session.scalars(sa.select(Feedback)).all()
    assert (kept.worked_well, kept.worries, kept.next_steps, kept.may_quote) == ("", "", "", False)
    assert (kept.confidence_before, kept.confidence_after) == (3, 7)
