"""The register: open from the first day of the course, attended, left early or absent, with each
person's needs beside their name and who saved it last."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.after_course.register import RegisterNotOpen, mark_attendance, register_last_saved
from app.models import Attendance, AttendanceMark, AuditEvent
from tests.factories import STAFF_PASSWORD, begin_course, booked, details, make_date, make_staff, sign_in
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


CUMBRIA_NAMES = [  # as people typed them, in random order
    "Nguyễn Thị Hoa", "Siân ap Rhys", "Mairi MacLeod", "Seán O'Neill", "Łukasz Wiśniewski", "Omar al-Farsi",
    "Hamish McLeod", "Cher", "Ana de la Cruz", "Dafydd Ó Briain", "Hoa Tran", "Ffion Evans", "Jean-Luc Picard",
]  # fmt: skip
IN_SURNAME_ORDER = [
    "Omar al-Farsi", "Siân ap Rhys", "Cher", "Ana de la Cruz", "Ffion Evans", "Mairi MacLeod", "Hamish McLeod",
    "Nguyễn Thị Hoa", "Dafydd Ó Briain", "Seán O'Neill", "Jean-Luc Picard", "Hoa Tran", "Łukasz Wiśniewski",
]  # fmt: skip


def test_the_register_and_the_sign_in_sheet_list_people_in_the_same_surname_order(client, session):
    course_date = make_date(session, capacity=20)
    for name in CUMBRIA_NAMES:
        booked(session, course_date.id, details(full_name=name))
    begin_course(session, course_date)
    sign_in(client, make_staff(session))
    sheet = source(client.get(f"/admin/dates/{course_date.id}/sign-in-sheet"))
    register = source(client.get(f"/admin/dates/{course_date.id}/register/{course_date.days[0].id}"))
    for page in (sheet, register):
        assert sorted(IN_SURNAME_ORDER, key=page.index) == IN_SURNAME_ORDER
    assert "In surname order, as on the sign-in sheet." in register


def test_mark_everyone_attended_then_the_exceptions(client, session):
    course_date = make_date(session, capacity=4)
    names = ("Ada A", "Bea B", "Cy C", "Di D")
    ada, bea, cy, di = (booked(session, course_date.id, details(full_name=name)).booking for name in names)
    waiting = booked(session, course_date.id, details(full_name="Eve Waiting")).booking
    begin_course(session, course_date)
    day = course_date.days[0]
    admin = make_staff(session, name="Jo Admin")
    mark_attendance(session, day.id, {bea.id: AttendanceMark.ABSENT}, actor=admin)  # saved before
    sign_in(client, admin)
    url = f"/admin/dates/{course_date.id}/register/{day.id}"
    page = source(client.get(url))
    assert "Mark everyone else attended" in page and f'formaction="{url}/everyone-attended"' in page
    # Cy is chosen as left early on the page, not yet saved; the button saves that too.
    response = client.post(f"{url}/everyone-attended", data={f"mark-{cy.id}": "left_early"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = source(client.get(url))
    assert "2 people marked as attended. Change anyone who was absent or left early, then save the register." in page
    assert "Mark everyone" not in page  # everyone has a mark now
    for booking, mark in ((ada, "attended"), (bea, "absent"), (cy, "left_early"), (di, "attended")):
        assert f'name="mark-{booking.id}" type="radio" value="{mark}" checked' in page
    session.rollback()
    marks = dict(session.execute(sa.select(Attendance.booking_id, Attendance.mark)).all())
    assert marks == {ada.id: "attended", bea.id: "absent", cy.id: "left_early", di.id: "attended"}
    assert waiting.id not in marks
    summaries = session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "register taken").order_by(AuditEvent.id)
    ).all()
    assert summaries[-1].endswith(": 1 marked and 2 without a mark marked attended")
    # Then the exception: Di left early, saved with the register's own button.
    client.post(url, data={f"mark-{di.id}": "left_early"})
    session.rollback()
    assert session.scalar(sa.select(Attendance.mark).where(Attendance.booking_id == di.id)) == "left_early"


def test_mark_everyone_attended_never_replaces_a_saved_mark_and_waits_for_the_first_day(session):
    from app.after_course.register import mark_everyone_else_attended

    course_date = make_date(session, days_from_now=21)
    absent, left = (booked(session, course_date.id, details()).booking for _ in range(2))
    admin = make_staff(session)
    with pytest.raises(RegisterNotOpen):
        mark_everyone_else_attended(session, course_date.days[0].id, {}, actor=admin)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
    begin_course(session, course_date)
    day = course_date.days[0].id
    mark_attendance(session, day, {absent.id: AttendanceMark.ABSENT, left.id: AttendanceMark.LEFT_EARLY}, actor=admin)
    assert mark_everyone_else_attended(session, day, {}, actor=admin) == 0
    session.rollback()
    assert dict(session.execute(sa.select(Attendance.booking_id, Attendance.mark)).all()) == {
        absent.id: "absent", left.id: "left_early",
    }  # fmt: skip
    assert session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "register taken")) == 1


def test_mark_everyone_attended_needs_the_forms_security_token(app, session):
    from app import create_app

    strict = create_app({**app.config, "WTF_CSRF_ENABLED": True, "TESTING": True}).test_client()
    course_date = make_date(session)
    booked(session, course_date.id, details())
    begin_course(session, course_date)
    user = make_staff(session)
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    sign_in_token = token.search(strict.get("/admin/sign-in").get_data(as_text=True))[1]
    signed_in = strict.post("/admin/sign-in", data={"email": user.email, "password": STAFF_PASSWORD,
                                                     "csrf_token": sign_in_token})  # fmt: skip
    assert signed_in.status_code == 302
    url = f"/admin/dates/{course_date.id}/register/{course_date.days[0].id}"
    assert strict.post(f"{url}/everyone-attended").status_code == 400
    page_token = token.search(strict.get(url).get_data(as_text=True))[1]
    assert strict.post(f"{url}/everyone-attended", data={"csrf_token": "forged"}).status_code == 400
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
    assert strict.post(f"{url}/everyone-attended", data={"csrf_token": page_token}).status_code == 302
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Attendance.id))) == 1


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
