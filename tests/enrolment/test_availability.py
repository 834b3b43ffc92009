"""Whether a date can be booked, or offered, has one answer (app.enrolment.availability), and every page,
email and operation that offers a date asks it."""

from datetime import UTC, datetime, timedelta

import pytest

from app.after_course.follow_up import queue_follow_ups
from app.after_course.register import mark_attendance
from app.core.filters import day_range
from app.database import utcnow, writing
from app.enrolment.availability import availability, dates_with_places, has_started
from app.enrolment.bookings import CannotChange, can_change, cancel_booking, dates_to_move_to
from app.mail.outbox import send_due
from app.models import AttendanceMark, CourseDate, DateStatus
from tests.factories import begin_course, booked, details, make_course, make_date, make_staff, sign_in


def test_a_date_can_be_booked_while_published_with_its_days_until_it_closes_and_then_never(session):
    course_date = make_date(session, capacity=1, days_from_now=10, closes_days_before=3)
    now = utcnow()
    assert availability(course_date, now).bookable and availability(course_date, now).has_place
    booked(session, course_date.id, details())
    session.refresh(course_date)
    full = availability(course_date, now)
    assert full.bookable and not full.has_place  # the waiting list is still open
    closed = availability(course_date, course_date.booking_closes_at)
    assert closed.reason == "Booking for this date has closed." and not closed.has_place
    assert (
        availability(course_date, course_date.starts_at).reason
        == "This course has started, so it is too late to book a place on it."
    )
    for status, reason in ((DateStatus.DRAFT, "not open for booking"), (DateStatus.CANCELLED, "cancelled")):
        course_date.status = status
        assert reason in availability(course_date, now).reason


def test_a_date_without_days_has_not_started_and_cannot_be_booked():
    course_date = CourseDate(status=DateStatus.PUBLISHED, capacity=5, places_taken=0, days=[])
    course_date.booking_closes_at = datetime.now(UTC) + timedelta(days=9)
    assert not has_started(course_date, datetime.now(UTC))
    assert availability(course_date, datetime.now(UTC)).reason == "This date is not open for booking."


def test_once_the_course_has_started_nobody_can_cancel_move_or_change_their_needs(client, session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details(access_details="A quiet room")).booking
    begin_course(session, course_date, days_ago=1)
    assert has_started(course_date, utcnow()) and not can_change(booking, utcnow())
    with pytest.raises(CannotChange, match="already started"):
        cancel_booking(session, booking.manage_token)
    page = client.get(f"/bookings/{booking.manage_token}").text
    assert "Cancel this booking" not in page and "Move to another date" not in page


def test_the_follow_up_email_never_offers_a_full_or_closed_date(app, session, mail_server):
    course = make_course(session)
    ended = make_date(session, course=course)
    missed = booked(session, ended.id, details(full_name="Mo Missed")).booking
    begin_course(session, ended, days_ago=2)
    for day in ended.days:
        mark_attendance(session, day.id, {missed.id: AttendanceMark.ABSENT}, actor=make_staff(session))
    full = make_date(session, course=course, capacity=1, days_from_now=20)
    booked(session, full.id, details())
    closing = make_date(session, course=course, days_from_now=25)
    with writing(session):
        session.get(CourseDate, closing.id).booking_closes_at = utcnow() - timedelta(minutes=1)
    with_places = make_date(session, course=course, days_from_now=30)
    assert [d.id for d in dates_with_places(session, utcnow(), course_ids=[course.id])] == [with_places.id]

    queue_follow_ups(session, utcnow(), delay_days=1)
    send_due(session)
    (email,) = [m for m in mail_server.inbox.to(missed.email) if m["Subject"].startswith("You missed")]
    offered = email.get_body(("plain",)).get_content().split("The next dates with places:")[1].split("See the")[0]
    assert day_range(with_places) in offered and offered.count(" left") == 1
    assert day_range(full) not in offered and day_range(closing) not in offered


def test_the_move_pages_offer_exactly_the_dates_with_places(app, client, session):
    course = make_course(session)
    current = make_date(session, course=course)
    full = make_date(session, course=course, capacity=1, days_from_now=40)
    booked(session, full.id, details())
    open_date = make_date(session, course=course, days_from_now=50)
    booking = booked(session, current.id, details()).booking
    assert [d.id for d in dates_to_move_to(session, booking, utcnow())] == [open_date.id]
    page = client.get(f"/bookings/{booking.manage_token}/move").text
    assert f'value="{open_date.id}"' in page and f'value="{full.id}"' not in page
    staff = app.test_client()
    sign_in(staff, make_staff(session))
    page = staff.get(f"/admin/bookings/{booking.id}/move").text
    assert f'value="{open_date.id}"' in page and f'value="{full.id}"' not in page


def test_the_public_lists_say_booking_has_closed_as_soon_as_it_closes(client, session):
    course_date = make_date(session, days_from_now=10)
    assert "20 places left" in client.get("/dates").text
    with writing(session):
        session.get(CourseDate, course_date.id).booking_closes_at = utcnow() - timedelta(seconds=1)
        session.get(CourseDate, course_date.id).updated_at = course_date.updated_at  # nothing else changes
    page = client.get("/dates").text
    assert "Booking closed" in page and "places left" not in page
    assert "Booking for this date has closed." in client.get(f"/dates/{course_date.id}").text


def test_a_late_place_is_offered_only_within_the_cut_off_with_a_place_free(app, session):
    course_date = make_date(session, capacity=1, days_from_now=3)
    booked(session, course_date.id, details())
    session.refresh(course_date)
    cutoff = course_date.starts_at - timedelta(hours=app.config["WAITING_LIST_CUTOFF_HOURS"])
    assert not availability(course_date, cutoff).late_place  # full
    course_date.places_taken = 0
    assert availability(course_date, cutoff).late_place
    assert not availability(course_date, cutoff - timedelta(minutes=1)).late_place  # the list still gets it
    assert not availability(course_date, course_date.starts_at).late_place  # started
