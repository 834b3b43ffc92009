"""People see what they told us they need, change it themselves, and the training team hears at once."""

import pytest
import sqlalchemy as sa

from app.enrolment.bookings import CannotChange, cancel_booking, change_needs
from app.mail.outbox import send_due
from app.models import AuditEvent, Booking
from tests.factories import booked, booking_form, confirm_by_email, details, make_date


def test_the_confirmation_page_and_email_repeat_the_needs_to_the_person(client, session, mail_server):
    course_date = make_date(session)
    form = booking_form(
        access_needs=["sign_language", "breaks"], access_details="An interpreter", dietary_needs="Halal"
    )
    client.post(f"/dates/{course_date.id}/book", data=form)
    send_due(session)
    (check,) = mail_server.inbox.to(form["email"])  # before the address is confirmed: none of what they typed
    for typed in ("interpreter", "Halal", form["full_name"], form["organisation"], form["manager_name"]):
        assert typed not in check.as_string()
    token = confirm_by_email(client, session, form["email"])
    page = client.get(f"/bookings/{token}/confirmation").get_data(as_text=True)
    for shown in ("A British Sign Language interpreter", "Extra breaks or a quiet space", "An interpreter", "Halal"):
        assert shown in page
    send_due(session)
    (message,) = [m for m in mail_server.inbox.to(form["email"]) if m["Subject"].startswith("Booked")]
    body = message.get_body(("plain",)).get_content()
    assert "What you told us you need to take part:" in body
    assert "- A British Sign Language interpreter" in body and "Dietary needs: Halal" in body


def test_changing_needs_is_audited_and_tells_the_team_at_once(session, mail_server):
    booking = booked(session, make_date(session).id, details()).booking
    send_due(session)
    mail_server.messages.clear()
    assert change_needs(
        session, booking.manage_token, access_needs=["hearing_loop"], access_details="", dietary_needs="Vegan"
    )
    assert not change_needs(  # the same again changes nothing and tells nobody
        session, booking.manage_token, access_needs=["hearing_loop"], access_details="", dietary_needs="Vegan"
    )
    session.rollback()
    stored = session.get(Booking, booking.id)
    assert (stored.access_needs, stored.dietary_needs) == (["hearing_loop"], "Vegan")
    (event,) = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "needs changed")).all()
    assert event.actor == "the person booked, by their booking link" and event.subject_id == booking.id
    send_due(session)
    (message,) = mail_server.inbox.to("SignsOfSafety@cumbria.gov.uk")
    assert message["Subject"].startswith(f"Access or dietary needs changed: {booking.reference}, ")
    body = message.get_body(("plain",)).get_content()
    assert "- A hearing loop" in body and "Dietary needs: Vegan" in body and "/admin/dates/" in body
    # The person gets the change confirmed, with what we have now.
    (confirmed,) = mail_server.inbox.to(booking.email)
    assert confirmed["Subject"].startswith("We have your changes: ")
    mine = confirmed.get_body(("plain",)).get_content()
    assert "We have told the training team." in mine and "- A hearing loop" in mine and "Dietary needs: Vegan" in mine


def test_a_cancelled_booking_cannot_change_its_needs(session):
    booking = booked(session, make_date(session).id, details()).booking
    cancel_booking(session, booking.manage_token)
    with pytest.raises(CannotChange):
        change_needs(session, booking.manage_token, access_needs=[], access_details="", dietary_needs="")


