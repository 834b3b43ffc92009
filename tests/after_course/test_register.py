"""The register: open from the first day of the course, attended, left early or absent, with each
person's needs beside their name and who saved it last."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.after_course.register import RegisterNotOpen, mark_attendance, register_last_saved
from app.models import Attendance, AttendanceMark, AuditEvent
from tests.factories import begin_course, booked, details, make_date, make_staff, sign_in
from tests.pages import source


def test_the_register_refuses_marks_before_the_first_day(session):
    course_date = make_date(session, days_from_now=21)
    booking = booked(session, course_date.id, details()).booking
    admin = make_staff(session)
    with pytest.raises(RegisterNotOpen, match="The register opens on the first day of the course"):
        mark_attendance(session, course_date.days[1].id, {booking.id: AttendanceMark.ATTENDED}, actor=admin)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
    # On the morning of day 1 (in the UK) it opens, for both days.
    first_morning = datetime.combine(course_date.first_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    saved = mark_attendance(
        session, course_date.days[0].id, {booking.id: AttendanceMark.LEFT_EARLY}, actor=admin, now=first_morning
    )
    assert saved == 1
    session.rollback()
    assert session.scalar(sa.select(Attendance.mark)) == AttendanceMark.LEFT_EARLY


def test_before_day_one_the_register_page_lists_people_and_says_when_it_opens(client, session):
    course_date = make_date(session, days_from_now=21)
    booked(session, course_date.id, details(full_name="Ffion Jones"))
    sign_in(client, make_staff(session))
    url = f"/admin/dates/{course_date.id}/register/{course_date.days[0].id}"
    page = source(client.get(url))
    assert "The register opens on the first day of the course" in page and "Ffion Jones" in page
    assert "Save the register" not in page
    response = client.post(url, data={})
    assert response.status_code == 302
    assert "The register opens on the first day of the course" in source(client.get(response.headers["Location"]))


def test_the_register_shows_needs_and_three_choices_and_who_saved_it(client, session):
    course_date = make_date(session)
    needing = booked(session, course_date.id, details(access_needs=["hearing_loop"], dietary_needs="Vegan"))
    plain = booked(session, course_date.id, details())
    begin_course(session, course_date, days_ago=1)
    trainer = make_staff(session, name="Tomás Trainer")
    sign_in(client, trainer)
    day_two = course_date.days[1]
    url = f"/admin/dates/{course_date.id}/register/{day_two.id}"
    page = source(client.get(url))
    assert "Register: day 2," in page and "A hearing loop" in page and "Dietary: Vegan" in page
    assert page.count('value="left_early"') == 2 and "Last saved" not in page
    client.post(url, data={f"mark-{needing.booking.id}": "attended", f"mark-{plain.booking.id}": "left_early"})
    page = source(client.get(url))
    assert "by Tomás Trainer." in page
    assert (
        f'id="left_early-{plain.booking.id}" name="mark-{plain.booking.id}" type="radio" value="left_early" checked'
        in page
    )
    session.rollback()
    saved = register_last_saved(session, day_two.id)
    assert saved.by == "Tomás Trainer"
    (event,) = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "register taken")).all()
    assert event.summary.endswith(": 2 marked")


def test_an_unknown_mark_is_ignored_and_changes_nothing(client, session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    begin_course(session, course_date)
    sign_in(client, make_staff(session))
    url = f"/admin/dates/{course_date.id}/register/{course_date.days[0].id}"
    assert client.post(url, data={f"mark-{booking.id}": "yes\x00"}).status_code == 302
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Attendance.id))) == 0


def test_the_sign_in_sheet_is_sorted_by_surname_then_first_name(client, session):
    from app.enrolment.roster import surname_key

    course_date = make_date(session)
    for name in ("Zoë Adams", "Dafydd Ó Briain", "Amy Zhang", "Ben Adams", "Cher"):
        booked(session, course_date.id, details(full_name=name))
    sign_in(client, make_staff(session))
    page = source(client.get(f"/admin/dates/{course_date.id}/sign-in-sheet"))
    order = [page.index(name) for name in ("Ben Adams", "Zoë Adams", "Dafydd Ó Briain", "Cher", "Amy Zhang")]
    assert order == sorted(order)
    assert surname_key("  Siân   Evans ") == ("evans", "sian")


def test_a_trainers_spreadsheet_has_names_organisations_needs_and_attendance_only(client, session):
    import csv
    import io

    from app.database import writing
    from app.models import Role

    course_date = make_date(session)
    booked(session, course_date.id, details(full_name="Ffion Jones", phone="01228 000000",
                                                access_needs=["hearing_loop"]))  # fmt: skip
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        course_date.trainers.append(trainer)

    def spreadsheet(user):
        client.post("/admin/sign-out")
        sign_in(client, user)
        data = client.get(f"/admin/dates/{course_date.id}/bookings.csv").data.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(data)))

    header, row = spreadsheet(trainer)
    assert header[:7] == ["Status", "Full name", "Organisation", "Access needs", "More about access needs",
                          "Dietary needs", "Needs arranged"]  # fmt: skip
    assert header[7].startswith("Day 1") and header[-1] == "Completion" and len(header) == 10
    assert row[1] == "Ffion Jones" and "01228 000000" not in row and "alex.manager@example.org" not in row
    full_header, full_row = spreadsheet(make_staff(session))
    assert "Manager's email" in full_header and "01228 000000" in full_row
