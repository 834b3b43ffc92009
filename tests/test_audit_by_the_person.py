"""What people do themselves, on the form and by their booking link, is in the audit log like what staff do:
written in the same transaction, by "the person", and never with their needs in the words."""

import sqlalchemy as sa

from app.core import audit
from app.core.filters import day_range, short_days
from app.models import AuditEvent, Booking
from tests.factories import (
    begin_course,
    booked,
    booking_form,
    confirm_by_email,
    details,
    make_date,
    make_staff,
    sign_in,
)


def entries(session, booking_id: int | None = None) -> list[AuditEvent]:
    session.rollback()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if booking_id is not None:
        query = query.where(AuditEvent.subject_type == "booking", AuditEvent.subject_id == booking_id)
    return list(session.scalars(query))


def booking_of(session, email: str) -> Booking:
    session.rollback()
    return session.scalars(sa.select(Booking).where(Booking.email == email)).one()


def test_a_booking_on_the_form_and_its_confirmation_are_both_written_down(client, session):
    course_date = make_date(session)
    form = booking_form(full_name="Siân Evans", access_details="I need a quiet room to rest at lunch")
    assert client.post(f"/dates/{course_date.id}/book", data=form).status_code == 302
    booking = booking_of(session, form["email"])
    (added,) = entries(session, booking.id)
    assert (added.action, added.actor, added.staff_user_id) == ("booking added", audit.BOOKING_FORM, None)
    assert added.summary == (
        f"Booked {booking.reference} (a place) on {day_range(course_date)}, "
        "kept until the person confirms it by the link we emailed"
    )
    confirm_by_email(client, session, form["email"])
    confirmed = entries(session, booking.id)[-1]
    assert (confirmed.action, confirmed.actor) == ("booking confirmed", audit.PERSON_BOOKED)
    assert not any("quiet room" in e.summary or "Siân" in e.summary for e in entries(session))


def test_a_cancellation_by_the_persons_link_is_written_down_by_the_person(client, session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details(access_details="A British Sign Language interpreter")).booking
    assert client.post(f"/bookings/{booking.manage_token}/cancel").status_code == 302
    (entry,) = entries(session, booking.id)
    assert (entry.action, entry.actor, entry.staff_user_id) == ("booking cancelled", audit.PERSON_BOOKED, None)
    assert entry.summary == f"Cancelled booking {booking.reference} on {day_range(course_date)}"
    assert "Sign Language" not in entry.summary


def test_a_move_by_the_persons_link_names_both_dates_and_the_person(client, session):
    first = make_date(session, days_from_now=20)
    later = make_date(session, days_from_now=50, course=first.course)
    booking = booked(session, first.id, details(dietary_needs="Gluten free")).booking
    response = client.post(f"/bookings/{booking.manage_token}/move", data={"new_date": str(later.id), "checked": "yes"})
    assert response.status_code == 302
    (entry,) = entries(session, booking.id)
    assert (entry.action, entry.actor) == ("booking moved", audit.PERSON_BOOKED)
    assert entry.summary == f"Moved booking {booking.reference} from {day_range(first)} to {day_range(later)}"


def test_a_change_of_needs_by_the_person_says_so_without_the_needs(client, session):
    booking = booked(session, make_date(session).id, details()).booking
    data = {"access_needs": ["other"], "access_details": "Seat near the door", "dietary_needs": "Halal"}
    assert client.post(f"/bookings/{booking.manage_token}/needs", data=data).status_code == 302
    (entry,) = entries(session, booking.id)
    assert (entry.action, entry.actor) == ("needs changed", audit.PERSON_BOOKED)
    assert "door" not in entry.summary and "Halal" not in entry.summary and booking.reference in entry.summary


def test_staff_acting_for_someone_are_named_not_the_person(client, session, staff):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    admin = make_staff(session, email="ada@example.org")
    staff.sign_in(admin.email)
    assert client.post(f"/admin/bookings/{booking.id}/cancel").status_code == 302
    (entry,) = entries(session, booking.id)
    assert (entry.actor, entry.staff_user_id) == ("ada@example.org", admin.id)


def test_a_refused_cancellation_writes_nothing(client, session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    begin_course(session, course_date)
    client.post(f"/bookings/{booking.manage_token}/cancel")
    assert entries(session) == []


def test_a_register_correction_names_the_person_their_reference_and_both_marks(client, session):
    course_date = make_date(session)
    sian = booked(session, course_date.id, details(full_name="Siân Evans")).booking
    other = booked(session, course_date.id, details(full_name="Ben Carter")).booking
    begin_course(session, course_date, days_ago=1)
    sign_in(client, make_staff(session, email="tomas@example.org"))
    url = f"/admin/dates/{course_date.id}/register/{course_date.days[0].id}"
    client.post(url, data={f"mark-{sian.id}": "absent", f"mark-{other.id}": "attended"})
    (first,) = entries(session)
    assert (first.action, first.summary.split(": ")[-1]) == ("register taken", "2 marked")
    client.post(url, data={f"mark-{sian.id}": "attended", f"mark-{other.id}": "attended"})
    (correction,) = entries(session, sian.id)
    session.rollback()
    days = course_date.days
    assert correction.action == "register corrected" and correction.actor == "tomas@example.org"
    assert correction.summary == (
        f"Register for day 1 of {short_days([d.day for d in days])} {days[1].day.year}: "
        f"Siân Evans ({sian.reference}) changed from absent to attended"
    )
    assert entries(session, other.id) == [] and len(entries(session)) == 2
