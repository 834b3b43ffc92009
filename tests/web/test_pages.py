"""The pages a public service must have, and getting the links to your bookings again."""

import re

import sqlalchemy as sa

from app.enrolment.bookings import cancel_booking, send_booking_links
from app.mail.outbox import send_due
from app.models import OutboxMessage
from tests.factories import STAFF_PASSWORD, booked, booking_form, confirm_by_email, details, make_date, make_staff

TOO_MANY = "You have tried this too many times. Try again in an hour."


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_every_page_links_to_privacy_accessibility_cookies_and_finding_a_booking(client, session):
    make_date(session)
    for path in ("/", "/dates", "/briefings", "/privacy", "/admin/sign-in"):
        page = text(client.get(path))
        for link in ('href="/privacy"', 'href="/accessibility"', 'href="/cookies"', 'href="/bookings/find"'):
            assert link in page, (path, link)
    assert 'href="/bookings/find"' in client.get("/bookings/" + "x" * 43).get_data(as_text=True)  # the 404 page


def test_the_privacy_notice_reads_its_periods_and_contact_from_the_settings(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_ACCESS_NEEDS_DAYS", 45)
    monkeypatch.setitem(app.config, "RETENTION_ANONYMISE_MONTHS", 36)
    monkeypatch.setitem(app.config, "DATA_PROTECTION_CONTACT", "dpo@example.gov.uk")
    page = text(client.get("/privacy"))
    assert "until 45 days after your course ends" in page
    assert "until 36 months after your course ends" in page
    assert 'href="mailto:dpo@example.gov.uk"' in page
    assert "special category information" in page and "Only the training team, when signed in" in page
    assert "article 9(2)" in page


def test_the_privacy_notice_names_every_place_the_information_goes(app, client):
    page = text(client.get("/privacy"))
    for place in ("Your line manager", "The training team's mailbox", app.config["TRAINING_TEAM_EMAIL"],
                  "Your feedback", "quoted in reports", "Your certificate", "check it is genuine",
                  "nothing you typed into the form", "a week if you never confirmed it"):  # fmt: skip
        assert place in page, place


def test_the_accessibility_statement_follows_the_model(client):
    page = text(client.get("/accessibility"))
    for heading in ("How accessible this service is", "Reporting problems with this service", "Enforcement procedure"):
        assert heading in page
    assert "partially compliant" in page and "Equality Advisory and Support Service" in page


def test_the_council_adds_text_in_markdown_that_can_never_add_markup(app, client, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "privacy.md").write_text(
        "## Our data protection officer\n\nWrite to **Jo Bloggs**, [see the council](https://example.gov.uk).\n\n"
        '<script>alert("x")</script>\n\n[click](javascript:alert(1))\n',
        encoding="utf-8",
    )
    page = text(client.get("/privacy"))
    assert '<h2 class="govuk-heading-m">Our data protection officer</h2>' in page
    assert "<strong>Jo Bloggs</strong>" in page
    assert '<a class="govuk-link" href="https://example.gov.uk">see the council</a>' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert "Our data protection officer" not in text(client.get("/cookies"))  # one file per page


def test_the_cookies_page_names_every_cookie_the_service_sets(app, client, session):
    course_date = make_date(session)
    staff = app.test_client()
    responses = [
        client.get(f"/dates/{course_date.id}/book"),
        client.post(f"/dates/{course_date.id}/book", data=booking_form()),
        staff.post("/admin/sign-in", data={"email": make_staff(session).email, "password": STAFF_PASSWORD}),
    ]
    names = {cookie.split("=", 1)[0] for response in responses for cookie in response.headers.getlist("Set-Cookie")}
    assert names == {"session", "sos_known_browser"}
    page = text(client.get("/cookies"))
    for name in names:
        assert f">{name}<" in page, name


def test_booking_links_go_to_the_address_only_for_bookings_still_to_come(session, mail_server):
    email = "lost.link@example.org"
    first = booked(session, make_date(session).id, details(email=email)).booking
    second_date = make_date(session, days_from_now=60)
    gone = booked(session, second_date.id, details(email=email)).booking
    cancel_booking(session, gone.manage_token)
    send_due(session)
    mail_server.messages.clear()
    assert send_booking_links(session, "Lost.Link@Example.org") == 1
    assert send_booking_links(session, "nobody@example.org") == 0
    send_due(session)
    (message,) = mail_server.messages
    assert message["To"] == email
    body = message.get_body(("plain",)).get_content()
    assert f"/bookings/{first.manage_token}" in body and first.reference in body
    assert gone.manage_token not in body


def test_the_find_page_says_the_same_whether_or_not_there_are_bookings(client, session):
    booked(session, make_date(session).id, details(email="has.one@example.org"))
    session.rollback()
    before = session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    answers = []
    for address in ("has.one@example.org", "has.none@example.org"):
        response = client.post("/bookings/find", data={"email": address})
        assert response.status_code == 302
        answers.append(text(client.get(response.headers["Location"])))
    assert answers[0] == answers[1]
    assert "If there are bookings for that email address, we have sent the links" in answers[0]
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == before + 1
    bad = client.post("/bookings/find", data={"email": "nope"})
    assert "Enter your email address in the correct format" in bad.get_data(as_text=True)


def test_the_find_page_is_limited_per_address_and_per_recipient(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "FIND_LIMIT_PER_ADDRESS", "2 per hour")
    for number in range(2):
        assert client.post("/bookings/find", data={"email": f"p{number}@example.org"}).status_code == 302
    refused = client.post("/bookings/find", data={"email": "p9@example.org"})
    assert refused.status_code == 429 and TOO_MANY in refused.get_data(as_text=True)
    assert 'value="p9@example.org"' in refused.get_data(as_text=True)


def test_the_confirmation_page_and_emails_say_how_to_get_a_lost_link_again(client, session, mail_server):
    course_date = make_date(session)
    form = booking_form()
    client.post(f"/dates/{course_date.id}/book", data=form)
    token = confirm_by_email(client, session, form["email"])
    page = text(client.get(f"/bookings/{token}/confirmation"))
    assert re.search(r'href="/bookings/find">get the links to your bookings by email', page)
    send_due(session)
    (message,) = [m for m in mail_server.messages if m["Subject"].startswith("Booked")]
    assert "http://training.example.test/bookings/find" in message.get_body(("plain",)).get_content()
