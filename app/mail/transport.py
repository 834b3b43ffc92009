"""Getting an email out: over SMTP through Flask-Mail's connection, or into .eml files when no server is set.

Flask-Mail opens SMTP connections with no timeout (pallets-eco/flask-mail#114) and starts TLS
without checking the server's certificate; SafeConnection closes both gaps. The message itself is
composed here with the standard library's email package: Flask-Mail's builder encodes even a plain
ASCII sender and serialises through a policy that parses every header again, which took most of a
worker's time (about 3 ms a message, where this takes under 1 ms).
"""

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.charset import BASE64, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from flask_mail import Connection, Mail

log = logging.getLogger(__name__)


class _AsWritten(policy.Compat32):
    """Headers written out as they are. They are encoded here, plain ASCII, and far shorter than the
    998 characters a line may have; folding them again cost more than writing the rest of the message."""

    def fold(self, name: str, value) -> str:
        return f"{name}: {value}{self.linesep}"

    def fold_binary(self, name: str, value) -> bytes:
        return self.fold(name, value).encode("ascii")


SMTP_BYTES = _AsWritten(linesep="\r\n")
# Bodies in base64: any script and any line length travel safely, even through a server without 8BITMIME.
# A Charset of our own, because Flask-Mail changes the shared one for UTF-8 to raw 8-bit.
UTF8 = Charset("utf-8")
UTF8.body_encoding = BASE64


@lru_cache(maxsize=4)
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying TLS context, made once: loading the CA store takes tens of milliseconds."""
    return ssl.create_default_context(cafile=ca_file or None)


class SafeConnection(Connection):
    """An SMTP connection with a timeout and verified TLS.

    It always connects. Flask-Mail would otherwise leave the connection empty when MAIL_SUPPRESS_SEND is
    set, or whenever TESTING is, and every pass of the worker would then fail without marking an email
    failed. The service has no such switch: with no MAIL_SERVER, emails are written to files instead."""

    def __enter__(self) -> "SafeConnection":
        self.host = self.configure_host()
        self.num_emails = 0
        return self

    def configure_host(self) -> smtplib.SMTP:
        # Read at connection time, so the settings in force are the ones used.
        config = current_app.config
        server, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
        if config["MAIL_USE_SSL"]:
            host = smtplib.SMTP_SSL(server, port, timeout=timeout, context=tls_context(config.get("MAIL_CA_FILE")))
        else:
            host = smtplib.SMTP(server, port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if config["MAIL_USE_TLS"]:
            host.starttls(context=tls_context(config.get("MAIL_CA_FILE")))
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return host


class SafeMail(Mail):
    """Flask-Mail, opening SafeConnections."""

    def connect(self) -> SafeConnection:
        return SafeConnection(current_app.extensions["mail"])


@dataclass
class Email:
    """A message ready to send: who it goes to and its bytes."""

    message_id: str
    sender: str
    recipient: str
    data: bytes


def _header_text(value: str) -> str:
    """A header value, refusing line breaks (they would start new headers); encoded only if not ASCII."""
    if "\r" in value or "\n" in value:
        raise ValueError("a header cannot hold a line break")
    return value if value.isascii() else Header(value, "utf-8", maxlinelen=998).encode()


def _address(value: str) -> str:
    """An address header; the name is encoded only when it is not plain ASCII."""
    if "\r" in value or "\n" in value:
        raise ValueError("an address cannot hold a line break")
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def _text(body: str, subtype: str) -> MIMEText:
    """A text part in UTF-8 (base64, so any line length and any script travel safely)."""
    return MIMEText(body, subtype, UTF8)


class Undeliverable(ValueError):
    """This message can never be sent as it is, so trying again would not help."""


def build_email(outbox_message, rendered) -> Email:
    """The email for an outbox row: text and HTML, and for invites the calendar part and invite.ics."""
    config = current_app.config
    if not outbox_message.to_address.isascii():
        # The forms refuse such addresses; one stored before they did fails at once, plainly.
        raise Undeliverable("the address has letters our mail server cannot send to (only a to z work before the @)")
    alternative = MIMEMultipart("alternative", boundary=f"=_{secrets.token_hex(12)}")
    alternative.attach(_text(rendered.text, "plain"))
    alternative.attach(_text(rendered.html, "html"))
    if rendered.calendar_ics:
        # Calendar clients read the last alternative: the invite, with its iTIP method.
        calendar = _text(rendered.calendar_ics, "calendar")
        calendar.set_param("method", rendered.calendar_method or "PUBLISH", requote=False)
        alternative.attach(calendar)
    files = list(rendered.attachments)
    if rendered.calendar_ics:
        name = "cancel.ics" if rendered.calendar_method == "CANCEL" else "invite.ics"
        files.insert(0, (name, "ics", rendered.calendar_ics.encode("utf-8")))
    if files:
        message = MIMEMultipart("mixed", boundary=f"=_{secrets.token_hex(12)}")
        message.attach(alternative)
        for name, subtype, data in files:
            attachment = MIMEApplication(data, subtype)
            attachment.add_header("Content-Disposition", "attachment", filename=name)
            message.attach(attachment)
    else:
        message = alternative
    sender = config["MAIL_DEFAULT_SENDER"]
    message["Subject"] = _header_text(rendered.subject or outbox_message.subject)
    message["From"] = _address(sender)
    message["To"] = _address(outbox_message.to_address)
    message["Reply-To"] = _address(config["TRAINING_TEAM_EMAIL"])
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = _header_text(outbox_message.message_id)
    # RFC 3834: sent by the service, so out-of-office replies and auto-responders leave it alone.
    message["Auto-Submitted"] = "auto-generated"
    return Email(
        message_id=outbox_message.message_id,
        sender=parseaddr(sender)[1],
        recipient=outbox_message.to_address,
        data=message.as_bytes(policy=SMTP_BYTES),
    )


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

    def send(self, email: Email) -> None:
        self.connection.host.sendmail(email.sender, [email.recipient], email.data)


class FileTransport:
    """Writes each message as an .eml file, for development without a mail server."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return None

    def send(self, email: Email) -> None:
        name = email.message_id.strip("<>").replace("@", "_at_").replace("/", "_")
        path = self.directory / f"{name}.eml"
        path.write_bytes(email.data)
        log.info("Email %s written to %s", email.message_id, path)


