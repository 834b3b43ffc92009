"""Each change sends the right message, with the right calendar method, to the right people."""

from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app.core.rules import Refused
from app.database import writing
from app.enrolment.bookings import cancel_booking, move_booking
from app.enrolment.dates import DayTimes, cancel_date, change_date, publish_date
from app.enrolment.invites import subject_for
from app.enrolment.reminders import queue_reminders
from app.mail.outbox import send_due
from app.models import DateStatus, OutboxMessage
from tests.factories import booked, details, interested, make_course, make_date, make_venue
from tests.mail_server import calendar_part


def sent(session, mail_server):
    """Deliver the outbox and return what arrived, as (subject, method, event) per message."""
    send_due(session)
    arrived = []
    for message in mail_server.messages:
        part = calendar_part(message)
        event = None
        if part is not None:
            (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
        arrived.append((message["Subject"], part.get_param("method") if part else None, event, message))
    mail_server.messages.clear()
    return arrived


def test_waiting_list_email_gives_the_position_and_no_invite(session, mail_server):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details())
    sent(session, mail_server)
    booked(session, course_date.id, details(email="waiting@example.org"))
    ((subject, method, _event, message),) = sent(session, mail_server)
    assert subject == subject_for(course_date, "Waiting list")
    assert subject.startswith("Waiting list: Signs of Safety")
    assert method is None
    assert "You are number 1 on the list" in message.get_body(("plain",)).get_content()


def test_a_place_from_the_waiting_list_comes_with_an_invite(session, mail_server):
    course_date = make_date(session, capacity=1)
    holder = booked(session, course_date.id, details(email="holder@example.org")).booking
    booked(session, course_date.id, details(email="next@example.org"))
    sent(session, mail_server)
    cancel_booking(session, holder.manage_token)
    arrived = {m["To"]: (subject, method) for subject, method, _e, m in sent(session, mail_server)}
    assert arrived["holder@example.org"] == (subject_for(course_date, "Cancelled"), "CANCEL")
    assert arrived["next@example.org"] == (subject_for(course_date, "A place came free, you are booked"), "REQUEST")


def new_hours(session, course_date) -> None:
    """The team moves both days to 10am to 4pm."""
    days = [DayTimes(course_date.first_day + timedelta(days=n), time(10), time(16)) for n in (0, 1)]
    change_date(session, course_date.id, days=days, actor=None)


def test_uid_stays_the_same_and_sequence_rises_through_confirm_change_and_cancel(session, mail_server):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    arrived = sent(session, mail_server)
    new_hours(session, course_date)
    arrived += sent(session, mail_server)
    cancel_booking(session, booking.manage_token)
    arrived += sent(session, mail_server)
    assert [method for _s, method, _e, _m in arrived] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [event for _s, _m, event, _msg in arrived]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [int(event["SEQUENCE"]) for event in events] == [0, 1, 2]
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert events[1].decoded("DTSTART").time() == time(10)
    change_message = arrived[1][3].get_body(("plain",)).get_content()
    assert "What has changed" in change_message and "10am to 4pm" in change_message


def test_invites_overtaken_before_they_went_are_never_sent(session, mail_server):
    """Confirm, change and cancel with the mail server away: only the cancellation may reach the calendar."""
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    new_hours(session, course_date)
    cancel_booking(session, booking.manage_token)
    report = send_due(session)
    assert (report.sent, report.skipped) == (2, 1)  # "Booked" is skipped: the place is gone
    methods = {m["Subject"].split(":")[0]: (calendar_part(m).get_param("method") if calendar_part(m) else None)
               for m in mail_server.messages}  # fmt: skip
    assert methods == {"Changed": None, "Cancelled": "CANCEL"}  # the change goes without its stale invite
    changed = next(m for m in mail_server.messages if m["Subject"].startswith("Changed"))
    assert "calendar invite" not in changed.get_body(("plain",)).get_content()


def test_moving_sends_an_invite_for_the_new_date_and_a_cancellation_for_the_old(session, mail_server):
    course = make_course(session)
    old = make_date(session, course=course)
    new = make_date(session, course=course, days_from_now=60)
    booking = booked(session, old.id, details()).booking
    sent(session, mail_server)
    move_booking(session, booking.manage_token, new.id)
    arrived = sent(session, mail_server)
    by_method = {method: event for _s, method, event, _m in arrived}
    assert set(by_method) == {"REQUEST", "CANCEL"}
    assert by_method["REQUEST"].decoded("DTSTART").date() == new.first_day
    assert by_method["CANCEL"].decoded("DTSTART").date() == old.first_day
    assert str(by_method["REQUEST"]["UID"]) != str(by_method["CANCEL"]["UID"])


def test_the_team_cancelling_a_date_tells_everyone_booked_or_waiting_with_the_reason(session, mail_server):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details(email="booked@example.org"))
    booked(session, course_date.id, details(email="waiting@example.org"))
    booked(session, course_date.id, details(email="gone@example.org"))
    sent(session, mail_server)
    told = cancel_date(session, course_date.id, "The trainer is ill.", actor=None)
    arrived = {m["To"]: (method, m) for _s, method, _e, m in sent(session, mail_server)}
    assert told == 3
    assert arrived["booked@example.org"][0] == "CANCEL"
    assert arrived["waiting@example.org"][0] is None
    assert "The trainer is ill." in arrived["waiting@example.org"][1].get_body(("plain",)).get_content()


