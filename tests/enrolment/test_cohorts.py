"""Booking a list of people from a spreadsheet: every problem is found with its row number before anything is
booked, then everyone is booked in one transaction or nobody is; a malformed file is a problem, never an error."""

import csv
import io

import pytest
import sqlalchemy as sa

from app.enrolment.bookings import cancel_booking
from app.enrolment.cohorts import COLUMNS, MAX_BYTES, MAX_PEOPLE, book_cohort, check_cohort, read_cohort, template_csv
from app.enrolment.refusals import NotAllowed
from app.models import AuditEvent, Booking, BookingStatus, CouncilArea, CourseDate, OutboxMessage, Sector
from tests.factories import begin_course, booked, details, make_date, make_staff


def person(n: int, **overrides) -> dict:
    values = {
        "Full name": f"Cohort Person {n}",
        "Email": f"cohort{n}@example.org",
        "Job title": "Family support worker",
        "Organisation": "Kendal Early Help team",
        "Area of work": "Early help",
        "Council area": "Westmorland and Furness",
        "Manager name": "Sam Manager",
        "Manager email": "sam.manager@example.org",
    }
    values.update(overrides)
    return values


def csv_of(*people: dict, header=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in people:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return out.getvalue().encode("utf-8")


def problems_of(session, course_date, data: bytes) -> list[str]:
    return [str(problem) for problem in check_cohort(session, course_date, read_cohort(data))]


def test_a_clean_file_is_read_with_its_areas_in_words_or_values_and_any_column_order(session):
    course_date = make_date(session)
    first = person(1, **{"Area of work": "schools", "Council area": "CUMBERLAND"})
    second = person(2, **{"Manager name": "", "Manager email": ""})
    data = "\ufeff".encode() + csv_of(first, second)
    cohort = read_cohort(data)
    assert problems_of(session, course_date, data) == []
    (row_2, one), (row_3, two) = cohort.people
    assert (row_2, row_3) == (2, 3)
    assert one.sector == Sector.SCHOOLS and one.council_area == CouncilArea.CUMBERLAND and one.manager_agrees
    assert two.sector == Sector.EARLY_HELP and two.manager_email == "" and not two.manager_agrees
    shuffled = io.StringIO()
    writer = csv.writer(shuffled)
    writer.writerow(list(reversed(COLUMNS)))
    writer.writerow([first[column] for column in reversed(COLUMNS)])
    assert [p.full_name for _n, p in read_cohort(shuffled.getvalue().encode()).people] == ["Cohort Person 1"]


def test_every_problem_is_shown_with_its_row_number_and_nothing_is_booked(session):
    course_date = make_date(session, capacity=20)
    already = booked(session, course_date.id, details(email="already@example.org")).booking
    data = csv_of(
        person(1, **{"Area of work": "Wizardry"}),
        person(2, Email="not-an-email"),
        person(3, Email="cohort1@example.org"),
        person(4, Email="Already+team@Example.org"),
        person(5, **{"Council area": "Narnia", "Full name": ""}),
        person(6, **{"Manager name": "", "Manager email": "boss@example.org"}),
    )
    assert problems_of(session, course_date, data) == [
        "Row 2: 'Wizardry' is not an area of work we know. Use one of: Children's social care, Early help, "
        "Schools and education, Health, Fostering and adoption, Children with disabilities, Looked after children, "
        "Police, Voluntary and community sector, Other.",
        "Row 3: Enter the email address in the correct format, like name@example.com.",
        "Row 4: This email address is also in row 2.",
        "Row 5: This person already has a booking for this course.",
        "Row 6: Enter the full name.",
        "Row 6: 'Narnia' is not a council area we know. Use one of: Cumberland, Westmorland and Furness, "
        "Outside Cumbria.",
        "Row 7: Enter the manager name, or leave both manager columns empty.",
    ]
    session.rollback()
    assert session.scalars(sa.select(Booking.id)).all() == [already.id]


def test_more_people_than_places_left_is_a_problem(session):
    course_date = make_date(session, capacity=3)
    booked(session, course_date.id, details())
    data = csv_of(person(1), person(2), person(3))
    assert problems_of(session, course_date, data) == [
        "The file has 3 people but the date has 2 places left. Add places to the date first, or book fewer people."
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "The file is empty. Add a header row and one row for each person."),
        (b"\xff\xfe\x00n\x00a", "Save the file as 'CSV UTF-8' and upload it again."),
        (csv_of(person(1)).replace(b"Cohort", b"Co\x00hort"), "The file has characters that are not text."),
        (csv_of(person(1)).replace(b"Cohort", b"Co\x1bhort"), "The file has characters that are not text."),
        (csv_of(person(1)).replace(b"Cohort", b"Co\xe2\x80\xaehort"), "The file has characters that are not text."),
        (b'Full name,"Email\n', "The first row must name these columns"),
        (b"Name,Email\nAda,ada@example.org\n", "The first row must name these columns"),
        (csv_of(), "The file has no people in it."),
        (b"x" * (MAX_BYTES + 1), "The file must be 200 KB or smaller."),
        (csv_of(*[person(n) for n in range(MAX_PEOPLE + 1)]), "A file can have up to 200 people."),
        (csv_of(person(1)) + b"one,two\n", "Row 3: Give 8 answers, one in each column."),
        (b"\x00" * 10, "The file has characters that are not text."),
    ],
)
def test_a_malformed_file_is_a_problem_never_an_error(session, data, problem):
    course_date = make_date(session)
    found = problems_of(session, course_date, data)
    assert any(text.startswith(problem) for text in found), found


