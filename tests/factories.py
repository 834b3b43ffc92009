"""Plain helpers that make the records a test needs, with sensible defaults. The only factories."""

import itertools
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.briefings import service as briefings
from app.database import writing
from app.enrolment.bookings import BookingDetails, book_place
from app.enrolment.interest import confirm_interest, register_interest
from app.models import (
    LONDON,
    Booking,
    Briefing,
    CouncilArea,
    Course,
    CourseDate,
    CourseDay,
    DateStatus,
    Role,
    Sector,
    StaffUser,
    Venue,
)
from app.staff.passwords import hash_password

_numbers = itertools.count(1)
STAFF_PASSWORD = "a long enough password"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "briefings"
SAMPLE = {
    "webm": FIXTURES / "sample.webm",
    "mp4": FIXTURES / "sample.mp4",
    "captions": FIXTURES / "sample.vtt",
    "chapters": FIXTURES / "sample-chapters.vtt",
    "transcript": FIXTURES / "sample-transcript.txt",
    "poster": FIXTURES / "sample-poster.png",
}
SLOT_OF = {"webm": "video", "mp4": "video"}


def save(session, record):
    """Store a record in its own write transaction and return it."""
    with writing(session):
        session.add(record)
    return record


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
    return save(session, Course(**values))


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
    return save(session, Venue(**values))


def make_date(
    session,
    *,
    course: Course | None = None,
    venue: Venue | None = None,
    capacity: int = 20,
    status: DateStatus = DateStatus.PUBLISHED,
    days_from_now: int = 30,
    closes_days_before: int | None = None,
    start: time = time(9, 30),
    end: time = time(16, 30),
    now: datetime | None = None,
) -> CourseDate:
    """A two-day course date, `days_from_now` days ahead, on consecutive days. Booking closes at 5pm
    `closes_days_before` days before the first day; by default 3 days before, or an hour before the start
    when that 5pm has passed already, so a date a few days ahead made in the evening is still open."""
    now = now or datetime.now(UTC)
    first_day = now.astimezone(LONDON).date() + timedelta(days=days_from_now)
    before = 3 if closes_days_before is None else closes_days_before
    closes = datetime.combine(first_day - timedelta(days=before), time(17), tzinfo=LONDON)
    if closes_days_before is None and closes <= now and days_from_now > 0:
        closes = datetime.combine(first_day, start, tzinfo=LONDON) - timedelta(hours=1)
    course, venue = course or make_course(session), venue or make_venue(session)
    with writing(session):
        course_date = CourseDate(
            course=course,
            venue=venue,
            capacity=capacity,
            status=status,
            booking_closes_at=closes.astimezone(UTC),
            days=[CourseDay(day=first_day + timedelta(days=n), start_time=start, end_time=end) for n in (0, 1)],
        )
        session.add(course_date)
    return course_date


def begin_course(session, course_date: CourseDate, *, days_ago: int = 0) -> CourseDate:
    """Move a date's days so that its first day was `days_ago` days ago (0: it starts today), after people
    have booked it. Booking closes the day before."""
    first_day = datetime.now(UTC).astimezone(LONDON).date() - timedelta(days=days_ago)
    with writing(session):
        shift = first_day - course_date.first_day
        for day in sorted(course_date.days, key=lambda d: d.day, reverse=shift.days > 0):
            day.day = day.day + shift
            session.flush()
        closes = datetime.combine(first_day - timedelta(days=1), time(17), tzinfo=LONDON)
        course_date.booking_closes_at = closes.astimezone(UTC)
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


def make_staff(session, *, email: str | None = None, role: Role = Role.ADMIN, name: str = "Sam Staff") -> StaffUser:
    """A staff account that signs in with STAFF_PASSWORD."""
    user = StaffUser(
        email=email or f"staff{next(_numbers)}@example.org",
        name=name,
        role=role,
        password_hash=hash_password(STAFF_PASSWORD),
    )
    return save(session, user)


def sign_in(client, user, password: str | None = None, *, check: bool = True):
    """Sign in through the sign-in page, as a person would (`user` a StaffUser or an email address), and
    return the answer; with `check`, make sure it worked."""
    email = user if isinstance(user, str) else user.email
    response = client.post("/admin/sign-in", data={"email": email, "password": password or STAFF_PASSWORD})
    if check:
        assert response.status_code == 302, response.get_data(as_text=True)
    return response


def make_briefing(session, *, files=("webm", "captions"), published: bool = True, **overrides) -> Briefing:
    """A briefing with some of the sample files; published unless asked otherwise."""
    number = next(_numbers)
    values = {
        "slug": f"briefing-{number}",
        "title": f"Partner briefing {number}",
        "summary": "A narrated briefing about the ideas behind Signs of Safety.",
        "description": "What Signs of Safety is.\n\nHow we work with families.",
        "audience": "Partners in schools, health and the voluntary sector.\n\nAnyone waiting for the training.",
    }
    values.update(overrides)
    briefing_id = briefings.save_briefing(session, None, values, actor=None).id
    for name in files:
        attach(session, briefing_id, SLOT_OF.get(name, name), SAMPLE[name])
    if published:
        briefings.set_published(session, briefing_id, True, actor=None)
    return session.get(Briefing, briefing_id)


def attach(session, briefing, slot: str, path: Path, filename: str | None = None):
    """Upload a file to a briefing through the same checks staff uploads go through."""
    briefing_id = briefing if isinstance(briefing, int) else briefing.id
    with open(path, "rb") as stream:
        received = briefings.receive_file(slot, stream, filename or path.name, max_bytes=10 * 1024 * 1024)
    return briefings.attach_file(session, briefing_id, received, actor=None)


def booked(session, course_date_id: int, person: BookingDetails | None = None, **options):
    """A booking by someone who has confirmed their address by the link we emailed, as most tests want; a
    booking still held for that check is book_place itself."""
    return book_place(session, course_date_id, person or details(), email_checked=True, **options)


def confirm_by_email(client, session, email: str) -> str:
    """What someone does after the booking form: open the link we emailed to the address and confirm the
    booking. Returns the booking's link (its token), which they only ever learn from that email."""
    session.rollback()
    booking = session.scalars(
        sa.select(Booking).where(Booking.email == email.strip()).order_by(Booking.id.desc())
    ).first()
    assert booking is not None, email
    response = client.post(f"/bookings/{booking.manage_token}/confirm")
    assert response.status_code == 302, response.get_data(as_text=True)
    return booking.manage_token


def interested(session, course_id: int, full_name: str, email: str):
    """Someone who asked to hear about new dates of a course and confirmed it by the link we emailed."""
    interest, _created = register_interest(session, course_id, full_name, email)
    return confirm_interest(session, interest.check_token)
