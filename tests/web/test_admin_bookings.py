"""A date's people: the list, the register, the spreadsheet, the access summary."""

import csv
import io
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from app.core.exports import safe_cell
from app.database import writing
from app.enrolment.reminders import queue_access_summaries
from app.enrolment.roster import roster
from app.mail.outbox import send_due
from app.models import Attendance, AuditEvent, Booking, BookingStatus, Role
from tests.factories import begin_course, booked, booking_form, details, make_date, make_staff


@pytest.fixture
def signed_in_admin(session, staff):
    admin = make_staff(session, email="ada@example.org")
    staff.sign_in(admin.email)
    return admin


def test_the_date_page_lists_places_and_the_waiting_list_in_order_with_needs_flagged(client, session, signed_in_admin):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details(full_name="Siân First", access_needs=["hearing_loop"]))
    booked(session, course_date.id, details(full_name="Zoë Second", dietary_needs="Vegan"))
    booked(session, course_date.id, details(full_name="Third Person"))
    page = client.get(f"/admin/dates/{course_date.id}").get_data(as_text=True)
    assert "Confirmed places (1)" in page and "Waiting list (2)" in page
    assert page.index("Zoë Second") < page.index("Third Person")
    assert "A hearing loop" in page and "Vegan" in page
    assert "2</strong> with access or dietary needs" in page


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"])
def test_spreadsheet_cells_that_look_like_formulas_are_made_harmless(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Siân") == "Siân"


def test_the_csv_has_a_byte_order_mark_every_person_and_no_live_formulas(client, session, signed_in_admin):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details(full_name="=cmd|' /C calc'!A0", organisation="@SUM(1)"))
    booked(session, course_date.id, details(full_name="李明"))
    response = client.get(f"/admin/dates/{course_date.id}/bookings.csv")
    assert response.mimetype == "text/csv"
    body = response.data
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, first, second = rows
    assert header[:4] == ["Reference", "Status", "Waiting list position", "Full name"]
    assert first[3] == "'=cmd|' /C calc'!A0" and first[7] == "'@SUM(1)"
    assert second[1] == "Waiting list" and second[2] == "1" and second[3] == "李明"
    assert header[-3].startswith("Day 1") and header[-2].startswith("Day 2") and header[-1] == "Completion"


def test_taking_the_register_records_each_day_and_shows_in_the_spreadsheet(client, session, signed_in_admin):
    course_date = make_date(session)
    came = booked(session, course_date.id, details()).booking
    missed = booked(session, course_date.id, details()).booking
    went = booked(session, course_date.id, details()).booking
    begin_course(session, course_date)
    day_one = course_date.days[0]
    response = client.post(
        f"/admin/dates/{course_date.id}/register/{day_one.id}",
        data={
            f"mark-{came.id}": "attended",
            f"mark-{missed.id}": "absent",
            f"mark-{went.id}": "left_early",
            "mark-999999": "attended",
        },
    )
    assert response.status_code == 302
    session.rollback()
    marks = dict(session.execute(sa.select(Attendance.booking_id, Attendance.mark)).all())
    assert marks == {came.id: "attended", missed.id: "absent", went.id: "left_early"}
    client.post(f"/admin/dates/{course_date.id}/register/{day_one.id}", data={f"mark-{missed.id}": "attended"})
    session.rollback()
    assert session.scalar(sa.select(Attendance.mark).where(Attendance.booking_id == missed.id)) == "attended"
    rows = list(
        csv.reader(io.StringIO(client.get(f"/admin/dates/{course_date.id}/bookings.csv").data.decode("utf-8-sig")))
    )
    assert [row[-3] for row in rows[1:]] == ["Attended", "Attended", "Left early"]
    page = client.get(f"/admin/dates/{course_date.id}/register/{day_one.id}").get_data(as_text=True)
    assert "Last saved " in page and " by Sam Staff." in page  # the admin signed in for this test


def test_a_trainer_takes_the_register_for_their_date(client, session, staff):
    course_date = make_date(session)
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        course_date.trainers.append(trainer)
    booking = booked(session, course_date.id, details()).booking
    begin_course(session, course_date, days_ago=1)
    staff.sign_in(trainer.email)
    day = course_date.days[1]
    client.post(f"/admin/dates/{course_date.id}/register/{day.id}", data={f"mark-{booking.id}": "attended"})
    session.rollback()
    assert session.scalar(sa.select(Attendance.marked_by_id)) == trainer.id


def test_the_sign_in_sheet_has_a_column_per_day(client, session, signed_in_admin):
    course_date = make_date(session)
    booked(session, course_date.id, details(full_name="Aoife O'Neill"))
    page = client.get(f"/admin/dates/{course_date.id}/sign-in-sheet").get_data(as_text=True)
    assert "Aoife O&#39;Neill" in page
    assert "Day 1<br>" in page and "Day 2<br>" in page


