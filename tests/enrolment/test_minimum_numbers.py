"""Minimum numbers: a date may say the fewest people it needs to run. The training team is told, once, a few
weeks before when fewer have a place, and can cancel it moving everyone to another date in one step."""

from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.enrolment.dates import DateRuleBroken, cancel_date, set_capacity
from app.enrolment.reminders import queue_below_minimum
from app.mail.outbox import send_due
from app.models import AuditEvent, Booking, BookingStatus, CourseDate, DateStatus
from tests.factories import booked, details, make_course, make_date, make_staff
from tests.mail_server import calendar_part

TEAM = "SignsOfSafety@cumbria.gov.uk"


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_fewest_needed_is_set_with_the_places_and_never_above_them(session):
    admin = make_staff(session)
    course_date = make_date(session, capacity=12)
    with pytest.raises(DateRuleBroken, match="no more than the places \\(12\\)") as refused:
        set_capacity(session, course_date.id, 12, minimum=13, actor=admin)
    assert refused.value.field == "minimum"
    set_capacity(session, course_date.id, 12, minimum=8, actor=admin)
    with pytest.raises(DateRuleBroken, match="no more than the places \\(6\\)"):
        set_capacity(session, course_date.id, 6, actor=admin)  # fewer places than the fewest needed
    session.rollback()
    assert session.get(CourseDate, course_date.id).minimum_places == 8
    summary = session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "capacity changed"))
    assert summary.endswith("fewest needed set to 8")
    set_capacity(session, course_date.id, 12, minimum=None, actor=admin)
    session.rollback()
    assert session.get(CourseDate, course_date.id).minimum_places is None


def test_the_team_is_told_once_weeks_before_when_too_few_have_a_place(app, session, mail_server):
    soon = make_date(session, days_from_now=20)
    later = make_date(session, days_from_now=40)
    full_enough = make_date(session, days_from_now=15)
    admin = make_staff(session)
    for course_date, minimum in ((soon, 4), (later, 4), (full_enough, 1)):
        set_capacity(session, course_date.id, course_date.capacity, minimum=minimum, actor=admin)
    booked(session, soon.id, details())
    booked(session, full_enough.id, details())
    send_due(session)
    mail_server.messages.clear()

    assert queue_below_minimum(session, utcnow(), app.config["MINIMUM_NUMBERS_DAYS"]) == 1
    assert queue_below_minimum(session, utcnow(), app.config["MINIMUM_NUMBERS_DAYS"]) == 0  # once for a date
    send_due(session)
    (told,) = mail_server.inbox.to(TEAM)
    assert told["Subject"].startswith("Fewer people than needed: ")
    body = text(told)
    assert "1 place is taken, and the date needs at least 4: 3 more. It starts in 20 days." in body
    assert f"/admin/dates/{soon.id}/cancel" in body
    # Later dates are told when they come within the time; a date with enough people is never told.
    assert queue_below_minimum(session, utcnow() + timedelta(days=20), app.config["MINIMUM_NUMBERS_DAYS"]) == 1


def test_a_warning_is_not_sent_if_enough_people_book_before_it_goes(app, session, mail_server):
    course_date = make_date(session, days_from_now=10)
    set_capacity(session, course_date.id, 20, minimum=1, actor=make_staff(session))
    queue_below_minimum(session, utcnow(), app.config["MINIMUM_NUMBERS_DAYS"])
    booked(session, course_date.id, details())
    send_due(session)
    assert mail_server.inbox.to(TEAM) == []


