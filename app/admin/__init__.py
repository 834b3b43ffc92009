"""The training team's pages, under /admin, all behind a sign-in."""

from app.admin import auth, bookings, courses, dashboard, dates, report_pages  # noqa: F401  (attach the views)
from app.admin.blueprint import bp

__all__ = ["bp"]
