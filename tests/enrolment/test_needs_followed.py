"""Access needs followed through to the end: the person hears what the team did, the team hears when someone
with needs cancels or moves (and what to stand down), people waiting are arranged for when a place is theirs,
and nobody is promised what their venue does not have."""

from app.enrolment.bookings import cancel_booking, move_booking
from app.enrolment.needs import record_needs_outcome
from app.enrolment.roster import roster
from app.mail.outbox import send_due
from app.models import NeedsStatus
from tests.factories import booked, details, make_course, make_date, make_staff, make_venue

TEAM = "SignsOfSafety@cumbria.gov.uk"


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def fresh_inbox(session, mail_server):
    send_due(session)
    mail_server.messages.clear()


def test_the_person_hears_when_their_needs_are_arranged_or_cannot_be(session, mail_server):
    booking = booked(session, make_date(session).id, details(access_needs=["sign_language"])).booking
    admin = make_staff(session)
    fresh_inbox(session, mail_server)
    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "Jo from Deaf Vision", actor=admin)
    send_due(session)
    (arranged,) = mail_server.inbox.to(booking.email)
    assert arranged["Subject"].startswith("What you need is arranged: ")
    assert "The training team has arranged what you asked for" in text(arranged)
    assert "Jo from Deaf Vision" not in text(arranged)  # the team's own note stays with the team
    mail_server.messages.clear()

    note = "No interpreter is free on those days. We can offer one on the March date."
    record_needs_outcome(session, booking.id, NeedsStatus.NOT_POSSIBLE, note, actor=admin)
    send_due(session)
    (not_possible,) = mail_server.inbox.to(booking.email)
    assert not_possible["Subject"].startswith("We could not arrange everything you asked for: ")
    body = text(not_possible)
    assert note in body and "What you can do next:" in body and booking.reference in body


def test_an_outcome_changed_again_before_it_went_sends_only_the_last(session, mail_server):
    booking = booked(session, make_date(session).id, details(access_needs=["hearing_loop"])).booking
    admin = make_staff(session)
    fresh_inbox(session, mail_server)
    record_needs_outcome(session, booking.id, NeedsStatus.ARRANGED, "", actor=admin)
    record_needs_outcome(session, booking.id, NeedsStatus.NOT_POSSIBLE, "The loop is broken.", actor=admin)
    send_due(session)
    (only,) = mail_server.inbox.to(booking.email)
    assert only["Subject"].startswith("We could not arrange")


def test_the_team_hears_when_someone_with_needs_cancels_or_moves_and_what_to_stand_down(session, mail_server):
    course = make_course(session)
    kendal = make_venue(session, name="Kendal Town Hall", town="Kendal", hearing_loop=False)
    first = make_date(session, course=course)
    later = make_date(session, course=course, venue=kendal, days_from_now=60)
    mover = booked(session, first.id, details(access_needs=["hearing_loop"])).booking
    leaver = booked(session, first.id, details(access_details="A chair with arms")).booking
    fresh_inbox(session, mail_server)

    move_booking(session, mover.manage_token, later.id)
    send_due(session)
    (moved,) = mail_server.inbox.to(TEAM)
    body = text(moved)
    assert moved["Subject"].startswith(f"Someone with access or dietary needs has moved: {mover.reference}")
    assert "Stand down what was arranged for them on their old date:" in body and first.venue.town in body
    assert "The venue does not have what they asked for: Kendal Town Hall has no hearing loop." in body
    mail_server.messages.clear()

    cancel_booking(session, leaver.manage_token)
    send_due(session)
    (cancelled,) = mail_server.inbox.to(TEAM)
    assert cancelled["Subject"].startswith(f"Someone with access or dietary needs has cancelled: {leaver.reference}")
    assert "nothing needs arranging for them any more" in text(cancelled)
    assert "What they needed:" in text(cancelled) and "A chair with arms" in text(cancelled)


def test_people_waiting_are_not_still_to_arrange_until_a_place_is_theirs(session, mail_server):
    course_date = make_date(session, capacity=1)
    first = booked(session, course_date.id, details()).booking
    waiting = booked(session, course_date.id, details(access_needs=["breaks"])).booking
    send_due(session)
    assert mail_server.inbox.to(TEAM) == []  # nothing to arrange for someone without a place
    session.refresh(course_date)
    assert roster(session, course_date).needs_open == []
    page_words = mail_server.inbox.to(waiting.email)[0]
    assert "we will arrange" not in text(page_words).lower()
    mail_server.messages.clear()

    cancel_booking(session, first.manage_token)  # the waiting list gets the place
    send_due(session)
    (placed,) = mail_server.inbox.to(TEAM)
    assert placed["Subject"].startswith(f"Someone with access or dietary needs has a place: {waiting.reference}")
    session.expire_all()
    assert [b.id for b in roster(session, course_date).needs_open] == [waiting.id]


def test_nobody_is_promised_what_the_venue_does_not_have(client, session, mail_server):
    venue = make_venue(session, name="Kendal Town Hall", town="Kendal", step_free_access=False)
    booking = booked(session, make_date(session, venue=venue).id, details(access_needs=["step_free"])).booking
    send_due(session)
    (booked_email,) = [m for m in mail_server.inbox.to(booking.email) if m["Subject"].startswith("Booked")]
    body = text(booked_email)
    assert "The venue does not have everything you asked for: Kendal Town Hall has no step-free access." in body
    assert "The training team will be in touch" in body
    page = client.get(f"/bookings/{booking.manage_token}").get_data(as_text=True)
    assert "The training team will be in touch about what they can do" in page
    assert "We will arrange what you asked for" not in page
    (team,) = mail_server.inbox.to(TEAM)
    assert "The venue does not have what they asked for: Kendal Town Hall has no step-free access." in text(team)
