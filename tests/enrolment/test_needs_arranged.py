"""The training team records what it has done about each person's needs, and sees what is still to arrange."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow, writing
from app.enrolment.bookings import cancel_booking, change_needs, move_booking
from app.enrolment.needs import needs_fingerprint, record_needs_outcome
from app.enrolment.refusals import CannotChange, NeedsChanged
from app.enrolment.reminders import queue_access_summaries
from app.enrolment.roster import needs_urgent, roster
from app.mail.outbox import send_due
from app.models import AuditEvent, Booking, NeedsStatus, Role
from app.personal_data.retention import purge
from tests.factories import booked, details, make_date, make_staff, sign_in
from tests.pages import source


def needing(session, course_date, **overrides):
    values = {"access_needs": ["sign_language"], "access_details": "An interpreter for both days"} | overrides
    return booked(session, course_date.id, details(**values)).booking


def test_marking_needs_arranged_keeps_the_note_and_audits_without_it(session):
    course_date = make_date(session)
    booking = needing(session, course_date)
    admin = make_staff(session)
    assert booking.needs_status == NeedsStatus.TO_ARRANGE and booking.needs_open
    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "  Jo from Deaf Vision, both days  ", actor=admin)
    session.rollback()
    stored = session.get(Booking, booking.id)
    assert stored.needs_status == NeedsStatus.ARRANGED and not stored.needs_open
    assert stored.needs_note == "Jo from Deaf Vision, both days"
    assert stored.needs_checked_by_id == admin.id and stored.needs_checked_at is not None
    (event,) = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "needs checked")).all()
    assert event.summary == f"Needs for {booking.reference} marked: arranged"
    assert "Deaf Vision" not in event.summary and event.actor == admin.email


def test_not_possible_needs_a_note_and_nothing_is_saved_without_one(session):
    booking = needing(session, make_date(session))
    admin = make_staff(session)
    with pytest.raises(CannotChange, match="Say why it is not possible"):
        record_needs_outcome(session, booking.id, NeedsStatus.NOT_POSSIBLE, "   ", actor=admin)
    session.rollback()
    assert session.get(Booking, booking.id).needs_status == NeedsStatus.TO_ARRANGE
    assert session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "needs checked")).all() == []


def test_a_booking_without_needs_or_cancelled_cannot_be_marked(session):
    course_date = make_date(session)
    admin = make_staff(session)
    plain = booked(session, course_date.id, details()).booking
    with pytest.raises(CannotChange, match="not told us about any"):
        record_needs_outcome(session, plain.id, NeedsStatus.ARRANGED, "", actor=admin)
    gone = needing(session, course_date)
    cancel_booking(session, gone.manage_token)
    with pytest.raises(CannotChange, match="cancelled"):
        record_needs_outcome(session, gone.id, NeedsStatus.ARRANGED, "", actor=admin)


def test_needs_changed_since_the_page_was_read_are_not_marked_arranged(session):
    booking = needing(session, make_date(session))
    admin = make_staff(session)
    seen = needs_fingerprint(booking)
    change_needs(
        session, booking.manage_token, access_needs=["sign_language", "step_free"], access_details="", dietary_needs=""
    )
    with pytest.raises(NeedsChanged):
        record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "", actor=admin, seen=seen)
    session.rollback()
    assert session.get(Booking, booking.id).needs_status == NeedsStatus.TO_ARRANGE


def test_changing_needs_or_moving_puts_them_back_to_still_to_arrange(session, mail_server):
    first = make_date(session)
    other = make_date(session, course=first.course, days_from_now=40)
    admin = make_staff(session)
    booking = needing(session, first)
    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "Interpreter booked", actor=admin)
    change_needs(session, booking.manage_token, access_needs=["breaks"], access_details="", dietary_needs="")
    assert session.get(Booking, booking.id).needs_status == NeedsStatus.TO_ARRANGE

    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "Quiet room booked", actor=admin)
    send_due(session)
    mail_server.messages.clear()
    move_booking(session, booking.manage_token, other.id)
    session.rollback()
    moved = session.get(Booking, booking.id)
    assert moved.needs_status == NeedsStatus.TO_ARRANGE
    assert moved.needs_note == ""  # what was arranged for the old date is not read as arranged for the new one
    send_due(session)
    (to_team,) = mail_server.inbox.to("SignsOfSafety@cumbria.gov.uk")
    assert to_team["Subject"].startswith(f"Someone with access or dietary needs has moved: {booking.reference}, ")
    assert "has moved their place, and needs these things for" in to_team.get_body(("plain",)).get_content()


def test_the_roster_lists_needs_still_to_arrange_first(session):
    course_date = make_date(session)
    admin = make_staff(session)
    done = needing(session, course_date)
    booked(session, course_date.id, details())  # no needs: not listed
    open_one = needing(session, course_date, access_needs=[], access_details="", dietary_needs="Halal")
    record_needs_outcome(session, done.id, NeedsStatus.ARRANGED, "", actor=admin)
    session.rollback()
    people = roster(session, course_date)
    assert [b.id for b in people.needs_support] == [open_one.id, done.id]
    assert [b.id for b in people.needs_open] == [open_one.id]


@pytest.mark.parametrize(("days", "urgent"), [(-1, False), (0, True), (9, True), (10, False), (30, False)], ids=str)
def test_needs_are_urgent_fewer_than_the_lead_days_before_the_start(session, days, urgent):
    course_date = make_date(session, days_from_now=days, closes_days_before=0)
    today = course_date.first_day - timedelta(days=days)
    assert needs_urgent(course_date, today, 10) is urgent


def test_staff_record_the_outcome_on_a_page_with_errors_by_the_field(app, client, session):
    course_date = make_date(session, days_from_now=6, closes_days_before=1)
    booking = needing(session, course_date)
    sign_in(client, make_staff(session))
    page = source(client.get(f"/admin/dates/{course_date.id}"))
    assert "Urgent: the course starts in 6 days." in page
    assert "1 person's needs are still to arrange" in page
    url = f"/admin/bookings/{booking.id}/needs"
    form = source(client.get(url))
    assert "A British Sign Language interpreter" in form and "An interpreter for both days" in form
    seen = needs_fingerprint(booking)

    response = client.post(url, data={"status": "not_possible", "note": "", "seen": seen})
    refused = source(response)
    assert response.status_code == 200
    assert "There is a problem" in refused and 'href="#note"' in refused
    assert "Say why it is not possible, and what you have offered instead" in refused
    assert 'value="not_possible" checked' in refused  # the answer is kept

    response = client.post(url, data={"status": "arranged", "note": "Jo interprets both days", "seen": seen})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dates/{course_date.id}/access")
    summary = source(client.get(response.headers["Location"]))
    assert "needs are marked arranged" in summary and "Note from the team: Jo interprets both days" in summary
    assert "still to arrange" not in source(client.get(f"/admin/dates/{course_date.id}"))


def test_a_change_made_while_staff_read_the_page_is_shown_before_anything_is_saved(client, session):
    booking = needing(session, make_date(session))
    sign_in(client, make_staff(session))
    seen = needs_fingerprint(booking)
    change_needs(session, booking.manage_token, access_needs=["parking"], access_details="", dietary_needs="")
    response = client.post(f"/admin/bookings/{booking.id}/needs", data={"status": "arranged", "seen": seen})
    page = source(response)
    assert response.status_code == 200 and "Their needs changed while you were looking" in page
    assert "A parking space near the entrance" in page
    session.rollback()
    assert session.get(Booking, booking.id).needs_status == NeedsStatus.TO_ARRANGE


def test_a_trainer_records_needs_on_their_own_dates_only(client, session):
    theirs, other = make_date(session), make_date(session, days_from_now=45)
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        theirs.trainers.append(trainer)
    mine, not_mine = needing(session, theirs), needing(session, other)
    sign_in(client, trainer)
    assert client.get(f"/admin/bookings/{mine.id}/needs").status_code == 200
    assert client.get(f"/admin/bookings/{not_mine.id}/needs").status_code == 403
    plain = booked(session, theirs.id, details()).booking
    assert client.get(f"/admin/bookings/{plain.id}/needs").status_code == 404


def test_the_access_summary_email_puts_what_is_still_to_arrange_first(app, session, mail_server):
    course_date = make_date(session, days_from_now=4, closes_days_before=1)
    admin = make_staff(session)
    done = needing(session, course_date, full_name="Alice Arranged")
    needing(session, course_date, full_name="Zed Waiting", access_needs=["hearing_loop"], access_details="")
    record_needs_outcome(session, done.id, NeedsStatus.ARRANGED, "Interpreter booked", actor=admin)
    send_due(session)
    mail_server.messages.clear()
    assert queue_access_summaries(session, utcnow(), 5) == 1
    send_due(session)
    (summary,) = mail_server.inbox.to(admin.email)
    body = summary.get_body(("plain",)).get_content()
    assert "Urgent: 1 person's needs are still to arrange, and the course starts in 4 days." in body
    assert body.index("Zed Waiting: still to arrange") < body.index("Alice Arranged: arranged")
    assert "Note from the team: Interpreter booked" in body


def test_the_purge_removes_the_teams_note_with_the_needs(app, session):
    course_date = make_date(session, days_from_now=-60, status="published")
    booking = needing(session, make_date(session))
    admin = make_staff(session)
    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "Interpreter: Jo Smith", actor=admin)
    with writing(session):
        session.get(Booking, booking.id).course_date_id = course_date.id
    purge(session, utcnow(), access_needs_days=30, anonymise_months=24)
    session.rollback()
    stored = session.get(Booking, booking.id)
    assert stored.needs_note == "" and stored.access_needs == [] and stored.access_details == ""


def test_the_person_sees_whether_their_needs_are_arranged_but_not_the_teams_note(client, session):
    booking = needing(session, make_date(session))
    manage = f"/bookings/{booking.manage_token}"
    assert "We will arrange what you asked for before the course." in source(client.get(manage))
    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "Jo Smith interprets", actor=make_staff(session))
    page = source(client.get(manage))
    assert "The training team has arranged what you asked for." in page and "Jo Smith" not in page
    record_needs_outcome(
        session, booking.id, NeedsStatus.NOT_POSSIBLE, "No interpreter free", actor=make_staff(session)
    )
    page = source(client.get(manage))
    assert "We could not arrange everything you asked for. Email SignsOfSafety@cumbria.gov.uk" in page
    assert "No interpreter free" not in page