def test_booking_on_someones_behalf_follows_the_same_rules_and_emails(client, session, signed_in_admin):
    course_date = make_date(session, capacity=1)
    response = client.post(f"/admin/dates/{course_date.id}/bookings/new", data=booking_form(email="sam@example.org"))
    assert response.status_code == 302
    again = client.post(f"/admin/dates/{course_date.id}/bookings/new", data=booking_form(email="SAM@example.org"))
    assert "already" in again.get_data(as_text=True)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 1
    assert "booking added" in session.scalars(sa.select(AuditEvent.action)).all()


def test_an_admin_cancels_a_booking_and_the_place_goes_to_the_waiting_list(client, session, signed_in_admin):
    course_date = make_date(session, capacity=1)
    holder = booked(session, course_date.id, details()).booking
    waiting = booked(session, course_date.id, details()).booking
    client.post(f"/admin/bookings/{holder.id}/cancel")
    session.rollback()
    assert session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "booking cancelled")).one()
    assert event.actor == "ada@example.org" and event.subject_id == holder.id


def test_a_refused_change_leaves_no_audit_entry(client, session, signed_in_admin):
    course_date = make_date(session, capacity=3)
    for _ in range(2):
        booked(session, course_date.id, details())
    client.post(f"/admin/dates/{course_date.id}/capacity", data={"capacity": "1"})
    session.rollback()
    assert session.scalars(sa.select(AuditEvent.action)).all() == []


def test_the_access_summary_shows_needs_only_to_signed_in_staff(app, client, session, signed_in_admin):
    course_date = make_date(session)
    booked(session, course_date.id, details(full_name="Needs Person", access_details="I lip-read"))
    booked(session, course_date.id, details(full_name="No Needs"))
    page = client.get(f"/admin/dates/{course_date.id}/access").get_data(as_text=True)
    assert "I lip-read" in page and "No Needs" not in page
    assert app.test_client().get(f"/admin/dates/{course_date.id}/access").status_code == 302


def test_admins_and_the_dates_trainers_are_emailed_the_access_summary_five_days_before(session, mail_server):
    course_date = make_date(session, days_from_now=20)
    admin = make_staff(session, email="admin@example.org")
    trainer = make_staff(session, email="trainer@example.org", role=Role.TRAINER)
    make_staff(session, email="other.trainer@example.org", role=Role.TRAINER)
    with writing(session):
        course_date.trainers.append(trainer)
    booked(session, course_date.id, details(access_details="A quiet space at lunch"))
    send_due(session)
    mail_server.messages.clear()
    starts = course_date.starts_at.astimezone(UTC)
    assert queue_access_summaries(session, starts - timedelta(days=6), 5) == 0
    assert queue_access_summaries(session, starts - timedelta(days=4), 5) == 2
    assert queue_access_summaries(session, starts - timedelta(days=3), 5) == 0  # once only
    send_due(session)
    assert sorted(m["To"] for m in mail_server.messages) == [admin.email, trainer.email]
    assert "A quiet space at lunch" in mail_server.messages[0].get_body(("plain",)).get_content()


def test_the_roster_takes_the_same_number_of_queries_however_many_bookings(app, session):
    from sqlalchemy import event

    from app.extensions import db

    def count_queries(course_date):
        session.rollback()  # each count starts a fresh transaction, so both include its BEGIN
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = roster(session, session.get(type(course_date), course_date.id))
            [b.full_name for b in result.confirmed + result.waiting]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    small, large = make_date(session, capacity=2), make_date(session, capacity=20)
    for _ in range(2):
        booked(session, small.id, details())
    for _ in range(30):
        booked(session, large.id, details())
    assert count_queries(small) == count_queries(large)


def test_an_admin_moves_a_booking_to_another_date(client, session, signed_in_admin):
    from tests.factories import make_course

    course = make_course(session)
    old, new = make_date(session, course=course), make_date(session, course=course, days_from_now=60)
    booking = booked(session, old.id, details()).booking
    assert f'value="{new.id}"' in client.get(f"/admin/bookings/{booking.id}/move").get_data(as_text=True)
    client.post(f"/admin/bookings/{booking.id}/move", data={"new_date": str(new.id)})
    session.rollback()
    assert session.get(Booking, booking.id).course_date_id == new.id


def test_a_failed_email_can_be_tried_again_from_the_dashboard(app, client, session, signed_in_admin):
    from app.models import OutboxMessage, OutboxStatus

    booked(session, make_date(session).id, details(email="unlucky@example.org"))
    with writing(session):
        message = session.scalars(sa.select(OutboxMessage)).one()
        message.status, message.last_error = OutboxStatus.FAILED, "ConnectionRefusedError: no mail server"
    page = client.get("/admin/").get_data(as_text=True)
    assert "unlucky@example.org" in page and "no mail server" in page
    client.post(f"/admin/emails/{message.id}/retry")
    session.rollback()
    assert session.get(OutboxMessage, message.id).status == OutboxStatus.PENDING


