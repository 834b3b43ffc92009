"""The single-use, short-lived links emailed to staff: to set a password when an admin invites them, or a
new one when they forgot theirs. Sending a new link of the same purpose ends the earlier one.

The link is kept in the database until it is used or runs out (like a booking's link), because the email is
written when the worker sends it, not when it is asked for."""

import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.rules import Refused
from app.database import utcnow, writing
from app.mail.outbox import queue_message
from app.models import LinkPurpose, StaffLink, StaffSession, StaffUser
from app.staff.passwords import check_new_password, hash_password, set_password_hash

LINK_HOURS = {LinkPurpose.INVITE: 72, LinkPurpose.RESET: 1}
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class LinkNotValid(Refused):
    """The link is unknown, used, out of date, or its account is switched off."""


def send_link(session: Session, user: StaffUser, purpose: LinkPurpose, *, invited_by: StaffUser | None = None) -> None:
    """A new link for this account, ending any earlier one of the purpose, and the email that carries it.
    Call inside the caller's write transaction."""
    now = utcnow()
    session.execute(
        sa.update(StaffLink)
        .where(StaffLink.staff_user_id == user.id, StaffLink.purpose == purpose, StaffLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    link = StaffLink(
        token=secrets.token_urlsafe(32),
        staff_user_id=user.id,
        purpose=purpose,
        created_at=now,
        expires_at=now + timedelta(hours=LINK_HOURS[purpose]),
    )
    session.add(link)
    session.flush()
    subject = {
        LinkPurpose.INVITE: "You are invited to the Signs of Safety training service",
        LinkPurpose.RESET: "Set a new password for the Signs of Safety training service",
    }[purpose]
    queue_message(
        session,
        kind=f"staff_{purpose}",
        to=user.email,
        subject=subject,
        context={"staff_link_id": link.id, "invited_by": (invited_by.name or invited_by.email) if invited_by else ""},
    )


def valid_link(session: Session, token: str, now: datetime | None = None) -> StaffLink | None:
    """The link behind this address, while it can still be used."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    link = session.scalar(sa.select(StaffLink).where(StaffLink.token == token))
    if link is None or link.used_at is not None or link.expires_at <= (now or utcnow()):
        return None
    return link if link.staff_user.active else None


def set_password_by_link(session: Session, token: str, password: str) -> StaffUser:
    """Set the account's password from a link, which is then used up; every other session of it ends."""
    check_new_password(password)
    new_hash = hash_password(password)  # before the write transaction: argon2 takes a moment
    with writing(session):
        link = valid_link(session, token)
        if link is None:
            raise LinkNotValid("This link has been used or is out of date. Ask for a new one.")
        link.used_at = utcnow()
        user = link.staff_user
        set_password_hash(user, new_hash)
        session.execute(sa.delete(StaffSession).where(StaffSession.staff_user_id == user.id))
        what = "set their password" if link.purpose == LinkPurpose.INVITE else "set a new password"
        audit.record(session, user, "password set by link", user, f"{user.email} {what} by an emailed link")
    return user
