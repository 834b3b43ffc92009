"""The training team's pages, under /admin, all behind a sign-in."""

from app.web.admin import (  # noqa: F401  (attach the views)
    accounts,
    audit_log,
    bookings,
    catalogue,
    colleagues,
    dates,
    personal_data,
    reports,
    sign_in,
    single_sign_on,
)
from app.web.admin.blueprint import bp

__all__ = ["bp"]
