"""Demo data: the real course, venues in Cumbria and a few sample dates, and an admin and a trainer to try the
staff pages with. Loading twice adds no dates."""

import secrets
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.briefings import service as briefings
from app.core.clock import today_in_london
from app.database import writing
from app.enrolment.availability import first_day_column
from app.enrolment.bookings import BookingDetails, book_place
from app.enrolment.dates import default_closing
from app.models import (
    LONDON,
    AttendanceMark,
    Briefing,
    CouncilArea,
    Course,
    CourseDate,
    CourseDay,
    DateStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    Sector,
    StaffUser,
    Venue,
)
from app.staff import accounts
from config import BASE_DIR

COURSE = {
    "slug": "signs-of-safety-introduction",
    "title": "Signs of Safety Two Day Introductory Training",
    "summary": (
        "Two days in person that introduce Signs of Safety: a way of working with children and "
        "families that builds on their strengths and helps them find their own answers."
    ),
    "description": (
        "Signs of Safety is how Cumberland Council and Westmorland and Furness Council work with "
        "children and families. It starts from what is going well. It works in partnership with "
        "families, the people close to them and other professionals.\n\n"
        "The two days focus on the Signs of Safety assessment framework: how we map what is "
        "working well, what we are worried about and what needs to happen. There is also a short "
        "introduction to safety planning.\n\n"
        "You will practise using simple, clear words instead of professional jargon, so that "
        "children and families understand why we are involved and what we are working towards."
    ),
    "audience": (
        "New members of staff, and anyone who has not yet done the two day introductory training.\n\n"
        "The training is for people who work with children and families in Cumbria: children's "
        "social care, early help, schools, health, fostering and adoption, children with "
        "disabilities, looked after children, and the voluntary and community sector."
    ),
    "in_person": True,
}

VENUES = [
    {
        "name": "Civic Centre",
        "address": "Rickergate",
        "town": "Carlisle",
        "postcode": "CA3 8QG",
        "step_free_access": True,
        "hearing_loop": True,
        "accessible_toilets": True,
        "parking": "Pay and display car park next to the building. Two Blue Badge spaces by the entrance.",
        "access_notes": "The training room is on the first floor. There is a lift.",
    },
    {
        "name": "County Offices",
        "address": "Busher Walk",
        "town": "Kendal",
        "postcode": "LA9 4RQ",
        "step_free_access": True,
        "hearing_loop": True,
        "hearing_loop_note": "a portable loop. Ask for it at reception",
        "accessible_toilets": True,
        "parking": "Limited parking on site. The nearest public car park is a 5 minute walk.",
        "access_notes": "",
    },
    {
        "name": "Town Hall",
        "address": "Duke Street",
        "town": "Barrow-in-Furness",
        "postcode": "LA14 2LD",
        "step_free_access": True,
        "step_free_access_note": "by the side door on Cornwallis Street. Ring the bell",
        "hearing_loop": True,
        "accessible_toilets": True,
        "parking": "On-street parking nearby.",
        "access_notes": "The main entrance on Duke Street has steps.",
    },
]

# (weeks from today, venue index, capacity, confirmed bookings, waiting-list bookings)
DEMO_TRAINER = "demo.trainer@example.org"
SAMPLE_DATES = [(3, 0, 20, 6, 0), (6, 1, 16, 15, 0), (9, 2, 12, 12, 3)]

PEOPLE = [
    ("Siân Evans", "Early help worker", "Carlisle Early Help team", Sector.EARLY_HELP),
    (
        "Zoë Armstrong",
        "Social worker",
        "Children's social care, Workington",
        Sector.CHILDRENS_SOCIAL_CARE,
    ),
    ("Aoife O'Neill", "Designated safeguarding lead", "Keswick School", Sector.SCHOOLS),
    ("Nguyễn Thị Lan", "Health visitor", "North Cumbria health visiting", Sector.HEALTH),
    ("李明", "Supervising social worker", "Fostering service", Sector.FOSTERING_ADOPTION),
    ("Callum Birkett", "Family support worker", "Barrow family hub", Sector.EARLY_HELP),
]


