"""The outbox: emails are written with the change that causes them and delivered by a worker.

Delivery is at least once. A worker claims due messages (FOR UPDATE SKIP LOCKED on PostgreSQL,
so several workers never claim the same one; SQLite has one writer at a time) and holds them
for a lease. A worker that dies leaves its claim to expire, and the message is picked up again.
Failures are retried with exponential backoff and jitter, then marked failed and kept.
"""

import logging
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.core import audit
from app.core.addresses import email_key
from app.database import utcnow, writing
from app.mail.registry import NoLongerApplies, render_batch
from app.mail.transport import Undeliverable, build_email, send_all
from app.models import Booking, OutboxMessage, OutboxStatus, StaffUser

log = logging.getLogger(__name__)


def queue_message(
    session: Session,
    *,
    kind: str,
    to: str,
    subject: str,
    context: dict,
    booking: Booking | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Add an email to the outbox in the caller's (write) transaction, to go now or at `not_before`. A
    repeated dedupe key adds nothing."""
    if dedupe_key and session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(">").strip() or None
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        booking=booking,
        to_address=to,
        to_key=email_key(to),
        subject=subject,
        context=context,
        message_id=make_msgid(domain=domain),
        next_attempt_at=not_before or utcnow(),
    )
    session.add(message)
    return message


def sent_within(session: Session, address: str, since: datetime, kinds: tuple[str, ...]) -> int:
    """How many emails of these kinds have been queued to this address (as one person) since then."""
    query = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.to_key == email_key(address), OutboxMessage.created_at >= since, OutboxMessage.kind.in_(kinds)
    )
    return session.scalar(query) or 0


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next try: doubling each time, capped, with jitter so retries spread out."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.5, 1.0)


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])


@dataclass
class Claim:
    """Messages one worker holds until `until`. Only the holder of the token sends them or records how it went."""

    token: str
    ids: list[int]
    until: datetime

    def __len__(self) -> int:
        return len(self.ids)


def claim_due(session: Session, now: datetime, limit: int) -> Claim:
    """Claim up to `limit` due messages for this worker, for the lease time."""
    token = secrets.token_hex(16)
    with writing(session):
        messages = session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                OutboxMessage.next_attempt_at <= now,
                sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for message in messages:
            message.status = OutboxStatus.SENDING
            message.locked_until = now + lease()
            message.claim_token = token
            message.attempts += 1
        return Claim(token, [message.id for message in messages], now + lease())


def renew(session: Session, claim: Claim, ids: list[int]) -> set[int]:
    """Hold these claimed messages for another lease; returns those still this claim's."""
    now = utcnow()
    with writing(session):
        held = session.scalars(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claim_token == claim.token,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(locked_until=now + lease())
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
    claim.until = now + lease()
    return set(held)


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def kind_of(error: Exception) -> str:
    """What went wrong, for the log: the kind of error and an SMTP code, without the server's words
    (which often repeat the address)."""
    code = getattr(error, "smtp_code", None) or getattr(error, "code", None)
    return f"{type(error).__name__}{f' {code}' if isinstance(code, int) else ''}"


def _record_failure(message: OutboxMessage, error: Exception, now: datetime, report: DeliveryReport) -> None:
    config = current_app.config
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.locked_until = None
    report.errors.append(message.last_error)
    if message.attempts >= config["MAIL_MAX_ATTEMPTS"] or isinstance(error, Undeliverable):
        message.status = OutboxStatus.FAILED
        report.failed += 1
        # Ids, never addresses: the log is kept longer than people's details are.
        log.error(
            "Gave up on email %s (%s) after %s tries: %s", message.id, message.kind, message.attempts, kind_of(error)
        )
        return
    message.status = OutboxStatus.PENDING
    delay = retry_delay(message.attempts, config["MAIL_RETRY_BASE_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"])
    message.next_attempt_at = now + timedelta(seconds=delay)
    report.retrying += 1
    log.warning("Email %s (%s) will be retried: %s", message.id, message.kind, kind_of(error))


class ClaimLost(Exception):
    """The lease ran out and another worker may hold the message now: this one must leave it alone."""


def deliver(session: Session, claim: Claim, report: DeliveryReport, now: datetime | None = None) -> None:
    """Send claimed messages over one connection and record each outcome, while the claim still holds them.

    A message is sent only with at least half a lease left, renewing the lease when it runs low, so a slow
    mail server never lets a lease run out while this worker might still send: another worker can then
    never send the same message. Outcomes are written only to rows that still carry this claim's token.
    """
    rows = {
        row.id: row
        for row in session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id.in_(claim.ids), OutboxMessage.claim_token == claim.token)
            .order_by(OutboxMessage.id)
        )
    }
    outcomes: dict[int, Exception | None] = {}
    emails = []
    for message_id, rendered in render_batch(session, list(rows.values())).items():
        try:
            if isinstance(rendered, Exception):
                raise rendered
            emails.append((message_id, build_email(rows[message_id], rendered)))
        except Exception as error:  # noqa: BLE001 - a message that cannot be written fails alone
            outcomes[message_id] = error
    session.rollback()  # it only read: hold no transaction open while talking to the mail server
    held = set(claim.ids)

    def still_ours(message_id: int) -> bool:
        nonlocal held
        if claim.until - utcnow() < lease() / 2:
            # Every message of the claim, sent ones too: until its outcome is written, a message whose
            # lease ran out would look unsent to another worker.
            held &= renew(session, claim, claim.ids)
        if message_id not in held or claim.until - utcnow() < lease() / 2:
            outcomes[message_id] = ClaimLost("the claim ran out before the message was sent")
            return False
        return True

    outcomes.update(send_all(emails, before_each=still_ours))

    now = now or utcnow()  # the pass's own time, so a retry is never due again in the same pass
    with writing(session):
        mine = sa.select(OutboxMessage).where(OutboxMessage.id.in_(claim.ids), OutboxMessage.claim_token == claim.token)
        for message in session.scalars(mine):
            # A message with no outcome, or one whose claim ran out, is left for its lease to end.
            if message.id in outcomes and not isinstance(outcomes[message.id], ClaimLost):
                _record_outcome(message, outcomes[message.id], now, report)


