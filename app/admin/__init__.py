"""The training team's pages, under /admin, all behind a sign-in."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import auth, bookings, courses, dashboard, dates  # noqa: E402, F401  (attach the views)