def test_the_person_changes_their_needs_from_the_booking_page(client, session):
    booking = booked(session, make_date(session).id, details(access_needs=["breaks"], dietary_needs="Halal")).booking
    manage = client.get(f"/bookings/{booking.manage_token}").get_data(as_text=True)
    assert f'href="/bookings/{booking.manage_token}/needs"' in manage
    form = client.get(f"/bookings/{booking.manage_token}/needs").get_data(as_text=True)
    assert 'value="breaks" checked' in form and "Halal" in form  # what they said before
    bad = client.post(f"/bookings/{booking.manage_token}/needs", data={"dietary_needs": "x" * 501})
    assert "Dietary needs must be 500 characters or fewer" in bad.get_data(as_text=True)
    response = client.post(
        f"/bookings/{booking.manage_token}/needs",
        data={"access_needs": ["step_free", "parking"], "access_details": "I use a wheelchair", "dietary_needs": ""},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have told the training team what you need now" in page
    assert "A parking space close to the entrance" in page and "I use a wheelchair" in page
    assert client.get("/bookings/" + "x" * 43 + "/needs").status_code == 404


def test_booking_a_venue_without_what_you_asked_for_warns_before_it_books(client, session):
    from tests.factories import make_venue

    venue = make_venue(session, name="Kendal Town Hall", town="Kendal", hearing_loop=False, step_free_access=True)
    course_date = make_date(session, venue=venue)
    form = booking_form(access_needs=["hearing_loop", "step_free"], job_title="Health visitor")
    first = client.post(f"/dates/{course_date.id}/book", data=form)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "You asked for something this venue does not have: Kendal Town Hall has no hearing loop." in page
    assert "step-free" not in page.split("venue-warning")[1].split("</div>")[0]  # it has that
    assert 'value="Health visitor"' in page and 'name="venue_warned" value="y"' in page
    session.rollback()
    assert session.scalars(sa.select(Booking)).all() == []
    again = client.post(f"/dates/{course_date.id}/book", data={**form, "venue_warned": "y"})
    assert again.status_code == 302


def test_moving_shows_what_each_other_venue_lacks_of_what_you_asked_for(client, session):
    from tests.factories import make_course, make_venue

    course = make_course(session)
    here = make_date(session, course=course, venue=make_venue(session, hearing_loop=True))
    kendal = make_venue(session, name="Kendal Town Hall", town="Kendal", hearing_loop=False)
    kendal_date = make_date(session, course=course, venue=kendal, days_from_now=60)
    penrith = make_venue(session, name="Penrith Hub", town="Penrith", hearing_loop=True)
    make_date(session, course=course, venue=penrith, days_from_now=70)
    booking = booked(session, here.id, details(access_needs=["hearing_loop"])).booking
    page = client.get(f"/bookings/{booking.manage_token}/move").get_data(as_text=True)
    assert "Please note: Kendal Town Hall has no hearing loop." in page
    assert "Penrith Hub, Penrith. 20 places left. The venue has what you asked for." in page
    # The check step says it again before anything moves.
    check = client.post(f"/bookings/{booking.manage_token}/move", data={"new_date": str(kendal_date.id)})
    assert "You asked for something this venue does not have: Kendal Town Hall has no hearing loop." in check.text


def test_the_team_hears_at_once_when_someone_books_with_needs_and_soon_is_urgent(app, session, mail_server):
    later = make_date(session, days_from_now=30)
    soon = make_date(session, days_from_now=6)
    booked(session, later.id, details(access_needs=["sign_language"]))
    booked(session, soon.id, details(access_details="A quiet room for breaks"))
    booked(session, later.id, details())  # no needs: nothing to tell
    send_due(session)
    to_team = mail_server.inbox.to("SignsOfSafety@cumbria.gov.uk")
    subjects = sorted(m["Subject"].split(":")[0] for m in to_team)
    assert subjects == ["Access or dietary needs given", "Urgent"]
    urgent = next(m for m in to_team if m["Subject"].startswith("Urgent"))
    body = urgent.get_body(("plain",)).get_content()
    assert "This is urgent: the course starts in 6 days, less than 10 days away." in body
    assert "A quiet room for breaks" in body


def test_the_team_reads_needs_in_its_own_words_not_the_forms(session, mail_server):
    course_date = make_date(session, days_from_now=30)
    booked(session, course_date.id, details(access_needs=["step_free", "other"], access_details="A ramp"))
    send_due(session)
    (to_team,) = mail_server.inbox.to("SignsOfSafety@cumbria.gov.uk")
    body = to_team.get_body(("plain",)).get_content()
    assert "Step-free access" in body and "A ramp" in body
    assert "I use a wheelchair" not in body and "tell us below" not in body
    (to_person,) = [m for m in mail_server.messages if m["Subject"].startswith("Booked")]
    assert "Step-free access (for example, I use a wheelchair)" in to_person.get_body(("plain",)).get_content()


def test_with_the_setting_off_the_team_is_not_emailed(app, session, mail_server, monkeypatch):
    monkeypatch.setitem(app.config, "NEEDS_EMAILS", False)
    booked(session, make_date(session).id, details(access_needs=["sign_language"]))
    send_due(session)
    assert mail_server.inbox.to("SignsOfSafety@cumbria.gov.uk") == []


def test_needs_changed_by_the_link_are_limited_and_the_team_gets_one_email_an_hour_with_before_and_after(
    app, client, session, mail_server, monkeypatch
):
    from datetime import timedelta

    from app.models import OutboxMessage

    monkeypatch.setitem(app.config, "NEEDS_CHANGE_LIMIT_PER_BOOKING", "3 per hour")
    booking = booked(session, make_date(session).id, details(dietary_needs="Vegan")).booking
    send_due(session)
    mail_server.messages.clear()
    link = f"/bookings/{booking.manage_token}/needs"
    for diet in ("Halal", "Kosher", "Vegetarian"):
        assert client.post(link, data={"dietary_needs": diet}).status_code == 302
    refused = client.post(link, data={"dietary_needs": "No nuts"})
    assert refused.status_code == 429 and "too many times" in refused.get_data(as_text=True)
    send_due(session)
    team = app.config["TRAINING_TEAM_EMAIL"]
    (email,) = mail_server.inbox.to(team)
    body = email.get_body(("plain",)).get_content()
    now, before = body.split("What they needed before:")
    assert "Dietary needs: Vegetarian" in now and "Dietary needs: Vegan" in before
    # A change after that email went waits for the hour to pass.
    change_needs(session, booking.manage_token, access_needs=[], access_details="", dietary_needs="Halal")
    session.rollback()
    last = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == team).order_by(
        OutboxMessage.id.desc())).first()  # fmt: skip
    assert last.next_attempt_at >= last.created_at + timedelta(minutes=59)
