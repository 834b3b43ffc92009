"""Sending a colleague instead: the place passes straight to them (never to the waiting list), the old booking
and its calendar entry are cancelled, the colleague confirms their address before anything they were named
with is emailed to them, their needs are asked afresh, and a hold nobody confirms goes to the waiting list."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.enrolment.bookings import book_place, check_email, release_holds
from app.enrolment.colleagues import book_colleagues, send_colleague
from app.enrolment.refusals import AlreadyBooked, CannotChange, DateFull, NotAllowed
from app.mail.outbox import send_due
from app.models import AuditEvent, Booking, BookingStatus, CalendarEntry, CourseDate, OutboxMessage
from tests.factories import begin_course, booked, details, make_date, make_staff

# What the person sending a colleague types about them: none of it may reach the colleague's address before
# the colleague has confirmed it.
TYPED = dict(full_name="Click evil-login now", job_title="Your account is locked", organisation="Urgent IT desk",
             manager_name="Pay the invoice", manager_email="their.manager@example.org")  # fmt: skip


def kinds(session) -> list[tuple[str, str]]:
    session.rollback()
    return [(m.kind, m.to_address) for m in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


def test_the_place_passes_straight_to_the_colleague_not_to_the_waiting_list(session):
    course_date = make_date(session, capacity=1)
    mine = booked(session, course_date.id, details(email="me@example.org", access_details="A quiet room")).booking
    waiting = booked(session, course_date.id, details(email="waiting@example.org")).booking
    before = len(kinds(session))

    theirs = send_colleague(session, mine.manage_token, details(email="colleague@example.org", **TYPED))

    session.rollback()
    assert session.get(Booking, mine.id).status == BookingStatus.CANCELLED
    assert session.get(Booking, waiting.id).status == BookingStatus.WAITING  # still waiting: no place came free
    colleague = session.get(Booking, theirs.id)
    assert colleague.status == BookingStatus.CONFIRMED and colleague.course_date_id == course_date.id
    assert colleague.reference != mine.reference and colleague.manage_token != mine.manage_token
    assert colleague.access_needs == [] and colleague.access_details == ""  # asked afresh
    assert session.get(CourseDate, course_date.id).places_taken == 1
    sent = kinds(session)[before:]
    assert ("booking_cancelled", "me@example.org") in sent
    assert [to for kind, to in sent if to == "colleague@example.org"] == ["colleague@example.org"]
    assert ("booking_check", "colleague@example.org") in sent
    assert not any(to == "waiting@example.org" for _kind, to in sent)


def test_only_our_own_words_reach_the_colleague_until_they_confirm_then_their_invite(session, mail_server):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details(email="me@example.org")).booking
    theirs = send_colleague(session, mine.manage_token, details(email="colleague@example.org", **TYPED))
    send_due(session)
    to_colleague = [m for m in mail_server.messages if m["To"] == "colleague@example.org"]
    (check,) = to_colleague
    whole = check.as_string() + check.get_body(("plain",)).get_content() + check.get_body(("html",)).get_content()
    for typed in TYPED.values():
        assert typed not in whole
    assert "text/calendar" not in whole and f"/bookings/{theirs.manage_token}" in whole
    plain = check.get_body(("plain",)).get_content()
    assert "A colleague booked a place for you" in plain and "If you do not want the place" in plain
    assert f":\nhttp://training.example.test/bookings/{theirs.manage_token}\n" in plain  # the link on a line of its own

    check_email(session, theirs.manage_token)
    send_due(session)
    confirmed = [m for m in mail_server.messages if m["To"] == "colleague@example.org"][1]
    assert confirmed["Subject"].startswith("Booked:")
    assert any(part.get_content_type() == "text/calendar" for part in confirmed.walk())


def test_the_person_who_handed_on_their_place_has_their_calendar_entry_cancelled(session, mail_server):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details(email="me@example.org")).booking
    send_due(session)
    send_colleague(session, mine.manage_token, details(email="colleague@example.org"))
    send_due(session)
    cancelled = [m for m in mail_server.messages if m["To"] == "me@example.org"][-1]
    assert cancelled["Subject"].startswith("Place passed on:")
    text = cancelled.get_body(("plain",)).get_content()
    assert "Your place has passed to the colleague you named." in text
    ics = next(part for part in cancelled.walk() if part.get_content_type() == "text/calendar")
    assert "METHOD:CANCEL" in ics.get_content()
    session.rollback()
    assert not any(entry.is_active for entry in session.scalars(sa.select(CalendarEntry)))


def test_a_colleague_who_never_confirms_loses_the_place_to_the_waiting_list(session):
    course_date = make_date(session, capacity=1)
    mine = booked(session, course_date.id, details(email="me@example.org")).booking
    waiting = booked(session, course_date.id, details(email="waiting@example.org")).booking
    theirs = send_colleague(session, mine.manage_token, details(email="colleague@example.org"))
    assert release_holds(session, theirs.hold_until + timedelta(seconds=1)) == 1
    session.rollback()
    assert session.get(Booking, theirs.id).status == BookingStatus.CANCELLED
    assert session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED
    assert ("place_offered", "waiting@example.org") in kinds(session)


def test_refused_once_the_course_has_started(session):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details()).booking
    begin_course(session, course_date)
    with pytest.raises(CannotChange, match="already started"):
        send_colleague(session, mine.manage_token, details())
    session.rollback()
    assert session.get(Booking, mine.id).status == BookingStatus.CONFIRMED


def test_refused_when_the_colleague_already_has_a_booking_for_this_course(session):
    course_date = make_date(session)
    other_date = make_date(session, course=course_date.course, days_from_now=40)
    mine = booked(session, course_date.id, details()).booking
    booked(session, other_date.id, details(email="Colleague+x@Example.org"))
    with pytest.raises(AlreadyBooked, match="already has a booking for this course"):
        send_colleague(session, mine.manage_token, details(email="colleague@example.org"))
    with pytest.raises(AlreadyBooked):  # nor can someone name themselves
        send_colleague(session, mine.manage_token, details(email=mine.email))
    session.rollback()
    assert session.get(Booking, mine.id).status == BookingStatus.CONFIRMED
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 2


def test_a_place_not_yet_confirmed_or_a_waiting_place_cannot_be_handed_on(session):
    course_date = make_date(session, capacity=1)
    hold = book_place(session, course_date.id, details()).booking
    waiting = booked(session, course_date.id, details()).booking
    with pytest.raises(CannotChange, match="Confirm this booking"):
        send_colleague(session, hold.manage_token, details())
    with pytest.raises(CannotChange, match="Only a booking with a place"):
        send_colleague(session, waiting.manage_token, details())


def test_staff_vouch_for_the_colleague_and_the_hand_over_is_audited(session):
    admin = make_staff(session, email="ada@example.org")
    course_date = make_date(session)
    mine = booked(session, course_date.id, details()).booking
    theirs = send_colleague(session, mine.manage_token, details(email="colleague@example.org"), actor=admin)
    session.rollback()
    assert session.get(Booking, theirs.id).email_checked
    assert ("place_confirmed", "colleague@example.org") in kinds(session)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "place passed on")).one()
    assert event.actor == "ada@example.org" and event.subject_id == theirs.id
    assert mine.reference in event.summary and theirs.reference in event.summary


def test_the_person_handing_on_by_their_link_is_named_in_the_audit_log(session):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details()).booking
    send_colleague(session, mine.manage_token, details(), now=utcnow())
    session.rollback()
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "place passed on")).one()
    assert event.actor == "the person booked, by their booking link"


# Booking for colleagues.


def test_a_team_leader_books_colleagues_each_with_their_own_hold_and_check_email(session):
    course_date = make_date(session, capacity=3)
    team = [details(email=f"team{n}@example.org", **TYPED) for n in range(2)]
    result = book_colleagues(session, course_date.id, team, submission_key="k" * 20)
    session.rollback()
    made = [session.get(Booking, booking.id) for booking in result.made]
    assert [b.email for b in made] == ["team0@example.org", "team1@example.org"]
    assert all(b.is_hold and b.status == BookingStatus.CONFIRMED for b in made)
    assert len({b.manage_token for b in made}) == 2
    leader = team[0].manager_email
    assert kinds(session) == [
        ("booking_check", "team0@example.org"),
        ("booking_check", "team1@example.org"),
        ("team_booked", leader),  # the leader's copy: how many, for which date, in our words
    ]
    assert session.get(CourseDate, course_date.id).places_taken == 2
    again = book_colleagues(session, course_date.id, team, submission_key="k" * 20)  # the form sent twice
    assert not again.created and session.get(CourseDate, course_date.id).places_taken == 2


def test_not_enough_places_for_the_whole_team_books_nobody(session):
    course_date = make_date(session, capacity=2)
    with pytest.raises(DateFull, match="This date has 2 places left, not enough for 3 colleagues"):
        book_colleagues(session, course_date.id, [details() for _ in range(3)])
    session.rollback()
    assert session.get(CourseDate, course_date.id).places_taken == 0
    assert kinds(session) == []


def test_a_colleague_already_booked_keeps_their_booking_and_is_not_booked_again(session):
    course_date = make_date(session, capacity=5)
    existing = booked(session, course_date.id, details(email="already@example.org")).booking
    result = book_colleagues(session, course_date.id, [details(email="Already@example.org"), details()])
    assert result.already == [existing.id] and len(result.made) == 1


def test_one_address_for_many_people_and_more_than_ten_are_refused(session):
    course_date = make_date(session)
    with pytest.raises(NotAllowed, match="Each colleague needs their own email address"):
        book_colleagues(session, course_date.id, [details(email="a@example.org"), details(email="A+2@example.org")])
    with pytest.raises(NotAllowed, match="Name between 1 and 10 colleagues"):
        book_colleagues(session, course_date.id, [details() for _ in range(11)])