def test_a_clean_file_books_everyone_in_one_go_with_their_emails_and_an_audit_entry_each(session):
    admin = make_staff(session, email="ada@example.org")
    course_date = make_date(session, capacity=3)
    cohort = read_cohort(csv_of(person(1), person(2)))
    made = book_cohort(session, course_date.id, cohort, actor=admin, send_emails=True)
    session.rollback()
    assert session.get(CourseDate, course_date.id).places_taken == 2
    people = [session.get(Booking, booking.id) for booking in made]
    assert all(b.status == BookingStatus.CONFIRMED and b.email_checked and b.hold_until is None for b in people)
    assert len({b.reference for b in people}) == 2 and len({b.manage_token for b in people}) == 2
    sent = [(m.kind, m.to_address) for m in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]
    assert sent == [("place_confirmed", "cohort1@example.org"), ("place_confirmed", "cohort2@example.org")]
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "booking added")).all()
    assert sorted(e.subject_id for e in events) == sorted(b.id for b in people)
    assert all(e.actor == "ada@example.org" and "from a list of 2 people" in e.summary for e in events)


def test_without_emails_nobody_is_emailed(session):
    admin = make_staff(session)
    course_date = make_date(session)
    book_cohort(session, course_date.id, read_cohort(csv_of(person(1))), actor=admin, send_emails=False)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 1


def test_all_or_nothing_when_the_date_filled_up_after_the_check(session):
    admin = make_staff(session)
    course_date = make_date(session, capacity=2)
    cohort = read_cohort(csv_of(person(1), person(2)))
    assert check_cohort(session, course_date, cohort) == []
    booked(session, course_date.id, details())  # someone books in between
    with pytest.raises(NotAllowed, match="Nobody was booked. The file has 2 people but the date has 1 place left"):
        book_cohort(session, course_date.id, cohort, actor=admin, send_emails=True)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 1
    assert session.get(CourseDate, course_date.id).places_taken == 1


def test_the_template_has_the_header_row_and_reads_clean(session):
    course_date = make_date(session)
    data = template_csv().encode("utf-8")
    assert data.startswith("\ufeff".encode())
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == list(COLUMNS)
    assert problems_of(session, course_date, data) == []


def test_only_a_booking_still_to_come_counts_as_already_booked(session):
    past = make_date(session)
    cancelled_date = make_date(session, course=past.course, days_from_now=20)
    course_date = make_date(session, course=past.course, days_from_now=40)
    booked(session, past.id, details(email="cohort1@example.org"))
    begin_course(session, past, days_ago=10)  # a finished course: staff may book a refresher
    gone = booked(session, cancelled_date.id, details(email="cohort2@example.org")).booking
    cancel_booking(session, gone.manage_token)
    booked(session, cancelled_date.id, details(email="cohort3@example.org"))
    assert problems_of(session, course_date, csv_of(person(1), person(2), person(3))) == [
        "Row 4: This person already has a booking for this course."
    ]
