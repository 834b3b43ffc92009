"""The words of each email match the calendar entries it carries, and a second parser reads them all."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import vobject

from app.core.filters import short_days
from app.enrolment.bookings import cancel_booking, move_booking
from app.enrolment.dates import DayTimes, cancel_date, change_date
from app.mail.outbox import send_due
from app.models import LONDON, Booking, BookingStatus
from tests.factories import booked, details, make_course, make_date
from tests.mail_server import calendar_part

TITLE = "Signs of Safety Two Day Introductory Training"
MANAGE_LINK = re.compile(r"/bookings/[A-Za-z0-9_-]{43}")


def delivered(session, mail_server):
    send_due(session)
    arrived = list(mail_server.messages)
    mail_server.messages.clear()
    return arrived


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def set_days(session, course_date, *days):
    """New days, with booking closing at 5pm the day before the first (the date rules want it before)."""
    closes = datetime.combine(days[0][0] - timedelta(days=1), time(17), tzinfo=LONDON).astimezone(UTC)
    change_date(session, course_date.id, days=[DayTimes(*day) for day in days], closes_at=closes, actor=None)


def dated(session, *days, **options):
    course_date = make_date(session, **options)
    set_days(session, course_date, *days)
    return course_date


def test_short_days_name_each_day_once():
    assert short_days([date(2026, 12, 22), date(2026, 12, 23)]) == "22 and 23 December"
    assert short_days([date(2026, 12, 31), date(2027, 1, 1)]) == "31 December and 1 January"
    assert short_days([date(2027, 1, 5)]) == "5 January"
    assert short_days([date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 7)]) == "5, 6 and 7 January"


@pytest.mark.parametrize(
    "days, come_to, entry",
    [
        (
            [(date(2027, 3, 2), time(9, 30), time(16, 30)), (date(2027, 3, 3), time(9, 30), time(16, 30))],
            "both days",
            "2 and 3 March 2027, 9:30am to 4:30pm each day",
        ),
        ([(date(2027, 3, 2), time(10), time(15))], "the day", "Tuesday 2 March 2027, 10am to 3pm"),
        (
            [(date(2027, 3, d), time(9), time(16)) for d in (2, 3, 4)],
            "all 3 days",
            "2, 3 and 4 March 2027, 9am to 4pm each day",
        ),
    ],
)
def test_the_confirmation_says_how_many_days_and_what_its_one_invite_adds(session, mail_server, days, come_to, entry):
    course_date = dated(session, *days, days_from_now=100)
    booked(session, course_date.id, details())
    (message,) = delivered(session, mail_server)
    body = text(message)
    assert f"You need to come to {come_to}." in body
    assert f"The calendar invite in this email adds the entry for {entry}." in body
    assert "more email" not in body
    assert "does not change your booking" in body and "/bookings/" in body
    assert message["Subject"] == f"Booked: {TITLE}, {short_days([d for d, _s, _e in days])}"
    assert "both days" not in body or come_to == "both days"


def test_days_with_different_hours_bring_day_two_in_an_email_that_says_what_it_adds(session, mail_server):
    course_date = dated(
        session,
        (date(2027, 3, 2), time(9, 30), time(16, 30)),
        (date(2027, 3, 3), time(9, 30), time(12, 30)),
        days_from_now=100,
    )
    booked(session, course_date.id, details())
    main, day_two = delivered(session, mail_server)
    body = text(main)
    assert "The calendar invite in this email adds the entry for Tuesday 2 March 2027, 9:30am to 4:30pm." in body
    assert "more email" not in body and "calendar change" not in body  # no calendar mechanics
    assert day_two["Subject"] == f"Added to your calendar: {TITLE}, 3 March"
    assert "This email puts Wednesday 3 March 2027, 9:30am to 12:30pm in your calendar" in text(day_two)
    assert calendar_part(day_two).get_param("method") == "REQUEST"


def test_regrouping_the_days_says_what_is_added_and_removed(session, mail_server):
    course_date = dated(
        session,
        (date(2027, 3, 2), time(9, 30), time(16, 30)),
        (date(2027, 3, 3), time(9, 30), time(16, 30)),
        days_from_now=100,
    )
    booked(session, course_date.id, details())
    delivered(session, mail_server)
    set_days(
        session, course_date, (date(2027, 3, 2), time(9, 30), time(16, 30)), (date(2027, 3, 3), time(10), time(13))
    )
    main, *others = delivered(session, mail_server)
    body = text(main)
    assert main["Subject"] == f"Changed: {TITLE}, 2 and 3 March"
    assert "more email" not in body
    by_method = {calendar_part(m).get_param("method"): m for m in others}
    assert sorted(by_method) == ["CANCEL", "REQUEST"]
    added, removed = by_method["REQUEST"], by_method["CANCEL"]
    assert added["Subject"] == f"Added to your calendar: {TITLE}, 3 March"
    assert "This email puts Wednesday 3 March 2027, 10am to 1pm in your calendar" in text(added)
    assert removed["Subject"] == f"Removed from your calendar: {TITLE}, 2 and 3 March"
    assert "This email takes 2 and 3 March 2027, 9:30am to 4:30pm each day out of your calendar" in text(removed)
    assert "You do not need to do anything" in text(removed)


def test_a_cancelled_booking_says_what_it_removes_and_offers_no_manage_link(session, mail_server):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    delivered(session, mail_server)
    cancel_booking(session, booking.manage_token)
    (message,) = delivered(session, mail_server)
    body = text(message)
    assert "The calendar invite in this email removes the entry for" in body
    assert not MANAGE_LINK.search(body) and not MANAGE_LINK.search(message.get_body(("html",)).get_content())
    assert "See, move or cancel" not in body
    assert message["Subject"].startswith(f"Cancelled: {TITLE}, ")
    assert [part.get_filename() for part in message.walk() if part.get_filename()] == ["cancel.ics"]


def test_a_date_the_team_cancels_cancels_its_bookings_and_the_page_offers_other_dates(client, session, mail_server):
    course = make_course(session)
    course_date = make_date(session, course=course, capacity=1)
    other = make_date(session, course=course, days_from_now=60)
    first = booked(session, course_date.id, details(email="first@example.org")).booking
    waiting = booked(session, course_date.id, details(email="waiting@example.org")).booking
    delivered(session, mail_server)
    cancel_date(session, course_date.id, "The trainer is ill.", actor=None)
    arrived = {m["To"]: m for m in delivered(session, mail_server)}
    session.rollback()
    assert {session.get(Booking, b.id).status for b in (first, waiting)} == {BookingStatus.CANCELLED}
    booked_email = text(arrived["first@example.org"])
    assert "so your booking is cancelled too" in booked_email and "removes the entry" in booked_email
    assert not MANAGE_LINK.search(booked_email)
    assert calendar_part(arrived["waiting@example.org"]) is None
    assert "place on the waiting list is cancelled too" in text(arrived["waiting@example.org"])
    page = client.get(f"/bookings/{first.manage_token}").get_data(as_text=True)
    assert "The training team has cancelled this date, so this booking is cancelled too." in page
    assert "Why: The trainer is ill." in page
    assert f"/dates/{other.id}/book" in page
    assert f"/bookings/{first.manage_token}/cancel" not in page and "Move to another date" not in page
    # Cancelling it again does nothing and sends nothing.
    cancel_booking(session, first.manage_token)
    assert delivered(session, mail_server) == []


def test_a_reminder_counts_days_from_the_real_start(session, mail_server):
    from datetime import UTC, datetime, timedelta

    from app.enrolment.reminders import queue_reminders

    course_date = make_date(session, days_from_now=1, closes_days_before=0)
    booked(session, course_date.id, details(), now=datetime.now(UTC) - timedelta(days=30))
    delivered(session, mail_server)
    # The worker was away for both reminders: only the nearest one goes.
    assert queue_reminders(session, datetime.now(UTC), [14, 2]) == 1
    (message,) = delivered(session, mail_server)
    assert message["Subject"].startswith(f"Reminder: {TITLE}, ")
    assert "your Signs of Safety training starts tomorrow" in text(message)


def all_calendar_texts(client, session, mail_server) -> list[str]:
    """Every kind of calendar text the service writes: invites, cancellations, a download and feeds."""
    course = make_course(session)
    first = make_date(session, course=course, days_from_now=100)
    second = make_date(session, course=course, days_from_now=220)  # in summer time
    booking = booked(session, first.id, details(full_name='Jo "JB" Bloggs')).booking
    arrived = delivered(session, mail_server)
    set_days(session, first, (first.first_day, time(9, 30), time(16, 30)), (first.last_day, time(10), time(12)))
    arrived += delivered(session, mail_server)
    move_booking(session, booking.manage_token, second.id)
    arrived += delivered(session, mail_server)
    download = client.get(f"/bookings/{booking.manage_token}/calendar.ics").get_data(as_text=True)
    cancel_booking(session, booking.manage_token)
    arrived += delivered(session, mail_server)
    invites = [calendar_part(m).get_content() for m in arrived if calendar_part(m)]
    feeds = [client.get(path).get_data(as_text=True) for path in ("/dates.ics", f"/courses/{course.slug}/dates.ics")]
    assert len(invites) >= 6
    return [*invites, download, *feeds]


def test_a_second_parser_reads_every_invite_download_and_feed_with_a_full_london_zone(client, session, mail_server):
    for ics in all_calendar_texts(client, session, mail_server):
        parsed = vobject.readOne(ics)
        (zone,) = parsed.contents["vtimezone"]
        parts = {child.name: child for child in zone.getChildren() if child.name in ("STANDARD", "DAYLIGHT")}
        assert set(parts) == {"STANDARD", "DAYLIGHT"}, ics
        assert parts["STANDARD"].rrule.value == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
        assert parts["DAYLIGHT"].rrule.value == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
        events = parsed.contents["vevent"]
        method = parsed.method.value
        if method in ("REQUEST", "CANCEL"):
            assert len(events) == 1
            assert events[0].attendee.value.startswith("mailto:")
        for event in events:
            start = event.dtstart.value
            assert start.tzinfo is not None and start.utcoffset() is not None
            assert event.organizer.value.startswith("mailto:")
            if method == "PUBLISH":
                assert "attendee" not in event.contents
        assert "^'" not in ics