mail = SafeMail()


def init_app(app: Flask) -> None:
    """Bind Flask-Mail to the app."""
    mail.init_app(app)


def open_transport():
    """SMTP when MAIL_SERVER is set, otherwise .eml files in MAIL_FILE_DIR."""
    if current_app.config.get("MAIL_SERVER"):
        return SMTPTransport(mail)
    return FileTransport(current_app.config["MAIL_FILE_DIR"])


# What one message's sending can fail with; the connection-level ones end the batch.
SEND_ERRORS = (smtplib.SMTPException, OSError, ValueError)
CONNECTION_LOST = (smtplib.SMTPServerDisconnected, OSError)


def send_all(emails: list[tuple[int, Email]], before_each=None) -> dict[int, Exception | None]:
    """Send emails over one connection; the outcome of each, by id (None when sent).

    `before_each(message_id)` may say no to a message (it is then left out, with no outcome).
    """
    outcomes: dict[int, Exception | None] = {}
    skipped = set()
    try:
        with open_transport() as transport:
            for message_id, email in emails:
                if before_each is not None and not before_each(message_id):
                    skipped.add(message_id)
                    continue
                try:
                    transport.send(email)
                    outcomes[message_id] = None
                except SEND_ERRORS as error:
                    outcomes[message_id] = error
                    if isinstance(error, CONNECTION_LOST):
                        break  # the connection is gone: the rest wait for the next try
    except (smtplib.SMTPException, OSError) as error:
        for message_id, _email in emails:
            outcomes.setdefault(message_id, error)
    for message_id, _email in emails:
        if message_id not in skipped:
            outcomes.setdefault(message_id, ConnectionError("not tried: the connection was lost"))
    return outcomes
