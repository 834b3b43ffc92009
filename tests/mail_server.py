"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

import asyncio
import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Collects each message the server accepts, parsed."""

    def __init__(self, delay: float = 0):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.delay = delay
        # While True, every message is turned away with a temporary failure, as a server in trouble does.
        self.refusing = False

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow mail server, taking its time over each message
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class MailServer:
    """Start, stop and start again on the same port, like a real server going down and up."""

    def __init__(self, port: int | None = None, delay: float = 0, **controller_options):
        self.port = port or free_port()
        self.inbox = Inbox(delay)
        self.options = controller_options
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.inbox.messages


def calendar_part(message):
    """The text/calendar alternative of an email, or None."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part
    return None
