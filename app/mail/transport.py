"""Getting an email out: over SMTP through Flask-Mail, or into .eml files when no server is set.

Flask-Mail opens SMTP connections with no timeout (pallets-eco/flask-mail#114) and starts TLS
without checking the server's certificate. SafeConnection closes both gaps.
"""

import logging
import smtplib
import ssl
from pathlib import Path

from flask import Flask, current_app
from flask_mail import Attachment, Connection, Mail, Message

log = logging.getLogger(__name__)


class SafeConnection(Connection):
    """An SMTP connection with a timeout and verified TLS."""

    def configure_host(self) -> smtplib.SMTP:
        # Read at connection time, so the settings in force are the ones used.
        config = current_app.config
        server, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
        context = ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)
        if config["MAIL_USE_SSL"]:
            host = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
        else:
            host = smtplib.SMTP(server, port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if config["MAIL_USE_TLS"]:
            host.starttls(context=context)
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return host


class SafeMail(Mail):
    """Flask-Mail, opening SafeConnections."""

    def connect(self) -> SafeConnection:
        return SafeConnection(current_app.extensions["mail"])


class CalendarEmail(Message):
    """A Flask-Mail message whose text/calendar alternative names its iTIP method."""

    def __init__(self, *args, calendar_method: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar_method = calendar_method

    def _mimetext(self, text, subtype="plain"):
        part = super()._mimetext(text, subtype)
        if subtype == "calendar" and self.calendar_method:
            part.set_param("method", self.calendar_method, requote=False)
        return part


def build_email(outbox_message, rendered) -> CalendarEmail:
    """The email for an outbox row: text, HTML and, for invites, the calendar part and invite.ics."""
    email = CalendarEmail(
        subject=outbox_message.subject,
        recipients=[outbox_message.to_address],
        body=rendered.text,
        reply_to=current_app.config["TRAINING_TEAM_EMAIL"],
        calendar_method=rendered.calendar_method,
    )
    # Set directly: Flask-Mail's html=None would drop the key. Calendar clients read the last part.
    email.alts = {"html": rendered.html}
    if rendered.calendar_ics:
        email.alts["calendar"] = rendered.calendar_ics
        email.attachments.append(
            Attachment(
                filename="invite.ics", content_type="application/ics", data=rendered.calendar_ics.encode("utf-8")
            )
        )
    email.msgId = outbox_message.message_id
    return email


class SMTPTransport:
    """Sends over one SMTP connection for a batch of messages."""

    def __init__(self, mail: SafeMail):
        self.mail = mail
        self.connection = None

    def __enter__(self):
        self.connection = self.mail.connect().__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.connection.__exit__(*exc)
        except (smtplib.SMTPException, OSError):
            pass  # the messages were handed over; a failed QUIT changes nothing

    def send(self, email: CalendarEmail) -> None:
        self.connection.send(email)


class FileTransport:
    """Writes each message as an .eml file, for development without a mail server."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return None

    def send(self, email: CalendarEmail) -> None:
        name = email.msgId.strip("<>").replace("@", "_at_").replace("/", "_")
        path = self.directory / f"{name}.eml"
        path.write_bytes(email.as_bytes())
        log.info("Email to %s written to %s", ", ".join(map(str, email.recipients)), path)


mail = SafeMail()


def init_app(app: Flask) -> None:
    """Bind Flask-Mail to the app."""
    mail.init_app(app)


def open_transport():
    """SMTP when MAIL_SERVER is set, otherwise .eml files in MAIL_FILE_DIR."""
    if current_app.config.get("MAIL_SERVER"):
        return SMTPTransport(mail)
    return FileTransport(current_app.config["MAIL_FILE_DIR"])
