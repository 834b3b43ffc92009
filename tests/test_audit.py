"""Each operation writes its own audit entry in its own transaction: one per change, none when refused."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.catalogue import service as catalogue
from app.core.rules import Refused
from app.enrolment import dates as lifecycle
from app.enrolment.dates import DayTimes
from app.models import LONDON, AuditEvent, Briefing, Course, CourseDate, Venue
from tests.factories import booked, details, make_briefing, make_course, make_date, make_staff, make_venue


def entries(session) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def as_form(course_date: CourseDate, *, closes: datetime) -> dict:
    """The date form exactly as the edit page shows it, with a new closing time."""
    data = {"venue_id": str(course_date.venue_id), "closes_at": closes.astimezone(LONDON).strftime("%H:%M")}
    closes_day = closes.astimezone(LONDON).date()
    data["closes_on"] = [str(closes_day.day), str(closes_day.month), str(closes_day.year)]
    for number, day in enumerate(course_date.days, start=1):
        data[f"day{number}"] = [str(day.day.day), str(day.day.month), str(day.day.year)]
        data[f"day{number}_start"] = day.start_time.strftime("%H:%M")
        data[f"day{number}_end"] = day.end_time.strftime("%H:%M")
    return data


def test_changing_only_the_closing_time_on_the_page_writes_one_entry(client, session, staff):
    admin = make_staff(session, email="ada@example.org")
    course_date = make_date(session)
    new_closing = course_date.booking_closes_at - timedelta(days=1)
    staff.sign_in(admin.email)
    response = client.post(f"/admin/dates/{course_date.id}/edit", data=as_form(course_date, closes=new_closing))
    assert response.status_code == 302, response.get_data(as_text=True)
    (entry,) = entries(session)
    assert (entry.action, entry.subject_type, entry.subject_id) == ("date changed", "course_date", course_date.id)
    assert (entry.staff_user_id, entry.actor) == (admin.id, "ada@example.org")
    assert "Booking now closes at" in entry.summary
    assert session.get(CourseDate, course_date.id).booking_closes_at == new_closing


def test_saving_a_date_with_nothing_changed_writes_nothing(session):
    course_date = make_date(session)
    days = [DayTimes(d.day, d.start_time, d.end_time) for d in course_date.days]
    changes = lifecycle.change_date(
        session,
        course_date.id,
        days=days,
        venue_id=course_date.venue_id,
        closes_at=course_date.booking_closes_at,
        actor=None,
    )
    assert changes == [] and entries(session) == []


def test_creating_a_date_writes_an_entry_naming_the_new_dates_id(session):
    admin = make_staff(session)
    course, venue = make_course(session), make_venue(session)
    first = date.today() + timedelta(days=60)
    course_date = lifecycle.create_date(
        session,
        course_id=course.id,
        venue_id=venue.id,
        capacity=12,
        closes_at=datetime.combine(first - timedelta(days=3), time(17), tzinfo=UTC),
        days=[DayTimes(first, time(9, 30), time(16, 30))],
        actor=admin,
    )
    (entry,) = entries(session)
    assert course_date.id is not None
    assert (entry.action, entry.subject_type, entry.subject_id, entry.staff_user_id) == (
        "date added",
        "course_date",
        course_date.id,
        admin.id,
    )


def test_courses_venues_and_briefings_are_named_by_their_new_ids(session):
    course = catalogue.save_course(
        session,
        None,
        {
            "title": "Signs of Safety refresher",
            "slug": "refresher",
            "summary": "A day.",
            "description": "What we cover.",
            "audience": "Anyone.",
            "in_person": True,
        },
        actor=None,
    )
    venue_values = {
        "name": "Town Hall",
        "address": "Duke Street",
        "town": "Barrow-in-Furness",
        "postcode": "LA14 2LD",
        "step_free_access": True,
        "hearing_loop": False,
        "accessible_toilets": True,
        "parking": None,
        "access_notes": None,
    }
    venue = catalogue.save_venue(session, None, venue_values, actor=None)
    briefing = make_briefing(session, files=(), published=False)
    found = {(e.action, e.subject_type, e.subject_id, e.actor) for e in entries(session)}
    assert found == {
        ("course added", "course", session.scalar(sa.select(Course.id)), "command line"),
        ("venue added", "venue", session.scalar(sa.select(Venue.id)), "command line"),
        ("briefing added", "briefing", session.scalar(sa.select(Briefing.id)), "command line"),
    }
    assert None not in {course.id, venue.id, briefing.id}


@pytest.mark.parametrize(
    "refused_change",
    [
        pytest.param(lambda s, d: lifecycle.set_capacity(s, d, 1, actor=None), id="capacity below the places taken"),
        pytest.param(lambda s, d: lifecycle.unpublish_date(s, d, actor=None), id="unpublish with people booked"),
        pytest.param(lambda s, d: lifecycle.publish_date(s, d, actor=None), id="publish a published date"),
        pytest.param(lambda s, d: lifecycle.change_date(s, d, venue_id=987654, actor=None), id="a venue that is gone"),
    ],
)
def test_a_refused_change_writes_no_entry_and_changes_nothing(session, refused_change):
    course_date = make_date(session, capacity=3)
    booked(session, course_date.id, details())
    booked(session, course_date.id, details())
    before = (course_date.capacity, course_date.status, course_date.venue_id, course_date.updated_at)
    with pytest.raises(Refused):
        refused_change(session, course_date.id)
    assert entries(session) == []
    after = session.get(CourseDate, course_date.id)
    assert (after.capacity, after.status, after.venue_id, after.updated_at) == before


def test_a_refused_capacity_cut_on_the_page_writes_no_entry(client, session, staff):
    admin = make_staff(session)
    course_date = make_date(session, capacity=3)
    for _ in range(2):
        booked(session, course_date.id, details())
    staff.sign_in(admin.email)
    client.post(f"/admin/dates/{course_date.id}/capacity", data={"capacity": "1"})
    assert entries(session) == []
    client.post(f"/admin/dates/{course_date.id}/capacity", data={"capacity": "5"})
    assert [(e.action, e.subject_id) for e in entries(session)] == [("capacity changed", course_date.id)]
