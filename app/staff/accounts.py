"""Staff accounts: the first admin made at the command line, the rest invited by an admin in the web; signed
in to, given new passwords, given a role, and switched off and on.

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
from app.models import LinkPurpose, Role, StaffSession, StaffUser
from app.staff import links
from app.staff.passwords import (
    PasswordNotAllowed,
    check_new_password,
    hash_password,
    needs_new_hash,
    password_matches,
    set_password_hash,
)


def find_staff(session: Session, email: str) -> StaffUser | None:
    """The account with a password here for this address (accounts that sign in with the council's provider
    are never found by their address)."""
    query = sa.select(StaffUser).where(StaffUser.email == email.strip().lower(), StaffUser.object_id.is_(None))
    return session.scalar(query)


def check_password(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with a password here that this email and password match, or None. A hash made
    with weaker settings than today's is replaced. Nobody is signed in yet: a second factor may be next."""
    user = find_staff(session, email)
    if not (password_matches(user, password) and user.active):
        session.rollback()
        return None
    upgraded = hash_password(password) if needs_new_hash(user) else None
    user_id = user.id
    session.rollback()  # end the read, so the write below starts as a write
    if upgraded:
        with writing(session):
            session.get(StaffUser, user_id, with_for_update=True).password_hash = upgraded
    return session.get(StaffUser, user_id)


def open_session(session: Session, user: StaffUser, *, lifetime_seconds: int) -> str:
    """A new signed-in session for the account, in the caller's write transaction: the time of signing in is
    kept, and the account's sessions past their lifetime are removed. Returns the session's token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    user.last_signed_in_at = now
    session.execute(
        sa.delete(StaffSession).where(
            StaffSession.staff_user_id == user.id,
            StaffSession.started_at <= now - timedelta(seconds=lifetime_seconds),
        )
    )
    session.add(StaffSession(token=token, staff_user_id=user.id, started_at=now))
    return token


def start_session(session: Session, user_id: int, *, lifetime_seconds: int) -> tuple[StaffUser, str] | None:
    """Sign in an account whose password (and second factor, if it has one) were checked: the account and
    the new session's token, or None if it was switched off meanwhile."""
    with writing(session):
        user = session.get(StaffUser, user_id, with_for_update=True)
        if user is None or not user.active:
            return None
        token = open_session(session, user, lifetime_seconds=lifetime_seconds)
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


class AccountRefused(Refused):
    """A change to the team's accounts that the rules do not allow."""


def accounts(session: Session) -> list[StaffUser]:
    """Every staff account: switched on first, then by name."""
    return list(
        session.scalars(sa.select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.name, StaffUser.email))
    )


def invite(session: Session, email: str, *, name: str, role: Role, actor: StaffUser) -> StaffUser:
    """Add a member of staff: an account with no password, and an email with a link to set one."""
    email = email.strip().lower()
    with writing(session):
        if find_staff(session, email) is not None:
            raise AccountRefused(f"There is already an account for {email}.")
        user = StaffUser(email=email, name=name.strip(), role=role, password_hash=None)
        session.add(user)
        session.flush()
        links.send_link(session, user, LinkPurpose.INVITE, invited_by=actor)
        audit.record(session, actor, "account invited", user, f"Invited {email} as {role}")
    return user


def locked_account(session: Session, user_id: int) -> StaffUser:
    """The account, locked for this write transaction; NotFound when there is none."""
    user = session.get(StaffUser, user_id, with_for_update=True)
    if user is None:
        raise NotFound("We could not find that account.")
    return user


def _other_active_admins(session: Session, user: StaffUser) -> int:
    query = sa.select(sa.func.count(StaffUser.id)).where(
        StaffUser.active, StaffUser.role == Role.ADMIN, StaffUser.id != user.id
    )
    return session.scalar(query) or 0


def change_role(session: Session, user_id: int, role: Role, *, actor: StaffUser | None) -> StaffUser:
    """Make an account an admin or a trainer. The last admin stays one, so nobody is locked out."""
    with writing(session):
        user = locked_account(session, user_id)
        if user.object_id is not None:
            raise AccountRefused("Their role comes from their council Microsoft account. Ask council IT to change it.")
        if user.role == role:
            return user
        if user.role == Role.ADMIN and user.active and not _other_active_admins(session, user):
            raise AccountRefused("This is the only admin. Make someone else an admin first.")
        user.role = role
        audit.record(session, actor, "role changed", user, f"{user.email} is now a {role}")
    return user


def set_active(session: Session, user_id: int, active: bool, *, actor: StaffUser | None) -> StaffUser:
    """Switch an account on, or off: off ends every one of its sessions at once, and it can no longer sign
    in. Nobody switches off their own account, nor the last admin."""
    with writing(session):
        user = locked_account(session, user_id)
        if user.active == active:
            return user
        if not active:
            if actor is not None and actor.id == user.id:
                raise AccountRefused("You cannot switch off your own account.")
            if user.role == Role.ADMIN and not _other_active_admins(session, user):
                raise AccountRefused("This is the only admin. Make someone else an admin first.")
            user.session_key = secrets.token_hex(8)
            session.execute(sa.delete(StaffSession).where(StaffSession.staff_user_id == user.id))
        user.active = active
        action = "account switched on" if active else "account switched off"
        audit.record(session, actor, action, user, f"{'Switched on' if active else 'Switched off'} {user.email}")
    return user


def activate(session: Session, email: str) -> StaffUser:
    """Switch an account back on, from the command line."""
    user = find_staff(session, email)
    if user is None:
        raise NotFound(f"There is no account for {email}.")
    return set_active(session, user.id, True, actor=None)


def deactivate(session: Session, email: str) -> StaffUser:
    """Switch an account off, from the command line: it can no longer sign in, and its sessions end."""
    user = find_staff(session, email)
    if user is None:
        raise NotFound(f"There is no account for {email}.")
    return set_active(session, user.id, False, actor=None)


def send_password_link(session: Session, email: str) -> None:
    """Someone forgot their password: email a link to set a new one, if the address is an account that is
    switched on. The answer is the same either way, so nobody learns who has an account."""
    with writing(session):
        user = find_staff(session, email)
        if user is not None and user.active:
            links.send_link(session, user, LinkPurpose.RESET)


def invite_again(session: Session, user_id: int, *, actor: StaffUser) -> StaffUser:
    """A new invitation for an account that has not set its password yet (the earlier link stops working)."""
    with writing(session):
        user = locked_account(session, user_id)
        if user.object_id is not None:
            raise AccountRefused(f"{user.email} signs in with their council Microsoft account: no invitation needed.")
        if user.password_hash is not None:
            raise AccountRefused(
                f"{user.email} has set a password already. They can ask for a new one if they forgot it."
            )
        if not user.active:
            raise AccountRefused("This account is switched off. Switch it on first.")
        links.send_link(session, user, LinkPurpose.INVITE, invited_by=actor)
        audit.record(session, actor, "account invited again", user, f"Invited {user.email} again")
    return user
