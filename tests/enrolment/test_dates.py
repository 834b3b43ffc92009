"""Managing dates and capacity: the rules, through the domain functions and the pages."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.core.rules import Refused
from app.enrolment import dates as service
from app.extensions import db
from app.mail.outbox import send_due
from app.models import AuditEvent, Booking, BookingStatus, CourseDate, DateStatus, OutboxMessage
from tests.factories import begin_course, booked, details, interested, make_course, make_date, make_staff, make_venue
from tests.mail_server import calendar_part
from tests.pages import source


def test_raising_capacity_offers_the_new_places_to_the_waiting_list_in_order(session):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details())
    first = booked(session, course_date.id, details()).booking
    second = booked(session, course_date.id, details()).booking
    third = booked(session, course_date.id, details()).booking
    promoted = service.set_capacity(session, course_date.id, 3, actor=None)
    assert [b.id for b in promoted] == [first.id, second.id]
    session.refresh(third)
    assert third.status == BookingStatus.WAITING
    kinds = session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.kind == "place_offered")).all()
    assert len(kinds) == 2


def test_lowering_capacity_below_the_places_taken_is_refused_with_the_number(session):
    course_date = make_date(session, capacity=5)
    for _ in range(3):
        booked(session, course_date.id, details())
    with pytest.raises(service.CapacityTooLow, match="3 people already have a place"):
        service.set_capacity(session, course_date.id, 2, actor=None)
    service.set_capacity(session, course_date.id, 3, actor=None)
    session.refresh(course_date)
    assert course_date.capacity == 3 and course_date.is_full


def race_capacity_cut_against_booking(app, date_id: int, person) -> dict:
    """Cut the places to 4 and book one more person at the same moment; say what each got."""
    barrier = threading.Barrier(2)
    outcomes = {}

    def cut():
        with app.app_context():
            barrier.wait()
            try:
                service.set_capacity(db.session, date_id, 4, actor=None)
                outcomes["cut"] = "done"
            except service.CapacityTooLow:
                outcomes["cut"] = "refused"
            db.session.remove()

    def book():
        with app.app_context():
            barrier.wait()
            outcomes["booking"] = booked(db.session, date_id, person).booking.status
            db.session.remove()

    threads = [threading.Thread(target=cut), threading.Thread(target=book)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_capacity_cut_racing_a_booking_never_leaves_more_places_taken_than_capacity(app, session):
    for _ in range(10):
        date_id = make_date(session, capacity=5).id
        for _ in range(4):
            booked(session, date_id, details())
        outcomes = race_capacity_cut_against_booking(app, date_id, details())
        session.rollback()
        course_date = session.get(CourseDate, date_id)
        confirmed = session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.course_date_id == date_id, Booking.status == BookingStatus.CONFIRMED
            )
        )
        assert confirmed == course_date.places_taken <= course_date.capacity
        if outcomes["cut"] == "done":
            assert course_date.capacity == 4 and outcomes["booking"] == BookingStatus.WAITING
        else:
            assert course_date.capacity == 5 and outcomes["booking"] == BookingStatus.CONFIRMED


def test_a_date_with_people_on_it_cannot_go_back_to_draft(session):
    course_date = make_date(session)
    booked(session, course_date.id, details())
    with pytest.raises(Refused, match="1 people are booked or waiting"):
        service.unpublish_date(session, course_date.id, actor=None)


def test_an_admin_adds_and_publishes_a_date_and_interested_people_are_told(client, session, staff, mail_server):
    admin = make_staff(session)
    course = make_course(session)
    venue = make_venue(session)
    interested(session, course.id, "Lee", "lee@example.org")
    staff.sign_in(admin.email)
    first = date.today() + timedelta(days=40)
    form = {
        "course_id": str(course.id),
        "venue_id": str(venue.id),
        "capacity": "16",
        "day1": [str(first.day), str(first.month), str(first.year)],
        "day1_start": "09:30",
        "day1_end": "16:30",
        "day2": [
            str((first + timedelta(days=1)).day),
            str((first + timedelta(days=1)).month),
            str((first + timedelta(days=1)).year),
        ],
        "day2_start": "9.30",
        "day2_end": "16:30",
        "closes_on": [
            str((first - timedelta(days=3)).day),
            str((first - timedelta(days=3)).month),
            str((first - timedelta(days=3)).year),
        ],
        "closes_at": "17:00",
    }
    response = client.post("/admin/dates/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.rollback()
    course_date = session.scalars(sa.select(CourseDate)).one()
    assert course_date.status == DateStatus.DRAFT
    assert [(d.day, d.start_time) for d in course_date.days] == [
        (first, time(9, 30)),
        (first + timedelta(days=1), time(9, 30)),
    ]
    assert client.get(f"/dates/{course_date.id}").status_code == 404  # a draft is not public

    client.post(f"/admin/dates/{course_date.id}/publish")
    session.rollback()
    assert session.get(CourseDate, course_date.id).status == DateStatus.PUBLISHED
    send_due(session)
    assert [m["To"] for m in mail_server.messages] == ["lee@example.org"]
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "date published" in actions


@pytest.mark.parametrize(
    "change, message",
    [
        ({"day1_end": "08:00"}, "Day 1 must end after it starts"),
        ({"day1": ["31", "2", "2027"]}, "Enter a real date"),
        ({"capacity": "0"}, "Places must be between 1 and 500"),
        ({"capacity": "lots"}, "Enter the number of places as a whole number"),
        ({"closes_at": "half past five"}, "Enter a time like 9:30am or 16:30"),
        ({"day1_start": "13pm"}, "Enter a time like 9:30am or 16:30"),
        ({"course_id": ""}, "Select a course"),
        ({"venue_id": "999999"}, "Select a venue"),
        ({"day1": ["", "", ""]}, "Enter the date of day 1"),
    ],
)
def test_the_date_form_explains_each_mistake(client, session, staff, change, message):
    admin = make_staff(session)
    course, venue = make_course(session), make_venue(session)
    staff.sign_in(admin.email)
    form = {
        "course_id": str(course.id),
        "venue_id": str(venue.id),
        "capacity": "16",
        "day1": ["3", "3", "2027"],
        "day1_start": "09:30",
        "day1_end": "16:30",
        "closes_on": ["1", "3", "2027"],
        "closes_at": "17:00",
    }
    form.update(change)
    response = client.post("/admin/dates/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "There is a problem" in page


def test_changing_the_days_of_a_published_date_tells_people_booked(client, session, staff):
    admin = make_staff(session)
    course_date = make_date(session)
    booked(session, course_date.id, details())
    staff.sign_in(admin.email)
    first = course_date.first_day + timedelta(days=7)
    closes = first - timedelta(days=3)
    response = client.post(
        f"/admin/dates/{course_date.id}/edit",
        data={
            "venue_id": str(course_date.venue_id),
            "day1": [str(first.day), str(first.month), str(first.year)],
            "day1_start": "10:00",
            "day1_end": "16:00",
            "day2": [
                str((first + timedelta(days=1)).day),
                str((first + timedelta(days=1)).month),
                str((first + timedelta(days=1)).year),
            ],
            "day2_start": "10:00",
            "day2_end": "16:00",
            "closes_on": [str(closes.day), str(closes.month), str(closes.year)],
            "closes_at": "12:00",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.rollback()
    assert session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.kind == "date_changed")).all() == [
        "date_changed"
    ]
    assert session.get(CourseDate, course_date.id).booking_closes_at == datetime.combine(closes, time(12), tzinfo=UTC)


def test_cancelling_a_date_through_the_page_needs_a_reason(client, session, staff):
    admin = make_staff(session)
    course_date = make_date(session)
    staff.sign_in(admin.email)
    page = client.post(f"/admin/dates/{course_date.id}/cancel", data={"reason": ""}).get_data(as_text=True)
    assert "Enter why the date is cancelled" in page
    client.post(f"/admin/dates/{course_date.id}/cancel", data={"reason": "The trainer is ill.", "cancel": "yes"})
    session.rollback()
    assert session.get(CourseDate, course_date.id).status == DateStatus.CANCELLED


def test_before_cancelling_a_date_staff_see_who_will_be_emailed_and_what_they_will_read(client, session, staff):
    staff.sign_in(make_staff(session).email)
    course_date = make_date(session, capacity=1)
    for _ in range(2):
        booked(session, course_date.id, details())
    check = client.post(
        f"/admin/dates/{course_date.id}/cancel", data={"reason": "The trainer is ill.", "what_happens": "cancel"}
    )
    page = source(check)
    assert "Check before you cancel this date" in page and "2 people</strong> will be emailed" in page
    assert "1 with a place and 1 on the waiting list" in page and "Why: The trainer is ill." in page
    assert "Cancel the date and email 2 people" in page
    session.rollback()
    assert session.get(CourseDate, course_date.id).status == DateStatus.PUBLISHED  # nothing yet
    again = client.post(
        f"/admin/dates/{course_date.id}/cancel",
        data={"reason": "The trainer is ill.", "what_happens": "cancel", "edit": "yes"},
    )
    assert "Check before cancelling" in source(again) and "The trainer is ill." in source(again)
    client.post(
        f"/admin/dates/{course_date.id}/cancel",
        data={"reason": "The trainer is ill.", "what_happens": "cancel", "cancel": "yes"},
    )
    session.rollback()
    assert session.get(CourseDate, course_date.id).status == DateStatus.CANCELLED


def test_once_day_one_has_started_the_date_and_its_people_stay_as_they_were(client, session, staff):
    from app.after_course.register import mark_attendance
    from app.enrolment.bookings import cancel_booking, move_booking
    from app.enrolment.refusals import BookingClosed, CannotChange
    from app.models import Attendance, AttendanceMark

    admin = make_staff(session)
    course_date = make_date(session, capacity=2)
    other = make_date(session, course=course_date.course, days_from_now=60)
    booking = booked(session, course_date.id, details()).booking
    booked(session, course_date.id, details())
    begin_course(session, course_date, days_ago=1)
    mark_attendance(session, course_date.days[0].id, {booking.id: AttendanceMark.ATTENDED}, actor=admin)
    date_id, day = course_date.id, service.DayTimes(date.today() + timedelta(days=9), time(9), time(16))
    refusals = [
        lambda: service.cancel_date(session, date_id, "Too few people.", actor=admin),
        lambda: service.unpublish_date(session, date_id, actor=admin),
        lambda: service.set_capacity(session, date_id, 5, actor=admin),
        lambda: service.change_date(session, date_id, days=[day], actor=admin),
    ]
    for refused in refusals:
        with pytest.raises(service.DateStarted, match="This course has started"):
            refused()
    with pytest.raises(CannotChange, match="started"):
        cancel_booking(session, booking.manage_token, actor=admin)
    with pytest.raises(CannotChange, match="started"):
        move_booking(session, booking.manage_token, other.id, actor=admin)
    with pytest.raises(BookingClosed, match="started|finished"):
        booked(session, date_id, details(), actor=admin)
    session.rollback()
    assert session.get(CourseDate, date_id).status == DateStatus.PUBLISHED
    assert session.scalar(sa.select(sa.func.count(Attendance.id))) == 1

    staff.sign_in(admin.email)
    page = source(client.get(f"/admin/dates/{date_id}"))
    assert "This course has started" in page and "Take the register for day 1" in page
    for gone in ("Cancel this date", "Take back to draft", "Change the places or the fewest needed",
                 "Book a place for someone", f"/admin/bookings/{booking.id}/move",
                 f"/admin/bookings/{booking.id}/cancel"):  # fmt: skip
        assert gone not in page, gone
    for path in ("cancel", "capacity", "edit", "bookings/new"):
        response = client.get(f"/admin/dates/{date_id}/{path}")
        assert response.status_code == 302 and response.location.endswith(f"/admin/dates/{date_id}"), path


def test_the_capacity_page_refuses_a_cut_below_the_booked_number(client, session, staff):
    admin = make_staff(session)
    course_date = make_date(session, capacity=3)
    for _ in range(2):
        booked(session, course_date.id, details())
    staff.sign_in(admin.email)
    page = client.post(f"/admin/dates/{course_date.id}/capacity", data={"capacity": "1"}).get_data(as_text=True)
    assert "2 people already have a place, so there must be at least 2 places" in page


def test_cancelling_a_date_cancels_each_booking_as_cancelling_it_alone_would(session, mail_server):
    course_date = make_date(session, capacity=2)
    people = [booked(session, course_date.id, details()).booking for _ in range(3)]  # two places, one waiting
    send_due(session)
    mail_server.messages.clear()
    assert service.cancel_date(session, course_date.id, "The trainer is ill.", actor=make_staff(session)) == 3
    session.expire_all()
    assert session.get(CourseDate, course_date.id).places_taken == 0
    for booking in people:
        booking = session.get(Booking, booking.id)
        assert booking.status == BookingStatus.CANCELLED and booking.cancelled_at is not None
        assert all(not entry.is_active for entry in booking.calendar_entries)
    send_due(session)
    invites = [m for m in mail_server.messages if m["Subject"].startswith("Cancelled by the training team")]
    assert sorted(m["To"] for m in invites) == sorted(b.email for b in people)
    methods = [part.get_param("method") if (part := calendar_part(m)) else None for m in invites]
    assert sorted(methods, key=str) == ["CANCEL", "CANCEL", None]  # a cancellation for those who had a place
