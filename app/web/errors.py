"""Plain-language error pages."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.database import DatabaseBusy
from app.extensions import db

ERROR_PAGES = {
    400: (
        "Sorry, there is a problem with your request",
        ["Something in the request was not right. Go back and try again."],
    ),
    403: (
        "You cannot see this page",
        ["You do not have permission to see this page."],
    ),
    404: (
        "Page not found",
        [
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
            "If you followed a link to your booking, the link may be wrong or out of date.",
        ],
    ),
    405: (
        "Sorry, that did not work",
        ["This page cannot be used in that way. Go back and try again."],
    ),
    413: (
        "What you sent is too large",
        ["Go back and send less. If you were filling in a form, make your answers shorter."],
    ),
    429: (
        "Too many attempts",
        ["You have tried this too many times. Try again in an hour."],
    ),
    500: (
        "Sorry, there is a problem with the service",
        ["Try again later. Anything you had already booked is safe."],
    ),
    503: (
        "Sorry, the service is busy",
        ["Too many people are using it at once. Wait a minute, then try again. Nothing you sent was saved."],
    ),
}

SESSION_EXPIRED = (
    "Sorry, your form timed out",
    [
        "For your security, forms stop working after a while or when cookies are blocked.",
        "Go back, reload the page and fill it in again.",
    ],
)


def render_error(code: int, title: str, paragraphs: list[str]):
    """The error page, with the right status code."""
    return render_template("errors/error.html", title=title, paragraphs=paragraphs, code=code), code


def handle_http_error(error: HTTPException):
    """Show our page for any HTTP error, falling back to the nearest general one."""
    code = error.code or 500
    title, paragraphs = ERROR_PAGES.get(code, ERROR_PAGES[400 if code < 500 else 500])
    response = render_error(code, title, paragraphs)
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        return response[0], code, {"Allow": ", ".join(error.valid_methods)}
    return response


def handle_csrf_error(_error: CSRFError):
    """A missing, wrong or expired form token: a 400 that says what to do."""
    return render_error(400, *SESSION_EXPIRED)


def handle_busy_database(_error: DatabaseBusy):
    """The database stayed busy longer than we wait: nothing was saved, so say so and let them retry."""
    db.session.rollback()
    return render_error(503, *ERROR_PAGES[503])


def handle_unexpected_error(_error: Exception):
    """Anything we did not expect: roll back, log, and show the plain 500 page."""
    db.session.rollback()
    return render_error(500, *ERROR_PAGES[500])


def register(app: Flask) -> None:
    """Attach the handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(DatabaseBusy, handle_busy_database)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
