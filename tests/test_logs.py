"""No manage link and no email address in any log: the app's, the development server's or gunicorn's."""

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.core.access_log import redact
from app.enrolment import bookings as service
from app.mail.outbox import send_due
from tests.factories import booking_form, confirm_by_email, make_date

ROOT = Path(__file__).resolve().parent.parent


def test_redact_takes_the_token_out_of_every_kind_of_booking_path():
    token = "Ab-_" * 10 + "xyz"
    assert redact(f'"GET /bookings/{token}/cancel?x=1 HTTP/1.1"') == '"GET /bookings/[link]/cancel?x=1 HTTP/1.1"'
    assert redact(f"http://host/bookings/{token}") == "http://host/bookings/[link]"
    assert redact("/dates/3/book") == "/dates/3/book"


def test_a_booking_its_emails_and_a_failure_on_its_link_log_no_token_or_address(
    app, client, session, caplog, mail_server, monkeypatch
):
    course_date = make_date(session)
    with caplog.at_level(logging.DEBUG):
        client.post(f"/dates/{course_date.id}/book", data=booking_form(email="private.person@example.org"))
        token = confirm_by_email(client, session, "private.person@example.org")
        client.get(f"/bookings/{token}")
        send_due(session)

        def broken(*args, **kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(service, "cancel_booking", broken)
        monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: log and show 500
        assert client.post(f"/bookings/{token}/cancel").status_code == 500
    assert len(mail_server.messages) == 1  # "booked"; the "confirm" email was overtaken before it went
    # Every line but those of the test's own mail server (aiosmtpd's "mail.log").
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    assert "Exception on /bookings/[link]/cancel [POST]" in logged  # Flask's own line, cleaned
    assert token not in logged
    assert "private.person@example.org" not in logged


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_with_the_readme_logger_keeps_tokens_out_of_its_access_and_error_logs(app, tmp_path):
    """The README's production command, run for real: the request line, path and referrer are cleaned."""
    readme = (ROOT / "README.md").read_text()
    assert "--logger-class app.core.access_log.GunicornLogger" in readme
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": "test",
        "INSTANCE_PATH": str(tmp_path),
        "SESSION_COOKIE_SECURE": "false",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
        "--logger-class", "app.core.access_log.GunicornLogger",
        "--access-logfile", str(tmp_path / "access.log"), "--error-logfile", str(tmp_path / "error.log"),
        "--access-logformat", '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" %(U)s',
        "wsgi:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    token = "Tk" * 21 + "x"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/bookings/{token}/cancel",
            headers={"Referer": f"http://127.0.0.1:{port}/bookings/{token}"},
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=5)
        assert answer.value.code == 404
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    access = (tmp_path / "access.log").read_text()
    assert '"GET /bookings/[link]/cancel HTTP/1.1" 404' in access
    assert f'"http://127.0.0.1:{port}/bookings/[link]"' in access
    assert token not in access + (tmp_path / "error.log").read_text()
