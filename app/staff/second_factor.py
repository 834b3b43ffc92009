"""A second factor for signing in with a password: a six-digit code from an authenticator app on the
person's phone (time-based one-time passwords, RFC 6238, through pyotp).

Each code works once: the 30-second step it belongs to is kept, and a code from that step or an earlier one
is refused. A code from the step before or after now is accepted, for phones whose clocks drift. An admin
can require a second factor of an account; it is then set up at the account's next sign-in. Accounts that
sign in with the council's Microsoft account use the council's own second factor instead.
"""

import pyotp
from sqlalchemy.orm import Session

from app.core import audit
from app.core.rules import Refused
from app.database import utcnow, writing
from app.models import StaffUser
from app.staff.accounts import locked_account

ISSUER_NAME = "Signs of Safety training"
CODE_LENGTH = 6


class CodeNotRight(Refused):
    """The code is not the one the app shows now, or was used already."""


def needed(user: StaffUser) -> bool:
    """Whether signing in with this account's password needs a code too (or setting up the app first)."""
    return user.object_id is None and (user.totp_secret is not None or user.second_factor_required)


def new_secret() -> str:
    return pyotp.random_base32()


def setup_address(user: StaffUser, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (as a QR code, or typed in as the key)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)


def _step_matching(secret: str, code: str, after_step: int | None) -> int | None:
    """The 30-second step (before, now or after) whose code this is, if it is later than after_step."""
    code = "".join(code.split())
    if len(code) != CODE_LENGTH or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def set_up(session: Session, user_id: int, secret: str, code: str) -> StaffUser:
    """Keep the app's secret once the person has typed a code it shows, so we know the app has it."""
    with writing(session):
        user = locked_account(session, user_id)
        step = _step_matching(secret, code, None)
        if step is None:
            raise CodeNotRight("Enter the 6-digit code your authenticator app shows now")
        user.totp_secret, user.totp_last_step = secret, step
        audit.record(session, user, "second factor set up", user, f"{user.email} set up an authenticator app")
    return user


def check(session: Session, user_id: int, code: str) -> StaffUser:
    """Accept a code from the account's app, once: the step it belongs to is kept."""
    with writing(session):
        user = locked_account(session, user_id)
        step = _step_matching(user.totp_secret, code, user.totp_last_step) if user.totp_secret else None
        if step is None:
            raise CodeNotRight("Enter the 6-digit code your authenticator app shows now")
        user.totp_last_step = step
    return user


def require(session: Session, user_id: int, required: bool, *, actor: StaffUser) -> StaffUser:
    """An admin requires a second factor of an account (set up at its next sign-in), or stops requiring it."""
    with writing(session):
        user = locked_account(session, user_id)
        if user.object_id is not None:
            raise Refused("This account signs in with a council Microsoft account, which has its own second factor.")
        if user.second_factor_required != required:
            user.second_factor_required = required
            words = "now needs" if required else "no longer needs"
            audit.record(session, actor, "second factor required", user, f"{user.email} {words} a second factor")
    return user


def remove(session: Session, user_id: int, *, actor: StaffUser) -> StaffUser:
    """Forget an account's authenticator app: for a lost phone (by an admin), or by the person themselves
    when none is required. If one is required, they set up a new app at their next sign-in."""
    with writing(session):
        user = locked_account(session, user_id)
        if actor.id == user.id and user.second_factor_required:
            raise Refused("An admin requires a second factor for your account, so you cannot remove it.")
        if user.totp_secret is not None:
            user.totp_secret, user.totp_last_step = None, None
            summary = f"Removed the authenticator app of {user.email}"
            audit.record(session, actor, "second factor removed", user, summary)
    return user
