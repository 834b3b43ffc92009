"""Emails go through the outbox to a real SMTP server, and none is lost when the server is down."""

import socket
import ssl
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import trustme

from app.database import utcnow, writing
from app.enrolment import date_emails as messages
from app.extensions import db
from app.mail.outbox import claim_due, outbox_summary, retry_failed, send_due
from app.models import Interest, OutboxMessage, OutboxStatus
from tests.factories import booked, details, make_date
from tests.mail_server import MailServer, calendar_part


def outbox(session):
    session.rollback()
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_booking_writes_its_email_to_the_outbox_and_sends_nothing_during_the_request(client, session, mail_server):
    course_date = make_date(session)
    client.post(f"/dates/{course_date.id}/book", data={})  # an invalid form queues nothing
    booked(session, course_date.id, details(email="sam@example.org"))
    assert [m.status for m in outbox(session)] == [OutboxStatus.PENDING]
    assert mail_server.messages == []
    send_due(session)
    assert [m["To"] for m in mail_server.messages] == ["sam@example.org"]


def test_the_confirmation_has_text_html_and_a_request_invite_inline_and_attached(session, mail_server):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details(email="sam@example.org")).booking
    send_due(session)
    (message,) = mail_server.messages
    assert message.get_content_type() == "multipart/mixed"
    alternative = message.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    calendar = calendar_part(message)
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    (attachment,) = [p for p in message.iter_attachments()]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content().decode() == calendar.get_content()
    text = message.get_body(("plain",)).get_content()
    for expected in [
        course_date.course.title,
        "Day 1:",
        "Day 2:",
        "Rickergate, Carlisle, CA3 8QG",
        "Step-free access",
        booking.reference,
        f"http://training.example.test/bookings/{booking.manage_token}",
        "SignsOfSafety@cumbria.gov.uk",
    ]:
        assert expected in text, expected
    html = message.get_body(("html",)).get_content()
    assert booking.reference in html and booking.manage_token in html
    assert message["Reply-To"] == "SignsOfSafety@cumbria.gov.uk"


def test_a_booking_made_while_the_mail_server_is_down_is_delivered_exactly_once_later(session):
    from flask import current_app

    server = MailServer().start()
    server.stop()  # the mail server goes down
    current_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    try:
        course_date = make_date(session)
        result = booked(session, course_date.id, details(email="down@example.org"))
        assert result.created  # the booking succeeds at once

        report = send_due(session)
        assert (report.sent, report.retrying) == (0, 1)
        (message,) = outbox(session)
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert message.next_attempt_at > utcnow()

        server.start()  # and comes back on the same port
        send_due(session)  # not due yet: the backoff holds it back
        assert server.messages == []
        send_due(session, now=utcnow() + timedelta(hours=2))
        send_due(session, now=utcnow() + timedelta(hours=4))
        assert [m["To"] for m in server.messages] == ["down@example.org"]
        assert outbox(session)[0].status == OutboxStatus.SENT
    finally:
        server.stop()
        current_app.config.update(MAIL_SERVER=None)


class SilentServer:
    """Accepts connections and never says a word, like a mail server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        try:
            while True:
                connection, _ = self.sock.accept()
                self.connections.append(connection)
        except OSError:
            return

    def close(self):
        for connection in self.connections:
            connection.close()
        self.sock.close()


def test_a_server_that_never_answers_is_given_up_on_for_this_attempt_and_retried_later(app, session):
    silent = SilentServer()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.port, MAIL_TIMEOUT=1)
    try:
        booked(session, make_date(session).id, details())
        report = send_due(session)
        (message,) = outbox(session)
        assert report.retrying == 1
        assert message.status == OutboxStatus.PENDING
        assert "timed out" in message.last_error.lower()
        assert message.next_attempt_at > utcnow()
    finally:
        silent.close()
        app.config.update(MAIL_SERVER=None, MAIL_TIMEOUT=10)


@pytest.fixture
def tls_mail_server(app, tmp_path):
    """An SMTP server that offers STARTTLS with a certificate from a private, self-made CA."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    server = MailServer(tls_context=context, require_starttls=True).start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=True, MAIL_TIMEOUT=5)
    yield server, str(ca_file)
    server.stop()
    app.config.update(MAIL_SERVER=None, MAIL_USE_TLS=False, MAIL_CA_FILE=None)