def test_changing_the_venue_says_what_changed(session, mail_server):
    course_date = make_date(session)
    booked(session, course_date.id, details())
    sent(session, mail_server)
    kendal = make_venue(session, name="County Offices", address="Busher Walk", town="Kendal", postcode="LA9 4RQ")
    change_date(session, course_date.id, venue_id=kendal.id, actor=None)
    ((_subject, method, event, message),) = sent(session, mail_server)
    assert method == "REQUEST"
    assert "Kendal" in str(event["LOCATION"])
    assert "It is now County Offices, Busher Walk, Kendal, LA9 4RQ" in message.get_body(("plain",)).get_content()


def test_reminders_go_fourteen_and_two_days_before_once_each_and_not_to_cancelled_places(session, mail_server):
    booked_at = datetime.now(UTC)
    course_date = make_date(session, days_from_now=20, now=booked_at)
    kept = booked(session, course_date.id, details(email="kept@example.org"), now=booked_at).booking
    dropped = booked(session, course_date.id, details(email="dropped@example.org"), now=booked_at).booking
    cancel_booking(session, dropped.manage_token, now=booked_at)
    sent(session, mail_server)
    starts = course_date.starts_at.astimezone(UTC)

    assert queue_reminders(session, starts - timedelta(days=15), [14, 2]) == 0
    assert queue_reminders(session, starts - timedelta(days=13), [14, 2]) == 1
    assert queue_reminders(session, starts - timedelta(days=12), [14, 2]) == 0
    assert queue_reminders(session, starts - timedelta(days=1), [14, 2]) == 1
    assert queue_reminders(session, starts - timedelta(hours=1), [14, 2]) == 0
    arrived = sent(session, mail_server)
    assert [(m["To"], s) for s, _m, _e, m in arrived] == [
        ("kept@example.org", subject_for(course_date, "Reminder")),
        ("kept@example.org", subject_for(course_date, "Reminder")),
    ]
    assert kept.reference in arrived[0][3].get_body(("plain",)).get_content()


def test_no_reminders_for_a_cancelled_date(session):
    course_date = make_date(session, days_from_now=20)
    booked(session, course_date.id, details())
    cancel_date(session, course_date.id, "Room not available.", actor=None)
    starts = course_date.starts_at.astimezone(UTC)
    assert queue_reminders(session, starts - timedelta(days=1), [14, 2]) == 0


def test_a_reminder_whose_time_passed_before_booking_is_not_sent(session):
    course_date = make_date(session, days_from_now=10, closes_days_before=1)
    booked(session, course_date.id, details())
    starts = course_date.starts_at.astimezone(UTC)
    assert queue_reminders(session, starts - timedelta(days=9), [14, 2]) == 0


def test_publishing_a_date_tells_everyone_interested_once(session, mail_server):
    course = make_course(session)
    interested(session, course.id, "Zoë", "zoe@example.org")
    interested(session, course.id, "Lee", "lee@example.org")
    first = make_date(session, course=course, status=DateStatus.DRAFT)
    second = make_date(session, course=course, status=DateStatus.DRAFT, days_from_now=60)
    assert publish_date(session, first.id, actor=None) == 2
    with pytest.raises(Refused, match="Only a date in draft"):
        publish_date(session, first.id, actor=None)
    assert publish_date(session, second.id, actor=None) == 0  # each person is told once
    arrived = sent(session, mail_server)
    assert sorted(m["To"] for _s, _m, _e, m in arrived) == ["lee@example.org", "zoe@example.org"]
    assert f"http://training.example.test/dates/{first.id}" in arrived[0][3].get_body(("plain",)).get_content()


def test_days_with_different_hours_get_one_invite_each(session, mail_server):
    course_date = make_date(session)
    with writing(session):
        day_one, day_two = course_date.days
        day_two.start_time, day_two.end_time = time(13), time(17)
    booked(session, course_date.id, details())
    arrived = sent(session, mail_server)
    assert [s for s, _m, _e, _msg in arrived] == [
        subject_for(course_date, "Booked"),
        f"Added to your calendar: Signs of Safety Two Day Introductory Training, {day_two.day.day} {day_two.day:%B}",
    ]
    uids = [str(event["UID"]) for _s, _m, event, _msg in arrived]
    assert uids[0] != uids[1] and all(uid.endswith("@training.example.test") for uid in uids)
    assert all("RRULE" not in event for _s, _m, event, _msg in arrived)


def test_every_message_is_in_the_outbox_before_any_is_sent(session):
    course_date = make_date(session)
    booked(session, course_date.id, details())
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_a_reminder_queued_before_the_place_was_cancelled_is_not_sent(session, mail_server):
    booked_at = datetime.now(UTC)
    course_date = make_date(session, days_from_now=20, now=booked_at)
    booking = booked(session, course_date.id, details(email="late@example.org"), now=booked_at).booking
    sent(session, mail_server)
    starts = course_date.starts_at.astimezone(UTC)
    assert queue_reminders(session, starts - timedelta(days=13), [14, 2]) == 1
    cancel_booking(session, booking.manage_token, now=starts - timedelta(days=13))
    report = send_due(session)
    assert (report.sent, report.skipped) == (1, 1)  # the cancellation goes; the reminder does not
    assert [m["Subject"] for m in mail_server.messages] == [subject_for(course_date, "Cancelled")]
