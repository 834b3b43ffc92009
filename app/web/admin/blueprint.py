"""The blueprint for /admin: every page behind a sign-in."""

from flask import Blueprint

from app.staff.guard import require_staff

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_staff)
