"""A cohort: a list of people (a CSV file) that the training team books on one date in one go.

The file is read in full and every problem is found, with its row number, before anything is booked. Then
everyone is booked in one transaction, or nobody is. Staff vouch for the addresses, as when they book for
one person, so nobody is asked to confirm theirs.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.addresses import email_key
from app.core.clock import today_in_london
from app.core.filters import day_range
from app.database import utcnow, writing
from app.enrolment.availability import availability, first_day_column
from app.enrolment.bookings import BookingDetails
from app.enrolment.colleagues import new_booking, welcome
from app.enrolment.places import locked_date, take_places
from app.enrolment.refusals import NotAllowed
from app.models import (
    COUNCIL_AREA_LABELS,
    SECTOR_LABELS,
    Booking,
    BookingStatus,
    CourseDate,
    DateStatus,
    StaffUser,
)

# The header row, in this order in the template; a file may put the columns in any order.
COLUMNS = (
    "Full name",
    "Email",
    "Job title",
    "Organisation",
    "Area of work",
    "Council area",
    "Manager name",
    "Manager email",
)
# What goes in each column, in plain words, for the upload page.
COLUMN_HELP = {
    "Full name": "The person's full name.",
    "Email": "Their own work email address. Each person needs a different one.",
    "Job title": "For example, Social worker.",
    "Organisation": "The organisation or team they work for.",
    "Area of work": "One of: " + ", ".join(SECTOR_LABELS.values()) + ".",
    "Council area": "One of: " + ", ".join(COUNCIL_AREA_LABELS.values()) + ".",
    "Manager name": "Their line manager's full name. Leave empty if they have none.",
    "Manager email": "Their line manager's email address. Leave empty if they have none.",
}
MAX_BYTES = 200 * 1024
MAX_PEOPLE = 200
# Longest answers, as on the booking form.
LONGEST = {"Full name": 120, "Email": 254, "Job title": 120, "Organisation": 200, "Manager name": 120,
           "Manager email": 254}  # fmt: skip
NOT_TEXT = {"Cc", "Cf", "Cs", "Co"}


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file: `row` counts as a spreadsheet does (the header is row 1); None for
    the file as a whole."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.row is None else f"Row {self.row}: {self.message}"


@dataclass
class Cohort:
    """The people read from a file, each with their row number, and every problem found."""

    people: list[tuple[int, BookingDetails]]
    problems: list[Problem]
    rows: int = 0  # how many people the file lists, with or without problems


def template_csv() -> str:
    """The header row and one example, for people to fill in."""
    example = ["Sam Example", "sam.example@cumberland.gov.uk", "Social worker", "Carlisle Early Help team",
               "Early help", "Cumberland", "Alex Manager", "alex.manager@cumberland.gov.uk"]  # fmt: skip
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(example)
    return out.getvalue()


def _control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in NOT_TEXT and c not in "\r\n\t" for c in text)


def read_cohort(data: bytes) -> Cohort:
    """Read a CSV file of people: whatever is wrong with it is a Problem, never an error."""
    if not data.strip():
        return Cohort([], [Problem(None, "The file is empty. Add a header row and one row for each person.")])
    if len(data) > MAX_BYTES:
        return Cohort([], [Problem(None, f"The file must be {MAX_BYTES // 1024} KB or smaller.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Cohort([], [Problem(None, "Save the file as 'CSV UTF-8' and upload it again.")])
    if "\x00" in text or _control_characters(text):
        return Cohort([], [Problem(None, "The file has characters that are not text. Save it as 'CSV UTF-8'.")])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return Cohort([], [Problem(None, "The file is not a CSV file we can read. Save it as 'CSV UTF-8'.")])
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    header = [" ".join(cell.split()).lower() for cell in rows[0]] if rows else []
    expected = [column.lower() for column in COLUMNS]
    if sorted(header) != sorted(expected):
        return Cohort([], [Problem(None, f"The first row must name these columns: {', '.join(COLUMNS)}.")])
    if len(rows) - 1 > MAX_PEOPLE:
        return Cohort([], [Problem(None, f"A file can have up to {MAX_PEOPLE} people. Split it into smaller files.")])
    if len(rows) == 1:
        return Cohort([], [Problem(None, "The file has no people in it. Add one row for each person.")])
    people, problems, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {COLUMNS[expected.index(name)]: " ".join(cell.split()) for name, cell in zip(header, row, strict=False)}
        if len(row) != len(header):
            problems.append(Problem(number, f"Give {len(COLUMNS)} answers, one in each column."))
            continue
        person, found = _person(cells)
        key = email_key(cells["Email"])
        if key and key in seen:
            found.append(f"This email address is also in row {seen[key]}.")
        seen.setdefault(key, number)
        problems += [Problem(number, message) for message in found]
        if not found:
            people.append((number, person))
    return Cohort(people, problems, len(rows) - 1)


def _person(cells: dict[str, str]) -> tuple[BookingDetails | None, list[str]]:
    """One row as a person's details, or what is wrong with it."""
    found = []
    for column in ("Full name", "Job title", "Organisation"):
        if not cells[column]:
            found.append(f"Enter the {column.lower()}.")
    for column, longest in LONGEST.items():
        if len(cells[column]) > longest:
            found.append(f"{column} must be {longest} characters or fewer.")
    email = _address(cells["Email"], "email address", found)
    sector = _choice(cells["Area of work"], SECTOR_LABELS, "area of work", "an", found)
    council_area = _choice(cells["Council area"], COUNCIL_AREA_LABELS, "council area", "a", found)
    manager_email = ""
    if cells["Manager name"] or cells["Manager email"]:
        if not cells["Manager name"]:
            found.append("Enter the manager name, or leave both manager columns empty.")
        manager_email = _address(cells["Manager email"], "manager email address", found)
    if found:
        return None, found
    return BookingDetails(
        full_name=cells["Full name"],
        email=email,
        job_title=cells["Job title"],
        organisation=cells["Organisation"],
        sector=sector,
        council_area=council_area,
        manager_name=cells["Manager name"],
        manager_email=manager_email,
        # A team that sends its people as a group has their managers' agreement.
        manager_agrees=bool(manager_email),
    ), found


