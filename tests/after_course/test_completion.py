"""Completion, from the register of every day: completed, partly attended or did not attend."""

import csv
import io

import pytest

from app.after_course.register import mark_attendance
from app.enrolment.roster import roster
from app.models import AttendanceMark, Completion, completion_of
from tests.factories import begin_course, booked, details, make_date, make_staff, sign_in
from tests.pages import words

A, L, X = AttendanceMark.ATTENDED, AttendanceMark.LEFT_EARLY, AttendanceMark.ABSENT


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ([A, A], Completion.COMPLETED), ([A], Completion.COMPLETED), ([A, L], Completion.PARTLY),
        ([X, A], Completion.PARTLY), ([L, L], Completion.PARTLY), ([X, X], Completion.ABSENT),
        ([A, None], None), ([None, None], None), ([], None),
    ],
)  # fmt: skip
def test_completion_follows_every_days_mark(marks, expected):
    assert completion_of(marks) is expected


def test_completion_shows_on_the_date_page_the_spreadsheet_and_the_persons_page(client, session):
    course_date = make_date(session)
    came = booked(session, course_date.id, details(full_name="Cai Came")).booking
    part = booked(session, course_date.id, details(full_name="Pat Part")).booking
    begin_course(session, course_date, days_ago=1)
    admin = make_staff(session)
    day_one, day_two = course_date.days
    mark_attendance(session, day_one.id, {came.id: A, part.id: A}, actor=admin)
    assert roster(session, course_date).completion(came) is None  # day 2 not taken yet
    mark_attendance(session, day_two.id, {came.id: A, part.id: X}, actor=admin)
    session.rollback()
    people = roster(session, course_date)
    assert (people.completion(came), people.completion(part)) == (Completion.COMPLETED, Completion.PARTLY)

    sign_in(client, admin)
    page = words(client.get(f"/admin/dates/{course_date.id}"))
    assert "Attendance Completed" in page and "Attendance Partly attended" in page
    rows = list(
        csv.reader(io.StringIO(client.get(f"/admin/dates/{course_date.id}/bookings.csv").data.decode("utf-8-sig")))
    )
    assert rows[0][-1] == "Completion" and [row[-1] for row in rows[1:]] == ["Completed", "Partly attended"]
    assert "came to every day of the course" in words(client.get(f"/bookings/{came.manage_token}"))
    assert "came to part of the course" in words(client.get(f"/bookings/{part.manage_token}"))