BRIEFINGS = [
    {
        "slug": "signs-of-safety-partner-briefing",
        "title": "Signs of Safety partner briefing",
        "summary": (
            "A narrated briefing that explains the ideas behind Signs of Safety, for partners who work "
            "with children and families in Cumbria."
        ),
        "description": (
            "The Cumbria Safeguarding Children Partnership has held many briefing events across the county "
            "about Signs of Safety. This narrated briefing covers the same ground, so you can watch it when "
            "it suits you.\n\n"
            "It explains the ideas behind Signs of Safety. We start from what is going well for a family and "
            "build on those strengths. We work with children, families and the people close to them, so that "
            "they find their own answers instead of being told what to do.\n\n"
            "It also explains why we use simple words that everyone understands, and what you will see when we "
            "work with families in Cumbria. We are clear about what worries us and why. Families lead their own "
            "plans. The child's voice is at the centre of every plan."
        ),
        "audience": (
            "Partners who work with children and families: schools, health, early help, fostering and adoption, "
            "and the voluntary and community sector.\n\n"
            "It is also useful while you wait for a place on the two day training."
        ),
    },
    {
        "slug": "early-help-signs-of-wellbeing",
        "title": "Early Help – Signs of Wellbeing",
        "summary": (
            "A recorded training session on Signs of Wellbeing: how we use Signs of Safety in early help, "
            "to support families before problems grow."
        ),
        "description": (
            "In early help we call our way of working Signs of Wellbeing. The ideas are the same as Signs of "
            "Safety.\n\n"
            "This recorded session shows how it works in practice. It covers what workers told us is going "
            "well: clear plans, so families know what is expected of them; working with a family's own "
            "network, so that progress lasts; and helping early, so that fewer families need child "
            "protection.\n\n"
            "It also shares what families told us, such as: “The worker wanted things to be better and "
            "listened to me.”"
        ),
        "audience": (
            "Early help workers and their managers, and partners who support families early on, such as "
            "schools, health visitors and family hubs."
        ),
    },
]

# The short sample made by `flask --app wsgi briefings make-sample`, played by both demo briefings.
SAMPLE_MEDIA = BASE_DIR / "tests" / "fixtures" / "briefings"
SAMPLE_MAX_BYTES = 1024 * 1024
SAMPLE_FILES = [
    ("video", "sample.webm"),
    ("video", "sample.mp4"),
    ("captions", "sample.vtt"),
    ("chapters", "sample-chapters.vtt"),
    ("transcript", "sample-transcript.txt"),
    ("poster", "sample-poster.png"),
]


def load_briefings(session: Session) -> int:
    """Add the two briefings with the sample video, published; return how many were new."""
    added = 0
    for values in BRIEFINGS:
        if session.scalar(sa.select(Briefing.id).where(Briefing.slug == values["slug"])) is not None:
            continue
        briefing_id = briefings.save_briefing(session, None, values, actor=None).id
        for slot, name in SAMPLE_FILES:
            if (SAMPLE_MEDIA / name).exists():
                with open(SAMPLE_MEDIA / name, "rb") as stream:
                    received = briefings.receive_file(slot, stream, name, max_bytes=SAMPLE_MAX_BYTES)
                briefings.attach_file(session, briefing_id, received, actor=None)
        if briefings.can_publish(session.get(Briefing, briefing_id)):
            briefings.set_published(session, briefing_id, True, actor=None)
        added += 1
    return added


def upsert_course(session: Session) -> Course:
    course = session.scalar(sa.select(Course).where(Course.slug == COURSE["slug"]))
    if course is None:
        course = Course(**COURSE)
        session.add(course)
    return course


def upsert_venues(session: Session) -> list[Venue]:
    venues = []
    for values in VENUES:
        venue = session.scalar(sa.select(Venue).where(Venue.name == values["name"], Venue.town == values["town"]))
        if venue is None:
            venue = Venue(**values)
            session.add(venue)
        venues.append(venue)
    return venues


def next_tuesday_after(start: date, weeks: int) -> date:
    day = start + timedelta(weeks=weeks)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def sample_date(course: Course, venue: Venue, first_day: date, capacity: int) -> CourseDate:
    closes = default_closing(first_day)
    return CourseDate(
        course=course,
        venue=venue,
        capacity=capacity,
        status=DateStatus.PUBLISHED,
        booking_closes_at=closes.astimezone(UTC),
        days=[
            CourseDay(
                day=first_day + timedelta(days=offset),
                start_time=time(9, 30),
                end_time=time(16, 30),
            )
            for offset in (0, 1)
        ],
    )


def demo_person(number: int) -> BookingDetails:
    name, job, organisation, sector = PEOPLE[number % len(PEOPLE)]
    return BookingDetails(
        full_name=name if number < len(PEOPLE) else f"{name} {number}",
        email=f"demo.person{number}@example.org",
        job_title=job,
        organisation=organisation,
        sector=sector,
        council_area=CouncilArea.CUMBERLAND if number % 2 else CouncilArea.WESTMORLAND_FURNESS,
        manager_name="Alex Manager",
        manager_email="alex.manager@example.org",
        manager_agrees=True,
        access_needs=["hearing_loop"] if number % 5 == 0 else [],
    )


DEMO_ADMIN = "demo.admin@example.org"