def _address(typed: str, what: str, found: list[str]) -> str:
    if not typed:
        found.append(f"Enter the {what}.")
        return ""
    try:
        address = validate_email(typed, check_deliverability=False)
    except EmailNotValidError:
        found.append(f"Enter the {what} in the correct format, like name@example.com.")
        return ""
    if address.ascii_email is None:
        found.append(f"Enter the {what} using only the letters a to z, numbers and . _ - + before the @.")
        return ""
    return address.ascii_email


def _choice(typed: str, labels: dict, what: str, article: str, found: list[str]):
    """A value from its words (or its stored value), in any case."""
    for value, label in labels.items():
        if typed.lower() in (label.lower(), str(value).lower()):
            return value
    start = f"Enter the {what}." if not typed else f"'{typed}' is not {article} {what} we know."
    found.append(f"{start} Use one of: {', '.join(labels.values())}.")
    return None


def already_booked(session: Session, course_id: int, keys: list[str], now: datetime) -> set[str]:
    """Which of these addresses have a booking for a date of this course still to come: the rule of
    active_booking_for_course, asked for a whole list in one query."""
    if not keys:
        return set()
    found = session.scalars(
        sa.select(Booking.email_key)
        .join(CourseDate, Booking.course_date_id == CourseDate.id)
        .where(
            Booking.email_key.in_(sorted(set(keys))),
            Booking.status != BookingStatus.CANCELLED,
            CourseDate.course_id == course_id,
            CourseDate.status != DateStatus.CANCELLED,
            first_day_column() >= today_in_london(now),
        )
    )
    return set(found)


def check_cohort(
    session: Session, course_date: CourseDate, cohort: Cohort, now: datetime | None = None
) -> list[Problem]:
    """Every problem with booking these people on the date: the file's own, then people already booked on
    this course, the date not open to bookings, and more people than places left."""
    now = now or utcnow()
    problems = list(cohort.problems)
    booked = already_booked(session, course_date.course_id, [email_key(p.email) for _n, p in cohort.people], now)
    for number, person in cohort.people:
        if email_key(person.email) in booked:
            problems.append(Problem(number, "This person already has a booking for this course."))
    open_now = availability(course_date, now)
    if open_now.reason is not None:
        problems.append(Problem(None, open_now.reason))
    wanted, left = cohort.rows, open_now.places_left
    if cohort.people and wanted > left:
        problems.append(
            Problem(
                None,
                f"The file has {wanted} people but the date has {left} place{'' if left == 1 else 's'} "
                "left. Add places to the date first, or book fewer people.",
            )  # fmt: skip
        )
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


def book_cohort(
    session: Session,
    course_date_id: int,
    cohort: Cohort,
    *,
    actor: StaffUser | None,
    send_emails: bool,
    now: datetime | None = None,
) -> list[Booking]:
    """Book everyone in a clean file a place on the date, in one transaction: everyone or nobody. Checked
    again with the date locked. Without `send_emails` nobody is emailed (and no calendar invite goes)."""
    now = now or utcnow()
    for _attempt in range(5):
        try:
            return _book_cohort_once(session, course_date_id, cohort, actor, send_emails, now)
        except IntegrityError:
            pass  # a reference that clashed: the whole list again, with new references
    raise RuntimeError("No free booking references after five tries")


def _book_cohort_once(session, course_date_id, cohort, actor, send_emails, now) -> list[Booking]:
    with writing(session):
        course_date = locked_date(session, course_date_id)
        if problems := check_cohort(session, course_date, cohort, now):
            raise NotAllowed(f"Nobody was booked. {problems[0]}")
        if not take_places(session, course_date, len(cohort.people)):
            raise NotAllowed("Nobody was booked. There are not enough places left for everyone.")
        made = [new_booking(course_date, person, now, checked=True) for _number, person in cohort.people]
        session.add_all(made)
        session.flush()
        for booking in made:
            if send_emails:
                welcome(session, booking)
            audit.record(
                session,
                actor,
                "booking added",
                booking,
                f"Booked {booking.reference} (a place) on {day_range(course_date)} from a list of {len(made)} "
                f"people{'' if send_emails else ', without emails'}",
            )
        return made
