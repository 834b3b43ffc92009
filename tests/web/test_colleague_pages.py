"""The pages for sending a colleague instead (from the booking link, and by staff from the date page) and for
booking a list of people from a spreadsheet, read as the person or the coordinator reads them."""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from app.enrolment.bookings import book_place
from app.enrolment.cohorts import COLUMNS
from app.models import Booking, BookingStatus, OutboxMessage, Role
from tests.factories import begin_course, booked, details, make_date, make_staff
from tests.pages import words


def colleague_form(**overrides) -> dict:
    values = {
        "full_name": "Colleague Name",
        "email": "colleague@example.org",
        "job_title": "Social worker",
        "organisation": "Carlisle Early Help team",
        "sector": "early_help",
        "council_area": "cumberland",
        "manager_name": "Sam Manager",
        "manager_email": "sam.manager@example.org",
        "manager_agrees": "y",
    }
    values.update(overrides)
    return values


def test_the_booking_page_offers_to_send_a_colleague_and_the_form_says_what_will_happen(client, session):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details()).booking
    page = words(client.get(f"/bookings/{mine.manage_token}"))
    assert "Send a colleague instead" in page
    form = words(client.get(f"/bookings/{mine.manage_token}/send-colleague"))
    assert "your place is kept for your colleague, not given to the waiting list" in form
    assert "What you told us about your own needs is not passed on" in form


def test_sending_a_colleague_cancels_my_booking_and_holds_the_place_for_them(client, session):
    course_date = make_date(session, capacity=1)
    mine = booked(session, course_date.id, details()).booking
    response = client.post(f"/bookings/{mine.manage_token}/send-colleague", data=colleague_form())
    assert response.status_code == 302
    page = words(client.get(response.location))
    assert "Your place is now kept for your colleague. We have emailed them a link to confirm it." in page
    assert "Cancelled" in page and "Send a colleague instead" not in page
    session.rollback()
    theirs = session.scalars(sa.select(Booking).where(Booking.email == "colleague@example.org")).one()
    assert theirs.is_hold and theirs.status == BookingStatus.CONFIRMED
    assert words(client.get(f"/bookings/{theirs.manage_token}")).count("Confirm your booking") >= 1


def test_errors_show_by_the_field_with_the_other_answers_kept(client, session):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details()).booking
    response = client.post(
        f"/bookings/{mine.manage_token}/send-colleague", data=colleague_form(email="not an email", job_title="")
    )
    assert response.status_code == 200
    page = words(response)
    assert "There is a problem" in page
    assert "Enter your colleague's email address in the correct format" in page
    assert "Enter your colleague's job title" in page
    assert 'value="Carlisle Early Help team"' in response.get_data(as_text=True)
    session.rollback()
    assert session.get(Booking, mine.id).status == BookingStatus.CONFIRMED


def test_a_colleague_already_booked_on_the_course_is_refused_by_the_email_field(client, session):
    course_date = make_date(session)
    mine = booked(session, course_date.id, details()).booking
    booked(session, course_date.id, details(email="colleague@example.org"))
    response = client.post(f"/bookings/{mine.manage_token}/send-colleague", data=colleague_form())
    assert "This person already has a booking for this course. Name someone else." in words(response)
    session.rollback()
    assert session.get(Booking, mine.id).status == BookingStatus.CONFIRMED


def test_no_form_for_a_hold_a_cancelled_booking_or_a_started_course(client, session):
    course_date = make_date(session)
    hold = book_place(session, course_date.id, details()).booking
    assert client.get(f"/bookings/{hold.manage_token}/send-colleague").status_code == 302
    mine = booked(session, course_date.id, details()).booking
    begin_course(session, course_date)
    response = client.post(f"/bookings/{mine.manage_token}/send-colleague", data=colleague_form())
    assert response.status_code == 302
    session.rollback()
    assert session.get(Booking, mine.id).status == BookingStatus.CONFIRMED
    assert client.get("/bookings/not-a-link/send-colleague").status_code == 404


