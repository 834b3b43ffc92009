"""Plain helpers that make the records a test needs, with sensible defaults."""

import itertools
from datetime import UTC, datetime, time, timedelta

from app.booking.service import BookingDetails
from app.models import LONDON, CouncilArea, Course, CourseDate, CourseDay, DateStatus, Sector, Venue

_numbers = itertools.count(1)


def make_course(session, **overrides) -> Course:
    number = next(_numbers)
    values = {
        "slug": f"course-{number}",
        "title": "Signs of Safety Two Day Introductory Training",
        "summary": "Two days in person that introduce Signs of Safety.",
        "description": "The Signs of Safety assessment framework, with a short look at safety planning.",
        "audience": "New members of staff, and anyone who has not yet done the training.",
    }
    values.update(overrides)
    course = Course(**values)
    session.add(course)
    session.commit()
    return course


def make_venue(session, **overrides) -> Venue:
    values = {
        "name": "Civic Centre",
        "address": "Rickergate",
        "town": "Carlisle",
        "postcode": "CA3 8QG",
        "step_free_access": True,
        "hearing_loop": True,
        "accessible_toilets": True,
        "parking": "Car park next to the building.",
    }
    values.update(overrides)
    venue = Venue(**values)
    session.add(venue)
    session.commit()
    return venue


def make_date(
    session,
    *,
    course: Course | None = None,
    venue: Venue | None = None,
    capacity: int = 20,
    status: DateStatus = DateStatus.PUBLISHED,
    days_from_now: int = 30,
    closes_days_before: int = 3,
    start: time = time(9, 30),
    end: time = time(16, 30),
    now: datetime | None = None,
) -> CourseDate:
    """A two-day course date, `days_from_now` days ahead, on consecutive days."""
    now = now or datetime.now(UTC)
    first_day = now.astimezone(LONDON).date() + timedelta(days=days_from_now)
    closes = datetime.combine(first_day - timedelta(days=closes_days_before), time(17), tzinfo=LONDON)
    course_date = CourseDate(
        course=course or make_course(session),
        venue=venue or make_venue(session),
        capacity=capacity,
        status=status,
        booking_closes_at=closes.astimezone(UTC),
        days=[CourseDay(day=first_day + timedelta(days=n), start_time=start, end_time=end) for n in (0, 1)],
    )
    session.add(course_date)
    session.commit()
    return course_date


def details(**overrides) -> BookingDetails:
    """Booking details for a person; each call is a different person unless `email` is given."""
    number = next(_numbers)
    values = {
        "full_name": f"Person {number}",
        "email": f"person{number}@example.org",
        "job_title": "Social worker",
        "organisation": "Carlisle children's social care",
        "sector": Sector.CHILDRENS_SOCIAL_CARE,
        "council_area": CouncilArea.CUMBERLAND,
        "manager_name": "Alex Manager",
        "manager_email": "alex.manager@example.org",
        "manager_agrees": True,
    }
    values.update(overrides)
    return BookingDetails(**values)


def booking_form(**overrides) -> dict:
    """What a person types into the booking form, as the browser would send it."""
    number = next(_numbers)
    values = {
        "full_name": f"Form Person {number}",
        "email": f"form.person{number}@example.org",
        "phone": "",
        "job_title": "Family support worker",
        "organisation": "Kendal Early Help team",
        "sector": "early_help",
        "council_area": "westmorland_furness",
        "manager_name": "Sam Manager",
        "manager_email": "sam.manager@example.org",
        "manager_agrees": "y",
        "access_details": "",
        "dietary_needs": "",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


STAFF_PASSWORD = "a long enough password"


def make_staff(
    session, *, email: str | None = None, role=None, name: str = "Sam Staff", password: str = STAFF_PASSWORD
):
    """A staff account that can sign in with STAFF_PASSWORD."""
    from app.admin.auth import hash_password
    from app.models import Role, StaffUser

    user = StaffUser(
        email=email or f"staff{next(_numbers)}@example.org",
        name=name,
        role=role or Role.ADMIN,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.commit()
    return user
