"""How often one network address, one recipient or one account may use a form.

The counts live in Flask-Limiter's store (RATELIMIT_STORAGE_URI: memory:// for one process, Redis when
several workers share them). Views call these checks once a form is valid, so that a person who is
refused sees the message by the field with their answers kept, and mistakes in a form never count.

A check is a limit setting and the key it counts by. `take` counts a use and says whether there was
room. Sign-in uses `allowed` (only looks) and `count` (only adds), because only failures count there.
If the store cannot be reached the request goes ahead: a booking is never lost because Redis is down."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, request
from limits import parse_many

from app.core.addresses import email_key
from app.enrolment.recipients import has_room
from app.extensions import db, limiter

log = logging.getLogger(__name__)

TOO_MANY = "You have tried this too many times. Try again in an hour."


@dataclass(frozen=True)
class Check:
    setting: str  # the config key holding a limit such as "5 per hour"
    scope: str
    key: str
    # For a limit on emails to an address: the address, whose emails in the outbox count too.
    address: str | None = None


def client_address() -> str:
    """The network address the request came from (after PROXY_FIX_HOPS has been applied)."""
    return request.remote_addr or "unknown"


def by_address(setting: str, scope: str) -> Check:
    return Check(setting, scope, "address:" + client_address())


def by_recipient(address: str) -> Check:
    """Every public form that emails an address shares one count for that address, and the address must
    have room for one more email someone else caused (app.enrolment.recipients), everything included."""
    return Check("EMAIL_LIMIT_PER_RECIPIENT", "recipient", "recipient:" + email_key(address or ""), address or "")


def _each(checks: Iterable[Check]):
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    for check in checks:
        for item in parse_many(current_app.config[check.setting]):
            yield item, [part for part in (prefix, check.scope, check.key) if part]


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.enabled and limiter.initialized


def allowed(*checks: Check) -> bool:
    """True when none of these limits is used up. Counts nothing."""
    if not _enabled():
        return True
    try:
        return all(limiter.limiter.test(item, *keys) for item, keys in _each(checks))
    except Exception:  # noqa: BLE001 - the store is down: let people through, and say so in the log
        log.exception("The rate limit store could not be read; the request goes ahead")
        return True


def count(*checks: Check) -> None:
    """Count one use against each of these limits."""
    if not _enabled():
        return
    try:
        for item, keys in _each(checks):
            limiter.limiter.hit(item, *keys)
    except Exception:  # noqa: BLE001
        log.exception("The rate limit store could not be written; this use was not counted")


def take(*checks: Check) -> bool:
    """Count one use against each limit; False when one of them was already used up.

    Each limit is counted by the store in one step, so two requests at once cannot both take the last use."""
    if not _enabled():
        return True
    if any(check.address and not has_room(db.session, check.address) for check in checks):
        return False
    try:
        return all([limiter.limiter.hit(item, *keys) for item, keys in _each(checks)])
    except Exception:  # noqa: BLE001
        log.exception("The rate limit store could not be written; the request goes ahead")
        return True


def take_for(field, *checks: Check) -> bool:
    """`take`, and when a limit is used up put the plain message by this form field."""
    if take(*checks):
        return True
    field.errors.append(TOO_MANY)
    return False


def status_for(form) -> int:
    """429 when the form was refused for being used too often, else 200."""
    return 429 if any(TOO_MANY in field.errors for field in form) else 200


def wait_message(checks: Iterable[Check], doing: str = "sign in") -> str:
    """How long to wait when one of these short limits is used up, in plain words."""
    seconds = max(item.get_expiry() for item, _ in _each(checks))
    minutes = max(1, round(seconds / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"You have tried to {doing} too many times. Wait {wait}, then try again."