def _record_outcome(message: OutboxMessage, error: Exception | None, now: datetime, report: DeliveryReport) -> None:
    message.claim_token = None
    if isinstance(error, NoLongerApplies):
        message.status = OutboxStatus.SKIPPED
        message.locked_until = None
        message.last_error = f"Not sent: {error}"
        report.skipped += 1
    elif error is None:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.locked_until = None
        message.last_error = ""
        report.sent += 1
    else:
        _record_failure(message, error, now, report)


def send_due(session: Session, *, batch_size: int = 50, now: datetime | None = None) -> DeliveryReport:
    """Deliver everything that is due now, batch by batch, then return what happened.

    After the first batch, a worker claims no more than it sent in half a lease, so that with a slow mail
    server the rest stay free for other workers.
    """
    report = DeliveryReport()
    seconds_each = None
    while True:
        limit = batch_size
        if seconds_each:
            limit = max(1, min(batch_size, int(lease().total_seconds() / 2 / seconds_each)))
        claim = claim_due(session, now or utcnow(), limit)
        if not claim:
            return report
        started = time.monotonic()
        deliver(session, claim, report, now)
        seconds_each = (time.monotonic() - started) / len(claim)


def retry_failed(session: Session, message_id: int, *, actor: StaffUser | None) -> bool:
    """Put a failed message back in the queue to be tried again now."""
    with writing(session):
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is None or message.status != OutboxStatus.FAILED:
            return False
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = utcnow()
        audit.record(session, actor, "email retried", message, f"Asked to try email {message.id} again")
    return True


def outbox_summary(session: Session) -> dict[str, int]:
    """How many messages there are in each state."""
    rows = session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    )
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({status.value: count for status, count in rows})
    return counts


def failed_messages(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """Messages the worker gave up on, newest first."""
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