def test_cancelling_moves_everyone_to_another_date_with_their_calendars_changed(session, mail_server):
    course = make_course(session)
    too_few = make_date(session, course=course, capacity=3, days_from_now=20)
    other = make_date(session, course=course, capacity=10, days_from_now=50)
    people = [booked(session, too_few.id, details(email=f"p{n}@example.org")).booking for n in range(4)]
    had_place = {p.email: p.status == BookingStatus.CONFIRMED for p in people}
    assert list(had_place.values()) == [True, True, True, False]
    booked(session, other.id, details(email="already@example.org"))
    send_due(session)
    mail_server.messages.clear()
    admin = make_staff(session)

    told = cancel_date(session, too_few.id, "Too few people booked.", move_to=other.id, actor=admin)
    assert told == 4
    session.rollback()
    assert session.get(CourseDate, too_few.id).status == DateStatus.CANCELLED
    moved = session.scalars(sa.select(Booking).where(Booking.id.in_([p.id for p in people]))).all()
    assert {(b.course_date_id, b.status) for b in moved} == {(other.id, BookingStatus.CONFIRMED)}
    assert session.get(CourseDate, other.id).places_taken == 5
    send_due(session)
    for person in people:
        emails = mail_server.inbox.to(person.email)
        moved_email = next(m for m in emails if m["Subject"].startswith("Moved by the training team: "))
        assert "the training team has cancelled" in text(moved_email)
        assert "Why: Too few people booked." in text(moved_email)
        # Their calendar loses the old date and gains the new one.
        invites = [icalendar.Calendar.from_ical(calendar_part(m).get_content()) for m in emails if calendar_part(m)]
        changes = sorted((str(i["METHOD"]), i.walk("VEVENT")[0].decoded("DTSTART").date()) for i in invites)
        old, new = too_few.days[0].day, other.days[0].day
        assert changes == ([("CANCEL", old)] if had_place[person.email] else []) + [("REQUEST", new)], person.email
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("booking moved") == 4 and actions[-1] == "date cancelled"


def test_moving_everyone_is_refused_when_the_other_date_has_no_room_and_nothing_changes(session):
    course = make_course(session)
    too_few = make_date(session, course=course, capacity=3, days_from_now=20)
    small = make_date(session, course=course, capacity=2, days_from_now=50)
    for n in range(3):
        booked(session, too_few.id, details(email=f"q{n}@example.org"))
    with pytest.raises(DateRuleBroken, match="no room for everyone") as refused:
        cancel_date(session, too_few.id, "Too few.", move_to=small.id, actor=None)
    assert refused.value.field == "move_to"
    session.rollback()
    assert session.get(CourseDate, too_few.id).status == DateStatus.PUBLISHED
    assert session.get(CourseDate, small.id).places_taken == 0


def test_the_team_sets_the_fewest_needed_sees_the_shortfall_and_moves_everyone(client, session, staff):
    admin = make_staff(session, email="ada@example.org")
    staff.sign_in(admin.email)
    course = make_course(session)
    too_few = make_date(session, course=course, capacity=10, days_from_now=20)
    roomy = make_date(session, course=course, capacity=10, days_from_now=50)
    make_date(session, course=course, capacity=1, days_from_now=60)  # no room for both
    for n in range(2):
        booked(session, too_few.id, details(email=f"r{n}@example.org"))

    wrong = client.post(f"/admin/dates/{too_few.id}/capacity", data={"capacity": "10", "minimum": "11"})
    assert "The fewest people needed must be at least 1 and no more than the places (10)" in wrong.text
    assert (
        client.post(f"/admin/dates/{too_few.id}/capacity", data={"capacity": "10", "minimum": "6"}).status_code == 302
    )
    page = client.get(f"/admin/dates/{too_few.id}").text
    assert "Needs at least <strong>6</strong> to run: <strong>4 more needed</strong>" in page

    form = client.get(f"/admin/dates/{too_few.id}/cancel").text
    assert form.count('name="what_happens"') == 2  # cancel their bookings, or the one date with room for both
    assert f'value="{roomy.id}"' in form
    answers = {"reason": "Too few people booked.", "what_happens": str(roomy.id)}
    check = client.post(f"/admin/dates/{too_few.id}/cancel", data=answers).text
    assert "Cancel the date and move 2 people" in check and "Moved by the training team: " in check
    done = client.post(f"/admin/dates/{too_few.id}/cancel", data={**answers, "cancel": "yes"}, follow_redirects=True)
    assert "2 people booked or waiting have been told. They have been moved to" in done.text
    session.rollback()
    assert session.get(CourseDate, roomy.id).places_taken == 2