def test_staff_send_someone_instead_from_the_date_page(client, session, staff):
    admin = make_staff(session, email="ada@example.org")
    staff.sign_in(admin.email)
    course_date = make_date(session)
    mine = booked(session, course_date.id, details(full_name="Siân Original")).booking
    date_page = words(client.get(f"/admin/dates/{course_date.id}"))
    assert "Send someone instead of Siân Original" in date_page
    response = client.post(f"/admin/bookings/{mine.id}/send-colleague", data=colleague_form())
    assert response.status_code == 302
    page = words(client.get(response.location))
    session.rollback()
    theirs = session.scalars(sa.select(Booking).where(Booking.email == "colleague@example.org")).one()
    assert f"Done: {theirs.reference} has the place instead of {mine.reference}." in page
    assert theirs.email_checked  # staff vouch for the address, as when they book for someone


# The cohort import.


def spreadsheet(*rows: list[str], header=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(n: int, **changes) -> list[str]:
    answers = [f"Person {n}", f"p{n}@example.org", "Teacher", "Keswick School", "Schools and education", "Cumberland"]
    values = dict(zip(COLUMNS, [*answers, "", ""], strict=True))
    values.update(changes)
    return list(values.values())


def upload(client, date_id: int, data: bytes, send_emails: str = "yes"):
    return client.post(
        f"/admin/dates/{date_id}/cohort",
        data={"file": (io.BytesIO(data), "people.csv"), "send_emails": send_emails},
        content_type="multipart/form-data",
    )


@pytest.fixture
def admin(session, staff):
    user = make_staff(session, email="ada@example.org")
    staff.sign_in(user.email)
    return user


def test_the_upload_page_documents_the_columns_and_offers_a_template(client, session, admin):
    course_date = make_date(session)
    page = words(client.get(f"/admin/dates/{course_date.id}/cohort"))
    for column in COLUMNS:
        assert column in page
    assert "Download a spreadsheet to fill in (CSV)" in page
    template = client.get("/admin/cohort-template.csv")
    assert template.mimetype == "text/csv"
    assert next(csv.reader(io.StringIO(template.data.decode("utf-8-sig")))) == list(COLUMNS)


def test_every_problem_is_listed_with_its_row_and_nothing_is_booked(client, session, admin):
    course_date = make_date(session, capacity=2)
    data = spreadsheet(row(1, Email="nope"), row(2, **{"Council area": "<b>Narnia</b>"}), row(3))
    response = upload(client, course_date.id, data)
    assert response.status_code == 400
    page = words(response)
    assert "The file has 3 problems. Nobody has been booked." in page
    assert "Enter the email address in the correct format" in page
    assert "'<b>Narnia</b>' is not a council area we know." in page  # shown as text, not markup
    assert "<b>Narnia</b>" not in response.get_data(as_text=True)
    assert "The file has 3 people but the date has 2 places left." in page
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_a_clean_file_is_checked_then_everyone_is_booked_without_emails(client, session, admin):
    course_date = make_date(session, capacity=5)
    response = upload(client, course_date.id, spreadsheet(row(1), row(2)), send_emails="no")
    assert response.status_code == 200
    page = words(response)
    assert "Check before you book 2 people" in page and "3 places will be left after this." in page
    assert "Person 1" in page and "p2@example.org" in page
    assert "Emails: No, do not email anyone." in page
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0  # nothing yet
    hidden = dict(
        re.findall(r'name="(cohort|send_emails)" type="hidden" value="([^"]*)"', response.get_data(as_text=True))
    )
    assert set(hidden) == {"cohort", "send_emails"}
    done = client.post(f"/admin/dates/{course_date.id}/cohort/book", data=hidden)
    assert done.status_code == 302
    assert "Booked 2 people on this date. Nobody was emailed." in words(client.get(done.location))
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 2
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize("cohort", ["!!!", "\x00", "", "A" * 5])
def test_a_tampered_check_page_is_refused_plainly(client, session, admin, cohort):
    course_date = make_date(session)
    response = client.post(f"/admin/dates/{course_date.id}/cohort/book", data={"cohort": cohort, "send_emails": "yes"})
    assert response.status_code in (302, 400)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02", b"\xff\xfe\xfd", "Full name\n\u202e".encode(), b'"unterminated', b"x" * (300 * 1024)],
)
def test_a_malformed_file_gets_a_form_error_never_a_server_error(client, session, admin, data):
    course_date = make_date(session)
    response = upload(client, course_date.id, data)
    assert response.status_code == 400
    assert "Nobody has been booked." in words(response)


