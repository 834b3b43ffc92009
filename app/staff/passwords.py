"""Staff passwords: hashed with argon2, checked in the same time whether or not the account exists, and
never shorter than MIN_PASSWORD_LENGTH, wherever they are set (the web or the command line)."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from app.core.rules import Refused
from app.models import StaffUser

# Longer than anyone types; it keeps argon2 from being handed megabytes.
PASSWORD_MAX = 200


class PasswordNotAllowed(Refused):
    """A new password breaks the rules."""


def minimum_length() -> int:
    return current_app.config["MIN_PASSWORD_LENGTH"]


def check_new_password(password: str) -> None:
    """A new password is at least MIN_PASSWORD_LENGTH characters, and at most PASSWORD_MAX."""
    if len(password) < minimum_length():
        raise PasswordNotAllowed(f"The password must be at least {minimum_length()} characters.")
    if len(password) > PASSWORD_MAX:
        raise PasswordNotAllowed(f"The password must be {PASSWORD_MAX} characters or fewer.")


hasher = PasswordHasher()


# A hash to check against when the account does not exist, so both take the same time.
NO_SUCH_ACCOUNT = hasher.hash("no such account")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(user: StaffUser | None, password: str) -> bool:
    """Check a password with argon2, taking as long whether or not the account exists or has a password."""
    has_password = user is not None and user.password_hash is not None
    try:
        hasher.verify(user.password_hash if has_password else NO_SUCH_ACCOUNT, password)
    except (VerificationError, InvalidHashError):
        return False
    return has_password


def needs_new_hash(user: StaffUser) -> bool:
    """Whether the stored hash was made with weaker settings than today's."""
    return hasher.check_needs_rehash(user.password_hash)


def set_password_hash(user: StaffUser, password_hash: str) -> None:
    """Store a new password (hashed with hash_password, outside any lock) and end every other session."""
    user.password_hash = password_hash
    user.session_key = secrets.token_hex(8)