def demo_accounts(session: Session) -> list[tuple[str, Role, str]]:
    """An admin and a trainer to try the staff pages with, each with a new password every time the demo loads
    (printed once, at the terminal that loaded it): (email, role, password)."""
    found = []
    for email, name, role in ((DEMO_ADMIN, "Alex Admin", Role.ADMIN), (DEMO_TRAINER, "Morgan Trainer", Role.TRAINER)):
        password = secrets.token_urlsafe(12)
        user, _created = accounts.create_or_reset(session, email, name=name, role=role, password=password)
        accounts.set_active(session, user.id, True, actor=None)
        found.append((email, role, password))
    return found


def load_demo(session: Session, now: datetime) -> int:
    """Load the demo; return how many new dates were added."""
    load_briefings(session)
    with writing(session):
        course = upsert_course(session)
        venues = upsert_venues(session)
    load_finished_course(session, now, course, venues[-1])
    added = 0
    start = today_in_london(now)
    for weeks, venue_index, capacity, confirmed, waiting in SAMPLE_DATES:
        venue = venues[venue_index]
        already = session.scalar(
            sa.select(CourseDate.id).where(
                CourseDate.course_id == course.id,
                CourseDate.venue_id == venue.id,
                CourseDate.status == DateStatus.PUBLISHED,
                first_day_column() >= start,
            )
        )
        if already is not None:
            continue
        with writing(session):
            course_date = sample_date(course, venue, next_tuesday_after(start, weeks), capacity)
            session.add(course_date)
        for number in range(confirmed + waiting):
            book_place(session, course_date.id, demo_person(number + 100 * weeks), now=now, email_checked=True)
        added += 1
    return added


# The finished course: who came on each day ("A" all day, "L" left early, "X" absent) and, for some,
# what they said afterwards (worked well, worries, next, before, after, quote: "name", "anon" or "no").
FINISHED_MARKS = ["AA", "AA", "AA", "AL", "AA", "XX", "AA", "AX", "AA", "AA"]
FINISHED_FEEDBACK = {
    0: ("Hearing how families describe their own strengths.", "", "Use the scaling questions in supervision.",
        3, 8, "name"),
    1: ("The three columns made a complicated case clear.", "Two days felt short for the mapping.",
        "Practise mapping with my team.", 2, 7, "anon"),
    2: ("Plain words instead of jargon.", "", "", 5, 8, "no"),
    4: ("Working through a real case together.", "I am not sure how to start with families I already know.",
        "A follow-up session in three months.", 4, 7, "name"),
    6: ("", "The room was cold.", "", 6, 7, "anon"),
}  # fmt: skip


def load_finished_course(session: Session, now: datetime, course: Course, venue: Venue) -> bool:
    """A course that finished three weeks ago, with its register taken, feedback given and certificates
    issued, so the reports, completion and certificates have something to show. Added once."""
    start = today_in_london(now)
    if session.scalar(sa.select(CourseDate.id).where(CourseDate.course_id == course.id, first_day_column() < start)):
        return False
    first_day = start - timedelta(days=22)
    with writing(session):
        trainer = session.scalar(sa.select(StaffUser).where(StaffUser.email == DEMO_TRAINER))
        if trainer is None:
            # No password until demo_accounts gives it one, printed at the terminal that loads the demo.
            trainer = StaffUser(email=DEMO_TRAINER, name="Morgan Trainer", role=Role.TRAINER, password_hash=None)
            session.add(trainer)
        course_date = sample_date(course, venue, first_day, len(FINISHED_MARKS))
        course_date.trainers.append(trainer)
        session.add(course_date)
    booked_at = datetime.combine(first_day - timedelta(days=20), time(10), tzinfo=LONDON).astimezone(UTC)
    bookings = [
        book_place(session, course_date.id, demo_person(5000 + number), now=booked_at, email_checked=True).booking
        for number in range(len(FINISHED_MARKS))
    ]
    # Their booking emails went out back then: mark them sent, so the demo does not send them now.
    with writing(session):
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.booking_id.in_([b.id for b in bookings]))
            .values(status=OutboxStatus.SENT, sent_at=booked_at, attempts=1)
            .execution_options(synchronize_session=False)
        )
    letters = {"A": AttendanceMark.ATTENDED, "L": AttendanceMark.LEFT_EARLY, "X": AttendanceMark.ABSENT}
    for day_index, day in enumerate(course_date.days):
        marks = {b.id: letters[FINISHED_MARKS[n][day_index]] for n, b in enumerate(bookings)}
        on_the_day = datetime.combine(day.day, time(16), tzinfo=LONDON).astimezone(UTC)
        mark_attendance(session, day.id, marks, actor=trainer, now=on_the_day)
    after = datetime.combine(course_date.last_day + timedelta(days=2), time(12), tzinfo=LONDON).astimezone(UTC)
    for number, (worked, worries, next_steps, before, later, quote) in FINISHED_FEEDBACK.items():
        answers = FeedbackAnswers(worked, worries, next_steps, before, later, quote != "no", quote == "name")
        save_feedback(session, bookings[number].id, answers, now=after)
    return True