def test_the_audit_log_shows_who_changed_what(client, session, signed_in_admin):
    course_date = make_date(session, capacity=3)
    client.post(f"/admin/dates/{course_date.id}/capacity", data={"capacity": "5"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "ada@example.org" in page and "set to 5" in page


def test_courses_and_venues_are_added_and_changed_through_their_forms(client, session, signed_in_admin):
    from app.models import Course, Venue

    course_form = {
        "title": "Signs of Safety Refresher",
        "slug": "signs-of-safety-refresher",
        "summary": "A day to refresh.",
        "description": "What is new.",
        "audience": "People who did the two days.",
        "in_person": "y",
    }
    assert client.post("/admin/courses/new", data=course_form).status_code == 302
    bad = client.post("/admin/courses/new", data={**course_form, "slug": "Not A Slug"}).get_data(as_text=True)
    assert "Use only lower-case letters, numbers and single hyphens" in bad
    taken = client.post("/admin/courses/new", data=course_form).get_data(as_text=True)
    assert "Another course already uses this web address name" in taken
    venue_form = {"name": "Oval Centre", "address": "Salterbeck", "town": "Workington", "postcode": "CA14 5HZ"}
    venue_form |= {"step_free_access": "no", "hearing_loop": "yes", "accessible_toilets": "yes"}
    assert client.post("/admin/venues/new", data=venue_form).status_code == 302
    session.rollback()
    assert session.scalars(sa.select(Course.slug)).all() == ["signs-of-safety-refresher"]
    venue = session.scalars(sa.select(Venue)).one()
    assert (venue.town, venue.step_free_access) == ("Workington", False)
    client.post(f"/admin/venues/{venue.id}", data={**venue_form, "step_free_access": "yes"})
    session.rollback()
    assert session.get(Venue, venue.id).step_free_access is True


def test_a_staff_session_ends_after_the_idle_time(app, session, staff):
    from datetime import datetime

    admin = make_staff(session)
    cookie = next(c for c in staff.sign_in(admin.email).headers.getlist("Set-Cookie") if c.startswith("session="))
    expires = datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    hours = (expires - datetime.now(UTC).replace(tzinfo=None)).total_seconds() / 3600
    assert 7.5 < hours <= 8


def table_rows(page: str, label: str) -> list[list[str]]:
    """The cells of the table in the region named `label`, row by row, as the words a person reads."""
    import html
    import re

    region = page[page.index(f'aria-label="{label}"') :]
    table = region[: region.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL)
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.DOTALL)
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cell.findall(row)] for row in rows]


def test_the_people_table_shows_name_organisation_phone_and_needs_state_in_surname_order(client, session, staff):
    from app.enrolment.needs import record_needs_outcome
    from app.models import NeedsStatus

    course_date = make_date(session, capacity=3)
    booked(session, course_date.id, details(full_name="Zoë Adams", organisation="Eden <b>Early Help</b>",
                                            phone="01768 000000", access_details="I lip-read"))  # fmt: skip
    arranged = booked(session, course_date.id, details(full_name="Siân ap Rhys", phone="", dietary_needs="Vegan"))
    booked(session, course_date.id, details(full_name="Ben Adams", organisation="Carlisle school"))
    booked(session, course_date.id, details(full_name="Wyn Waiting", organisation="Health", phone="07700 900982"))
    admin = make_staff(session, email="ada@example.org")
    record_needs_outcome(session, arranged.booking.id, NeedsStatus.ARRANGED, "", actor=admin)
    staff.sign_in(admin.email)
    page = client.get(f"/admin/dates/{course_date.id}/people").get_data(as_text=True)
    assert table_rows(page, "Confirmed places") == [
        ["Name", "Organisation", "Phone", "Needs"],
        ["Ben Adams", "Carlisle school", "Not given", "No needs"],
        ["Zoë Adams", "Eden <b>Early Help</b>", "01768 000000", "Still to arrange"],
        ["Siân ap Rhys", "Carlisle children's social care", "Not given", "Arranged"],
    ]
    assert table_rows(page, "Waiting list") == [
        ["Position", "Name", "Organisation", "Phone", "Needs"],
        ["1", "Wyn Waiting", "Health", "07700 900982", "No needs"],
    ]
    assert "I lip-read" not in page and "Vegan" not in page  # the state of their needs, not what they need
    assert "&lt;b&gt;Early Help&lt;/b&gt;" in page  # shown as text
    assert f'href="/admin/dates/{course_date.id}/people"' in client.get(f"/admin/dates/{course_date.id}").get_data(
        as_text=True
    )


def test_a_trainer_sees_the_people_table_of_their_dates_without_phone_numbers(client, session, staff):
    course_date, other = make_date(session), make_date(session)
    booked(session, course_date.id, details(full_name="Ffion Jones", phone="01228 000000"))
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        course_date.trainers.append(trainer)
    staff.sign_in(trainer.email)
    page = client.get(f"/admin/dates/{course_date.id}/people").get_data(as_text=True)
    assert table_rows(page, "Confirmed places") == [
        ["Name", "Organisation", "Needs"],
        ["Ffion Jones", "Carlisle children's social care", "No needs"],
    ]
    assert "01228 000000" not in page
    assert client.get(f"/admin/dates/{other.id}/people").status_code == 403
    client.post("/admin/sign-out")
    assert client.get(f"/admin/dates/{course_date.id}/people").status_code == 302  # to sign in
