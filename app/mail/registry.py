"""Which emails the service sends, who writes each one, and the jobs the worker runs before each pass.

Each domain package names what it owns in its one `install(mail)`, which create_app calls: every kind of
email with the function that writes it and the records it refers to (`Reference`), and every scheduled
job. Importing a module registers nothing, so nothing exists by accident and nothing goes missing when
an import moves. The outbox knows no part by name: it asks the app's registry to render a batch. A batch
loads the records its messages refer to in one query per kind of record, so rendering 50 messages costs
the same number of queries as rendering 5.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Config, Flask, current_app, render_template
from sqlalchemy.orm import Session

from app.models import OutboxMessage


class RenderError(Exception):
    """The message can no longer be written, for example because its booking is gone."""


class NoLongerApplies(Exception):
    """The message should not go out any more, such as a reminder for a place since cancelled."""


@dataclass
class RenderedEmail:
    text: str
    html: str
    calendar_method: str | None = None
    calendar_ics: str | None = None
    # Files sent with the email, such as a certificate: (file name, MIME subtype of application/, bytes).
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    # The subject, when it depends on what the email turns out to carry; else the one it was queued with.
    subject: str | None = None


@dataclass(frozen=True)
class Reference:
    """A record a message refers to: by an id in its context, or ("booking") by the message's booking."""

    key: str
    model: type

    @property
    def name(self) -> str:
        """What the renderer calls it: old_date_id becomes old_date."""
        return self.key.removesuffix("_id")

    def id_in(self, message: OutboxMessage):
        return message.booking_id if self.key == "booking" else (message.context or {}).get(self.key)


@dataclass(frozen=True)
class MessageKind:
    name: str
    render: Callable[[OutboxMessage, "Batch"], RenderedEmail]
    references: tuple[Reference, ...] = ()
    # Loads whatever else a batch of this kind needs, in a fixed number of queries.
    prepare: Callable[[Session, "Batch", list[OutboxMessage]], None] | None = None


# A job the worker runs before each pass, to queue what has become due: job(session, now, config) -> emails queued.
Job = Callable[[Session, datetime, Config], int]


EXTENSION = "email_registry"


class Registry:
    """The kinds of email and the scheduled jobs of one app, as its domain packages installed them."""

    def __init__(self) -> None:
        self.kinds: dict[str, MessageKind] = {}
        self.jobs: dict[str, Job] = {}
        # How each kind of record is loaded for emails (eager loads that keep a batch free of N+1 queries).
        self.load_options: dict[type, tuple] = {}

    def email(self, name: str, render: Callable, *, references=(), prepare=None) -> None:
        """The function that writes one kind of email, and the records it refers to."""
        if name in self.kinds:
            raise ValueError(f"the email kind {name!r} is installed twice")
        self.kinds[name] = MessageKind(name, render, tuple(references), prepare)

    def job(self, name: str, run: Job) -> None:
        """A job the worker runs before each pass, such as queueing the reminders that have become due."""
        if name in self.jobs:
            raise ValueError(f"the scheduled job {name!r} is installed twice")
        self.jobs[name] = run

    def load_with(self, model: type, *options) -> None:
        """Say how records of `model` are loaded when emails refer to them."""
        self.load_options[model] = tuple(options)


def install(app: Flask, *installers: Callable[[Registry], None]) -> Registry:
    """Give the app its registry, filled by each domain package's install function, in order."""
    mail = Registry()
    for install_part in installers:
        install_part(mail)
    app.extensions[EXTENSION] = mail
    return mail


def registry() -> Registry:
    """The current app's registry."""
    return current_app.extensions[EXTENSION]


@dataclass
class Batch:
    """The records a batch of messages refers to, each kind of record loaded in one query."""

    session: Session
    kinds: dict[str, MessageKind] = field(default_factory=dict)
    records: dict[type, dict[int, object]] = field(default_factory=dict)
    # Anything else a kind's prepare step loaded for the whole batch, by name.
    extra: dict = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, messages: list[OutboxMessage]) -> "Batch":
        mail = registry()
        batch = cls(session, mail.kinds)
        wanted: dict[type, set[int]] = defaultdict(set)
        by_kind: dict[str, list[OutboxMessage]] = defaultdict(list)
        for message in messages:
            kind = mail.kinds.get(message.kind)
            if kind is None:
                continue
            by_kind[kind.name].append(message)
            for reference in kind.references:
                value = reference.id_in(message)
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted[reference.model].add(value)
        for model, ids in wanted.items():
            query = sa.select(model).where(model.id.in_(sorted(ids))).options(*mail.load_options.get(model, ()))
            batch.records[model] = {record.id: record for record in session.scalars(query).unique()}
        for name, kind_messages in by_kind.items():
            if mail.kinds[name].prepare is not None:
                mail.kinds[name].prepare(session, batch, kind_messages)
        return batch

    def get(self, model: type, record_id):
        """A record the batch loaded; RenderError when it no longer exists."""
        found = self.records.get(model, {}).get(record_id)
        if found is None:
            raise RenderError(f"{model.__name__} {record_id} no longer exists")
        return found

    def referenced(self, message: OutboxMessage) -> dict:
        """Every record the message refers to, by the name its kind gives it."""
        kind = self.kinds[message.kind]
        return {reference.name: self.get(reference.model, reference.id_in(message)) for reference in kind.references}


def render_batch(session: Session, messages: list[OutboxMessage]) -> dict[int, RenderedEmail | Exception]:
    """Write each message as things stand now. A message that cannot be written fails alone."""
    batch = Batch.load(session, messages)
    rendered: dict[int, RenderedEmail | Exception] = {}
    for message in messages:
        kind = batch.kinds.get(message.kind)
        try:
            if kind is None:
                raise RenderError(f"no part of the service writes emails of kind {message.kind!r}")
            rendered[message.id] = kind.render(message, batch)
        except Exception as error:  # noqa: BLE001 - recorded on the message; the rest of the batch goes on
            rendered[message.id] = error
    return rendered


def public_url(path: str) -> str:
    """A full link to a page of the service, for use in emails."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def render_pair(template: str, **context) -> tuple[str, str]:
    """The plain text and HTML versions of an email."""
    context.setdefault("team_email", current_app.config["TRAINING_TEAM_EMAIL"])
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    return tidy_text(render_template(f"email/{template}.txt", **context)), render_template(
        f"email/{template}.html", **context
    )


BLANK_LINES = re.compile(r"\n{3,}")


def tidy_text(text: str) -> str:
    """A plain text part as mail clients show it best: no spaces at line ends, paragraphs apart by one blank
    line (the templates leave blank lines freely between their parts), and one newline at the end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"