def test_only_admins_may_import(client, session, staff):
    trainer = make_staff(session, email="trainer@example.org", role=Role.TRAINER)
    staff.sign_in(trainer.email)
    course_date = make_date(session)
    assert client.get(f"/admin/dates/{course_date.id}/cohort").status_code == 403
    assert upload(client, course_date.id, spreadsheet(row(1))).status_code == 403


# Booking places for colleagues.


def team_form(*people: dict, **about_me) -> dict:
    values = {"full_name": "Team Leader", "email": "leader@example.org", "manager_agrees": "y", **about_me}
    for n, person in enumerate(people):
        values |= {f"people-{n}-{name}": value for name, value in person.items()}
    return values


def colleague(n: int, **changes) -> dict:
    return {"full_name": f"Team Member {n}", "email": f"member{n}@example.org", "job_title": "Teacher",
            "organisation": "Keswick School", "sector": "schools", "council_area": "cumberland", **changes}  # fmt: skip


def test_a_team_leader_books_colleagues_and_is_told_who_must_confirm(client, session):
    course_date = make_date(session, capacity=5)
    form = words(client.get(f"/dates/{course_date.id}/book-colleagues"))
    assert "Colleague 1" in form and "Colleague 3" in form and "Colleague 4" not in form
    response = client.post(f"/dates/{course_date.id}/book-colleagues", data=team_form(colleague(1), colleague(2)))
    assert response.status_code == 302
    page = words(client.get(response.location))
    assert "Each colleague must confirm their place" in page
    assert "Team Member 1" in page and "Team Member 2" in page
    session.rollback()
    made = session.scalars(sa.select(Booking).order_by(Booking.id)).all()
    assert [(b.email, b.manager_email, b.is_hold) for b in made] == [
        ("member1@example.org", "leader@example.org", True),
        ("member2@example.org", "leader@example.org", True),
    ]
    sent = session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert [address for address, _ in sent] == ["member1@example.org", "member2@example.org", "leader@example.org"]
    # To the leader's unconfirmed address only their copy, in our words: no name or address typed on the form.
    copy = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "team_booked")).one()
    assert copy.context["count"] == 2 and "member" not in str(copy.context) and "Member" not in copy.subject


def test_add_another_colleague_works_without_javascript_and_keeps_the_answers(client, session):
    course_date = make_date(session)
    data = team_form(colleague(1), {}, {}) | {"add": "another"}
    page = client.post(f"/dates/{course_date.id}/book-colleagues", data=data).get_data(as_text=True)
    assert "Colleague 4" in page and 'value="Team Member 1"' in page
    assert "There is a problem" not in page
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_each_problem_names_its_colleague_and_one_address_for_two_people_is_refused(client, session):
    course_date = make_date(session)
    data = team_form(colleague(1), colleague(2, email="member1@example.org", job_title=""), colleague(3, sector="x"))
    response = client.post(f"/dates/{course_date.id}/book-colleagues", data=data)
    assert response.status_code == 200
    page = words(response)
    assert "Colleague 2: Enter their job title" in page
    assert "Colleague 2: Use each colleague's own work email address, once" in page
    assert "Colleague 3: Select the area they work in" in page
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_a_full_team_that_does_not_fit_is_told_and_offered_the_waiting_list(client, session):
    course_date = make_date(session, capacity=1)
    response = client.post(f"/dates/{course_date.id}/book-colleagues", data=team_form(colleague(1), colleague(2)))
    assert response.status_code == 409
    page = words(response)
    assert "This date has 1 place left, not enough for 2 colleagues. Nobody has been booked." in page
    assert "There you can also join the waiting list when the date is full." in page
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_no_colleagues_named_is_an_error(client, session):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book-colleagues", data=team_form())
    assert "Colleague 1: Enter at least one colleague" in words(response)
