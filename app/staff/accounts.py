"""Staff accounts: made by an operator at the command line, signed in to, and given new passwords.

Checking and hashing a password takes a noticeable moment on purpose, so it is done before the
write transaction starts: the database is never held while argon2 works.
"""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.rules import NotFound, Refused
from app.database import utcnow, writing
from app.models import Role, StaffSession, StaffUser
from app.staff.passwords import (
    PasswordNotAllowed,
    check_new_password,
    hash_password,
    needs_new_hash,
    password_matches,
    set_password_hash,
)


def find_staff(session: Session, email: str) -> StaffUser | None:
    return session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))


def sign_in(session: Session, email: str, password: str, *, lifetime_seconds: int) -> tuple[StaffUser, str] | None:
    """The account and a new session's token, if the email and password match an active account.

    The time of signing in is kept, and the account's sessions past their lifetime are removed.
    """
    user = find_staff(session, email)
    if not (password_matches(user, password) and user.active):
        session.rollback()
        return None
    upgraded = hash_password(password) if needs_new_hash(user) else None
    user_id = user.id
    session.rollback()  # end the read, so the write below starts as a write
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with writing(session):
        user = session.get(StaffUser, user_id, with_for_update=True)
        user.last_signed_in_at = now
        if upgraded:
            user.password_hash = upgraded
        session.execute(
            sa.delete(StaffSession).where(
                StaffSession.staff_user_id == user_id,
                StaffSession.started_at <= now - timedelta(seconds=lifetime_seconds),
            )
        )
        session.add(StaffSession(token=token, staff_user_id=user_id, started_at=now))
    return user, token


def sign_out(session: Session, token: str | None) -> None:
    """End this browser's session on the server, so a copy of its cookie signs no one in."""
    if not token:
        return
    with writing(session):
        session.execute(sa.delete(StaffSession).where(StaffSession.token == token))


class WrongPassword(Refused):
    """The password given is not the account's."""


def change_password(session: Session, user: StaffUser, current: str, new: str) -> StaffUser:
    """Change your own password; every other session of the account ends."""
    if not password_matches(user, current):
        raise WrongPassword("Your current password is not right")
    check_new_password(new)
    if password_matches(user, new):
        raise PasswordNotAllowed("Choose a new password that is different from the one you have now.")
    new_hash, user_id = hash_password(new), user.id
    session.rollback()
    with writing(session):
        user = session.get(StaffUser, user_id, with_for_update=True)
        if user is None:
            raise NotFound("We could not find your account.")
        set_password_hash(user, new_hash)
        audit.record(session, user, "password changed", user, f"Changed the password of {user.email}")
    return user


def create_or_reset(session: Session, email: str, *, name: str, role: Role, password: str) -> tuple[StaffUser, bool]:
    """Create a staff account with this role, or give an existing one a new password, and nothing else: its
    role, name and whether it is switched on stay as they are. True when created."""
    email = email.strip().lower()
    check_new_password(password)
    password_hash = hash_password(password)
    with writing(session):
        user = find_staff(session, email)
        created = user is None
        if created:
            user = StaffUser(email=email, name=name, role=role, password_hash=password_hash)
            session.add(user)
            session.flush()
            audit.record(session, None, "account created", user, f"Created the {role} account {email}")
        else:
            set_password_hash(user, password_hash)
            audit.record(session, None, "account updated", user, f"Set a new password for {email}")
    return user, created


def activate(session: Session, email: str) -> StaffUser:
    """Switch an account back on: it can sign in again with its password."""
    with writing(session):
        user = find_staff(session, email)
        if user is None:
            raise NotFound(f"There is no account for {email}.")
        user.active = True
        audit.record(session, None, "account switched on", user, f"Switched on the account {user.email}")
    return user


def deactivate(session: Session, email: str) -> StaffUser:
    """Switch an account off: it can no longer sign in."""
    with writing(session):
        user = find_staff(session, email)
        if user is None:
            raise NotFound(f"There is no account for {email}.")
        user.active = False
        audit.record(session, None, "account switched off", user, f"Switched off the account {user.email}")
    return user
