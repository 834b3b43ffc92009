"""The booking rules, checked through the domain functions without HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.database import writing
from app.enrolment import bookings as service
from app.enrolment.bookings import cancel_booking, move_booking
from app.enrolment.interest import register_interest
from app.models import Booking, BookingStatus, CourseDate, DateStatus
from tests.factories import booked, details, make_course, make_date


def confirmed_count(session, course_date_id):
    return session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.course_date_id == course_date_id, Booking.status == BookingStatus.CONFIRMED
        )
    )


def test_booking_a_date_with_places_confirms_a_place(session):
    course_date = make_date(session, capacity=2)
    result = booked(session, course_date.id, details(full_name="Siân O'Neill"))
    assert result.created
    assert result.booking.status == BookingStatus.CONFIRMED
    assert result.booking.full_name == "Siân O'Neill"
    session.refresh(course_date)
    assert course_date.places_taken == 1


def test_reference_is_short_and_readable_and_token_is_long(session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    assert booking.reference.startswith("SOS-") and len(booking.reference) == 9
    assert not set(booking.reference[4:]) & set("01IOL")
    assert len(booking.manage_token) >= 43  # 32 random bytes: 256 bits


def test_a_full_date_puts_people_on_the_waiting_list_in_order(session):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details())
    second = booked(session, course_date.id, details())
    third = booked(session, course_date.id, details())
    assert second.booking.status == BookingStatus.WAITING
    assert (second.waiting_position, third.waiting_position) == (1, 2)


def test_cancelling_a_place_gives_it_to_the_first_person_waiting(session):
    course_date = make_date(session, capacity=1)
    first = booked(session, course_date.id, details()).booking
    waiting_first = booked(session, course_date.id, details()).booking
    waiting_second = booked(session, course_date.id, details()).booking

    result = cancel_booking(session, first.manage_token)

    assert [b.id for b in result.promoted] == [waiting_first.id]
    session.refresh(waiting_first)
    session.refresh(waiting_second)
    assert waiting_first.status == BookingStatus.CONFIRMED
    assert service.waiting_position(session, waiting_second) == 1
    session.refresh(course_date)
    assert course_date.places_taken == 1 == confirmed_count(session, course_date.id)


def test_cancelling_a_waiting_booking_gives_no_place_away(session):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details())
    waiting = booked(session, course_date.id, details()).booking
    result = cancel_booking(session, waiting.manage_token)
    assert result.promoted == []
    session.refresh(course_date)
    assert course_date.places_taken == 1


def test_cancelling_twice_changes_nothing_the_second_time(session):
    course_date = make_date(session, capacity=3)
    booking = booked(session, course_date.id, details()).booking
    cancel_booking(session, booking.manage_token)
    again = cancel_booking(session, booking.manage_token)
    assert again.changed is False
    session.refresh(course_date)
    assert course_date.places_taken == 0


def test_moving_frees_the_old_place_for_the_waiting_list(session):
    course = make_course(session)
    full_date = make_date(session, course=course, capacity=1)
    other_date = make_date(session, course=course, capacity=5, days_from_now=60)
    mover = booked(session, full_date.id, details()).booking
    waiting = booked(session, full_date.id, details()).booking

    result = move_booking(session, mover.manage_token, other_date.id)

    assert result.booking.course_date_id == other_date.id
    assert result.booking.status == BookingStatus.CONFIRMED
    assert [b.id for b in result.promoted] == [waiting.id]
    session.refresh(full_date)
    session.refresh(other_date)
    assert (full_date.places_taken, other_date.places_taken) == (1, 1)


def test_a_waiting_booking_can_move_to_a_date_with_places(session):
    course = make_course(session)
    full_date = make_date(session, course=course, capacity=1)
    other_date = make_date(session, course=course, capacity=5, days_from_now=60)
    booked(session, full_date.id, details())
    waiting = booked(session, full_date.id, details()).booking

    result = move_booking(session, waiting.manage_token, other_date.id)

    assert result.booking.status == BookingStatus.CONFIRMED
    assert result.promoted == []
    session.refresh(full_date)
    assert full_date.places_taken == 1


def test_moving_to_a_full_date_is_refused_and_keeps_the_booking(session):
    course = make_course(session)
    first = make_date(session, course=course, capacity=5)
    full = make_date(session, course=course, capacity=1, days_from_now=60)
    booked(session, full.id, details())
    booking = booked(session, first.id, details()).booking
    with pytest.raises(service.DateFull):
        move_booking(session, booking.manage_token, full.id)
    session.refresh(booking)
    assert booking.course_date_id == first.id and booking.status == BookingStatus.CONFIRMED


def test_moving_to_another_course_is_refused(session):
    booking = booked(session, make_date(session).id, details()).booking
    elsewhere = make_date(session)
    with pytest.raises(service.DateNotFound):
        move_booking(session, booking.manage_token, elsewhere.id)


def test_one_active_booking_per_person_per_date_whatever_the_case_of_the_email(session):
    course_date = make_date(session)
    booked(session, course_date.id, details(email="Jo.Bloggs@Example.org"))
    with pytest.raises(service.AlreadyBooked) as refused:
        booked(session, course_date.id, details(email=" jo.bloggs@example.ORG "))
    assert refused.value.booking is not None
    session.refresh(course_date)
    assert course_date.places_taken == 1


def test_someone_booked_on_another_date_of_the_course_is_told_so(session):
    course = make_course(session)
    first = make_date(session, course=course)
    second = make_date(session, course=course, days_from_now=60)
    booking = booked(session, first.id, details(email="sam@example.org")).booking
    with pytest.raises(service.BookedOnAnotherDate) as refused:
        booked(session, second.id, details(email="sam@example.org"))
    assert refused.value.booking.id == booking.id


def test_a_cancelled_booking_does_not_stop_booking_again(session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details(email="sam@example.org")).booking
    cancel_booking(session, booking.manage_token)
    again = booked(session, course_date.id, details(email="sam@example.org"))
    assert again.booking.status == BookingStatus.CONFIRMED


def test_the_same_form_sent_twice_gives_back_the_first_booking(session):
    course_date = make_date(session)
    first = booked(session, course_date.id, details(), submission_key="k" * 32)
    second = booked(session, course_date.id, details(), submission_key="k" * 32)
    assert second.created is False
    assert second.booking.id == first.booking.id
    session.refresh(course_date)
    assert course_date.places_taken == 1


@pytest.mark.parametrize("status", [DateStatus.DRAFT, DateStatus.CANCELLED])
def test_no_booking_on_draft_or_cancelled_dates(session, status):
    course_date = make_date(session, status=status)
    with pytest.raises(service.BookingClosed):
        booked(session, course_date.id, details())


def test_no_booking_after_the_closing_time(session):
    course_date = make_date(session, days_from_now=10, closes_days_before=3)
    later = course_date.booking_closes_at + timedelta(minutes=1)
    with pytest.raises(service.BookingClosed, match="closed"):
        booked(session, course_date.id, details(), now=later)


def test_no_booking_on_a_date_in_the_past(session):
    course_date = make_date(session, days_from_now=-5, closes_days_before=-100)
    with pytest.raises(service.BookingClosed, match="finished"):
        booked(session, course_date.id, details())


def test_booking_an_unknown_date_is_refused(session):
    with pytest.raises(service.DateNotFound):
        booked(session, 987654, details())


def test_a_course_that_has_started_cannot_be_cancelled_online(session):
    course_date = make_date(session, days_from_now=5)
    booking = booked(session, course_date.id, details()).booking
    during = course_date.starts_at + timedelta(hours=1)
    with pytest.raises(service.CannotChange):
        cancel_booking(session, booking.manage_token, now=during.astimezone(UTC))


def test_a_made_up_manage_link_finds_nothing(session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    assert service.booking_by_token(session, booking.manage_token).id == booking.id
    last = booking.manage_token[-1]
    tampered = booking.manage_token[:-1] + ("B" if last == "A" else "A")
    assert service.booking_by_token(session, tampered) is None
    assert service.booking_by_token(session, booking.reference) is None
    assert service.booking_by_token(session, "../../etc/passwd") is None
    assert service.booking_by_token(session, "") is None


def test_the_database_refuses_more_places_than_capacity(session):
    course_date = make_date(session, capacity=1)
    with pytest.raises(sa.exc.IntegrityError), writing(session):
        session.execute(sa.update(CourseDate).where(CourseDate.id == course_date.id).values(places_taken=2))


def test_interest_is_recorded_once_per_person_and_course(session):
    course = make_course(session)
    first, created = register_interest(session, course.id, "Zoë", "Zoe@Example.org")
    again, created_again = register_interest(session, course.id, "Zoë", "zoe@example.org")
    assert created and not created_again
    assert first.id == again.id


def test_dates_to_move_to_lists_only_other_open_dates_with_places(session):
    course = make_course(session)
    current = make_date(session, course=course)
    open_date = make_date(session, course=course, days_from_now=40)
    full = make_date(session, course=course, capacity=1, days_from_now=50)
    make_date(session, course=course, status=DateStatus.DRAFT, days_from_now=60)
    booked(session, full.id, details())
    booking = booked(session, current.id, details()).booking
    now = datetime.now(UTC)
    assert [d.id for d in service.dates_to_move_to(session, booking, now)] == [open_date.id]


def test_a_clashing_reference_is_replaced_and_the_booking_still_made(session, monkeypatch):
    course_date = make_date(session)
    taken = booked(session, course_date.id, details()).booking.reference
    offered = iter([taken, "SOS-ZZZZZ"])
    monkeypatch.setattr(service, "new_reference", lambda: next(offered))
    result = booked(session, course_date.id, details())
    assert result.booking.reference == "SOS-ZZZZZ"
    session.refresh(course_date)
    assert course_date.places_taken == 2


def test_one_address_is_one_person_whatever_its_case_spaces_or_tag(session):
    from app.core.addresses import email_key

    assert {email_key(a) for a in ("Sam@Example.org", " sam@example.org ", "sam+training@EXAMPLE.org")} == {
        "sam@example.org"
    }
    assert email_key("+only-a-tag@example.org") == "+only-a-tag@example.org"  # no name before the tag: kept
    course = make_course(session)
    first, second = make_date(session, course=course), make_date(session, course=course, days_from_now=60)
    booked(session, first.id, details(email="Sam@Example.org"))
    with pytest.raises(service.BookedOnAnotherDate):
        booked(session, second.id, details(email="sam+again@example.org"))
