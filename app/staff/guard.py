"""The signed-in account, and the guard in front of every staff page."""

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, request, session
from flask_login import current_user

from app.database import utcnow
from app.extensions import db, login_manager
from app.models import Role, StaffSession, StaffUser

OPEN_ENDPOINTS = {
    "admin.sign_in",
    "admin.forgot_password",
    "admin.set_password",
    "admin.sign_in_with",
    "admin.sign_in_with_done",
    "admin.signed_out",
    "admin.sign_in_code",
    "admin.sign_in_set_up",
}


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