def test_a_self_signed_tls_server_is_refused_unless_its_ca_is_configured(app, session, tls_mail_server):
    server, ca_file = tls_mail_server
    booked(session, make_date(session).id, details())

    refused = send_due(session)
    assert refused.sent == 0
    assert "CERTIFICATE_VERIFY_FAILED" in outbox(session)[0].last_error
    assert server.messages == []

    app.config["MAIL_CA_FILE"] = ca_file
    accepted = send_due(session, now=utcnow() + timedelta(hours=1))
    assert accepted.sent == 1
    assert len(server.messages) == 1


def test_a_message_is_marked_failed_after_the_last_attempt_kept_and_can_be_tried_again(app, session, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=MailServer().port, MAIL_MAX_ATTEMPTS=3)
    try:
        booked(session, make_date(session).id, details(email="unlucky@example.org"))
        later = utcnow()
        for _ in range(3):
            later += timedelta(days=1)
            send_due(session, now=later)
        (message,) = outbox(session)
        assert message.status == OutboxStatus.FAILED and message.attempts == 3
        status = runner.invoke(args=["mail", "status"]).output
        assert "failed: 1" in status and "unlucky@example.org" in status
        assert retry_failed(session, message.id, actor=None)
        assert outbox(session)[0].status == OutboxStatus.PENDING
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_MAX_ATTEMPTS=8)


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease_expires(app, session, mail_server):
    booked(session, make_date(session).id, details())
    claimed = claim_due(session, utcnow(), 10)  # a worker claims it, then dies before sending
    assert len(claimed) == 1
    assert send_due(session).sent == 0  # still held by the dead worker's lease
    lease = app.config["MAIL_LEASE_SECONDS"]
    assert send_due(session, now=utcnow() + timedelta(seconds=lease + 1)).sent == 1
    assert len(mail_server.messages) == 1


def test_two_workers_deliver_200_queued_messages_with_none_sent_twice(app, session, mail_server):
    course_date = make_date(session)
    with writing(session):
        for number in range(200):
            interest = Interest(
                course_id=course_date.course_id,
                full_name="P",
                email=f"p{number}@example.org",
                email_key=f"p{number}@example.org",
            )
            session.add(interest)
            session.flush()
            messages.dates_published(session, interest, course_date)
    barrier = threading.Barrier(2)
    reports = []

    def worker():
        with app.app_context():
            barrier.wait()
            reports.append(send_due(db.session, batch_size=10))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    recipients = [m["To"] for m in mail_server.messages]
    assert len(recipients) == 200
    assert len(set(recipients)) == 200
    assert sum(r.sent for r in reports) == 200
    assert all(r.sent > 0 for r in reports), "both workers should have taken part"
    assert outbox_summary(session)["sent"] == 200


def test_the_worker_command_and_send_due_command_deliver(runner, session, mail_server):
    booked(session, make_date(session).id, details())
    output = runner.invoke(args=["mail", "send-due"]).output
    assert "sent: 1" in output
    assert len(mail_server.messages) == 1


def test_a_message_that_can_no_longer_be_written_is_retried_not_crashed_on(session, mail_server):
    from app.mail.outbox import queue_message

    with writing(session):
        queue_message(
            session, kind="dates_published", to="x@example.org", subject="New dates", context={"course_date_id": 999}
        )
    report = send_due(session)
    assert report.retrying == 1
    assert "no longer exists" in outbox(session)[0].last_error
    assert mail_server.messages == []


