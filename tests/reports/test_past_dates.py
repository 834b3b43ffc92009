"""The past dates list: for each finished date, how many attended, completed, gave feedback and were given a
certificate, read from the page; the same number of queries for a page of 2 dates as for a page of 8."""

import re

import pytest
import sqlalchemy as sa

from app.after_course.certificates import issue_certificate
from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.core import audit
from app.core.filters import day_range
from app.extensions import db
from app.models import AttendanceMark
from app.reports.past_dates import DateOutcome, date_outcomes
from tests.factories import begin_course, booked, details, make_date, make_staff, sign_in

A, L, X = AttendanceMark.ATTENDED, AttendanceMark.LEFT_EARLY, AttendanceMark.ABSENT
ANSWERS = FeedbackAnswers("The scaling.", "", "", 4, 8, False, False)


def finished_date(session, marks: list[tuple[AttendanceMark, AttendanceMark]], *, feedback: int, certificates: int,
                  days_ago: int = 5):  # fmt: skip
    """A two-day date that finished, one person for each pair of marks (day 1, day 2); the first `feedback`
    of them gave feedback and the first `certificates` of those were issued their certificate."""
    course_date = make_date(session, capacity=len(marks) + 2)
    people = [booked(session, course_date.id, details()).booking for _ in marks]
    booked(session, course_date.id, details())  # a place, and no register taken for them
    begin_course(session, course_date, days_ago=days_ago)
    staff = make_staff(session)
    for number, day in enumerate(course_date.days):
        register = {person.id: pair[number] for person, pair in zip(people, marks, strict=True)}
        mark_attendance(session, day.id, register, actor=staff)
    for person in people[:feedback]:
        save_feedback(session, person.id, ANSWERS)
    for person in people[:certificates]:
        issue_certificate(session, person.id, by=audit.WORKER)
    return course_date


def table_rows(html: str) -> dict[str, list[str]]:
    """Each row of the page's table by its date (the row header), with its cells' text."""
    found = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.S):
        header = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if header:
            cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            found[re.sub(r"<[^>]+>|\s+", " ", header.group(1)).strip()] = [" ".join(c.split()) for c in cells]
    return found


def test_each_finished_date_shows_who_attended_completed_gave_feedback_and_has_a_certificate(client, session):
    busy = finished_date(session, [(A, A), (A, A), (A, L), (X, X)], feedback=2, certificates=2)
    quiet = finished_date(session, [(X, X)], feedback=0, certificates=0, days_ago=12)
    sign_in(client, make_staff(session))
    page = client.get("/admin/dates/past")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for column in ("Attended", "Completed", "Feedback returned", "Certificates issued"):
        assert f'govuk-table__header--numeric">{column}</th>' in html
    rows = table_rows(html)
    # Places taken, then attended (at least one day), completed (every day), feedback, certificates.
    assert rows[day_range(busy)][-5:] == ["5 of 6", "3", "2", "2", "2"]
    assert rows[day_range(quiet)][-5:] == ["2 of 3", "0", "0", "0", "0"]


def test_outcomes_of_dates_with_nothing_to_count_are_noughts(session):
    course_date = make_date(session)
    assert date_outcomes(session, [course_date.id]) == {course_date.id: DateOutcome(0, 0, 0, 0)}
    assert date_outcomes(session, []) == {}


@pytest.fixture
def statements(app):
    """The SQL statements the app sends while the test runs."""
    sent = []

    def count(_connection, _cursor, statement, *_):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", count)


def test_the_past_dates_list_asks_the_same_number_of_queries_however_many_dates(client, session, statements):
    sign_in(client, make_staff(session))
    for _ in range(2):
        finished_date(session, [(A, A), (A, X)], feedback=1, certificates=1)
    statements.clear()
    assert client.get("/admin/dates/past").status_code == 200
    with_two = len(statements)
    for _ in range(6):
        finished_date(session, [(A, A), (A, A), (X, X)], feedback=2, certificates=1)
    statements.clear()
    page = client.get("/admin/dates/past")
    assert page.status_code == 200 and "8 dates" in page.get_data(as_text=True)
    assert len(statements) == with_two
