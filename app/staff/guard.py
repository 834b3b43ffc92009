"""Staff accounts: passwords, the signed-in account, and the guard in front of every staff page."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, request, session
from flask_login import current_user

from app.database import utcnow
from app.extensions import db, login_manager
from app.models import Role, StaffSession, StaffUser

hasher = PasswordHasher()
# A hash to check against when the account does not exist, so both take the same time.
NO_SUCH_ACCOUNT = hasher.hash("no such account")
OPEN_ENDPOINTS = {"admin.sign_in"}


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(user: StaffUser | None, password: str) -> bool:
    """Check a password with argon2, taking as long whether or not the account exists."""
    try:
        hasher.verify(user.password_hash if user else NO_SUCH_ACCOUNT, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def needs_new_hash(user: StaffUser) -> bool:
    """Whether the stored hash was made with weaker settings than today's."""
    return hasher.check_needs_rehash(user.password_hash)


def set_password_hash(user: StaffUser, password_hash: str) -> None:
    """Store a new password (hashed with hash_password, outside any lock) and end every other session."""
    user.password_hash = password_hash
    user.session_key = secrets.token_hex(8)


SESSION_TOKEN = "staff_session"


@login_manager.user_loader
def load_staff(user_id: str) -> StaffUser | None:
    """The signed-in account, while its session is live: not signed out, not past its absolute lifetime,
    and with the account's current key (a new password signs everyone out). One query."""
    number, _, key = user_id.partition(":")
    token = session.get(SESSION_TOKEN)
    if not number.isdigit() or len(number) > 10 or not isinstance(token, str):
        return None
    started_after = utcnow() - timedelta(seconds=current_app.config["SESSION_ABSOLUTE_LIFETIME"])
    return db.session.scalar(
        sa.select(StaffUser)
        .join(StaffSession, StaffSession.staff_user_id == StaffUser.id)
        .where(
            StaffUser.id == int(number),
            StaffUser.active,
            StaffUser.session_key == key,
            StaffSession.token == token,
            StaffSession.started_at > started_after,
        )
    )


def roles(*allowed: Role):
    """Let these roles use a view. Every staff view is for admins only unless it says otherwise."""

    def decorate(view):
        view.allowed_roles = frozenset(allowed)
        return view

    return decorate


def require_staff():
    """Every staff page needs a signed-in account with a role the page allows (a blueprint's before_request)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint)
    if current_user.role not in getattr(view, "allowed_roles", {Role.ADMIN}):
        abort(403)
    return None


def acting_staff() -> StaffUser:
    """The signed-in account as a plain record, to hand to the operations that audit what it does."""
    return current_user._get_current_object()