def test_messages_are_marked_automatic_keep_plain_headers_plain_and_stay_within_smtp_line_limits(session, mail_server):
    from app.enrolment.reminders import queue_access_summaries
    from tests.factories import make_staff

    course_date = make_date(session, days_from_now=4)
    make_staff(session, email="admin@example.org")
    booked(session, course_date.id, details(email="zoe@example.org", access_details=("Breaks, please. " * 63)[:1000]))
    queue_access_summaries(session, utcnow(), 5)
    send_due(session)
    by_recipient = {message["To"]: message for message in mail_server.messages}
    confirmation, summary = by_recipient["zoe@example.org"], by_recipient["admin@example.org"]
    assert confirmation["From"] == "Signs of Safety training <SignsOfSafety@cumbria.gov.uk>"
    assert "=?" not in confirmation.as_string().split("\n\n", 1)[0]  # nothing encoded that needed no encoding
    assert confirmation["Auto-Submitted"] == "auto-generated"
    assert "Breaks, please. Breaks, please." in summary.get_body(("plain",)).get_content()
    raw = summary.as_bytes()
    assert max(len(line) for line in raw.splitlines()) <= 998


def test_with_a_slow_mail_server_and_two_workers_each_email_goes_exactly_once(app, session):
    """A server taking 1 s a message, a 2.5 s lease, and a second worker starting 3 s after the first."""
    server = MailServer(delay=1.0).start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_LEASE_SECONDS", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_LEASE_SECONDS=2.5, MAIL_TIMEOUT=10)
    try:
        course_date = make_date(session)
        for number in range(6):
            booked(session, course_date.id, details(email=f"slow{number}@example.org"))
        reports = []

        def worker(wait: float):
            threading.Event().wait(wait)
            with app.app_context():
                reports.append(send_due(db.session))
                db.session.remove()

        threads = [threading.Thread(target=worker, args=(wait,)) for wait in (0, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        ids = [message["Message-ID"] for message in server.messages]
        assert len(ids) == 6 and len(set(ids)) == 6, ids
        assert sum(report.sent for report in reports) == 6
        assert outbox_summary(session)["sent"] == 6
    finally:
        server.stop()
        app.config.update(saved)


def test_a_message_that_cannot_be_written_fails_alone_and_ends_failed(app, session, mail_server):
    from app.mail.outbox import queue_message

    booked(session, make_date(session).id, details(email="fine@example.org"))
    with writing(session):
        queue_message(session, kind="no_such_email", to="x@example.org", subject="?", context={})
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        first = send_due(session)
        assert (first.sent, first.retrying) == (1, 1)  # the confirmation in the same batch went out
        later = send_due(session, now=utcnow() + timedelta(days=1))
        assert later.failed == 1
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 8
    poison = next(message for message in outbox(session) if message.kind == "no_such_email")
    assert poison.status == OutboxStatus.FAILED and poison.attempts == 2
    assert "no part of the service writes emails of kind 'no_such_email'" in poison.last_error
    assert [m["To"] for m in mail_server.messages] == ["fine@example.org"]


def test_an_address_that_needs_smtputf8_stored_before_the_forms_refused_it_fails_at_once(session, mail_server):
    """Never eight silent tries: the first says plainly why, and the rest of the batch goes."""
    course_date = make_date(session)
    booked(session, course_date.id, details(email="用户@例子.广告"))
    booked(session, course_date.id, details(email="fine@example.org"))
    report = send_due(session)
    assert (report.sent, report.failed) == (1, 1)
    stuck = next(message for message in outbox(session) if message.status == OutboxStatus.FAILED)
    assert stuck.attempts == 1
    assert "letters our mail server cannot send to" in stuck.last_error
    assert [m["To"] for m in mail_server.messages] == ["fine@example.org"]


def test_flask_mails_suppress_switch_cannot_silently_stop_delivery(app, session, mail_server, monkeypatch):
    # Flask-Mail suppresses sending when MAIL_SUPPRESS_SEND (or TESTING) is set, leaving the connection
    # empty: every worker pass would then fail and no email would ever be marked failed. We always send.
    monkeypatch.setattr(app.extensions["mail"], "suppress", True)
    booked(session, make_date(session).id, details(email="sam@example.org"))
    report = send_due(session)
    assert (report.sent, report.failed) == (1, 0)
    assert [m["To"] for m in mail_server.messages] == ["sam@example.org"]
