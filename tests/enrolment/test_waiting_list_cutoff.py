"""Close to the start a freed place is not given out by itself: the people waiting take it, first come first served."""

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.enrolment.bookings import DateFull, cancel_booking, take_freed_place
from app.enrolment.dates import DayTimes, change_date, set_capacity
from app.mail.outbox import send_due
from app.models import LONDON, Booking, BookingStatus, CourseDate
from tests.factories import booked, details, make_date
from tests.mail_server import calendar_part


def full_date_with_two_waiting(session, **options):
    course_date = make_date(session, capacity=1, **options)
    holder = booked(session, course_date.id, details(email="holder@example.org")).booking
    first = booked(session, course_date.id, details(email="first@example.org")).booking
    second = booked(session, course_date.id, details(email="second@example.org")).booking
    return course_date, holder, first, second


def status(session, booking) -> BookingStatus:
    session.rollback()
    return session.get(Booking, booking.id).status


def test_a_place_freed_before_the_cutoff_goes_to_the_first_person_waiting(session):
    course_date, holder, first, _second = full_date_with_two_waiting(session, days_from_now=5)
    cancel_booking(session, holder.manage_token, now=course_date.starts_at - timedelta(hours=25))
    assert status(session, first) == BookingStatus.CONFIRMED


def test_a_place_freed_after_the_cutoff_is_left_free_and_the_people_waiting_are_told(session, mail_server):
    course_date, holder, first, second = full_date_with_two_waiting(session, days_from_now=5)
    send_due(session)
    mail_server.messages.clear()
    late = course_date.starts_at - timedelta(hours=12)
    cancel_booking(session, holder.manage_token, now=late)
    assert status(session, first) == BookingStatus.WAITING
    assert session.get(CourseDate, course_date.id).places_left == 1
    send_due(session)
    told = {m["To"]: m for m in mail_server.messages if m["Subject"].startswith("A late place is free")}
    assert set(told) == {"first@example.org", "second@example.org"}
    assert "goes to the first person who takes it" in told["first@example.org"].get_body(("plain",)).get_content()
    # The second person is quicker; the first then finds it gone and stays waiting.
    take_freed_place(session, second.manage_token, now=late + timedelta(minutes=5))
    with pytest.raises(DateFull, match="someone else has taken the free place"):
        take_freed_place(session, first.manage_token, now=late + timedelta(minutes=6))
    assert (status(session, second), status(session, first)) == (BookingStatus.CONFIRMED, BookingStatus.WAITING)


def soon(session):
    """A date starting about 12 hours from now, with the holder, two people waiting and booking still open."""
    now = datetime.now(LONDON)
    start = next(
        s for s in (now + timedelta(hours=h) for h in range(12, 22)) if time(6) <= s.time() <= time(21)
    ).replace(second=0, microsecond=0)
    course_date, holder, first, second = full_date_with_two_waiting(session, days_from_now=3)
    change_date(
        session,
        course_date.id,
        days=[DayTimes(start.date(), start.time(), (start + timedelta(hours=2)).time())],
        closes_at=(start - timedelta(hours=1)).astimezone(UTC),
        actor=None,
    )
    return course_date, holder, first, second


def test_the_people_waiting_take_a_late_place_from_their_booking_page(client, session, mail_server):
    course_date, holder, first, _second = soon(session)
    page = client.get(f"/bookings/{first.manage_token}").get_data(as_text=True)
    assert "Take the free place" not in page  # the date is full
    assert client.post(f"/bookings/{holder.manage_token}/cancel").status_code == 302
    page = client.get(f"/bookings/{first.manage_token}").get_data(as_text=True)
    assert "A place has come free" in page and "Take the free place" in page
    send_due(session)
    mail_server.messages.clear()
    response = client.post(f"/bookings/{first.manage_token}/take-place")
    assert response.status_code == 302
    assert "You have the place" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert status(session, first) == BookingStatus.CONFIRMED
    send_due(session)
    (message,) = mail_server.messages
    assert message["Subject"].startswith("Booked: ")
    assert calendar_part(message).get_param("method") == "REQUEST"
    # A late place also shows on the dates page as a place anyone can book while booking is open.
    session.rollback()
    assert session.scalar(sa.select(CourseDate.places_taken).where(CourseDate.id == course_date.id)) == 1


def test_more_places_added_after_the_cutoff_are_also_left_for_whoever_takes_them(session):
    course_date, _holder, first, second = soon(session)
    assert set_capacity(session, course_date.id, 3, actor=None) == []
    assert (status(session, first), status(session, second)) == (BookingStatus.WAITING, BookingStatus.WAITING)
