"""Logs that never hold a manage link.

A booking's manage link (/bookings/<token>/...) is all anyone needs to see, move or cancel it, so it
must not sit in log files that are kept longer, and read by more people, than the bookings themselves.
`redact` swaps the token for "[link]"; the filter does it for the app's and the development server's
log lines, and `GunicornLogger` for gunicorn's access and error logs (request line, path and referrer):

    gunicorn --logger-class app.core.access_log.GunicornLogger --access-logfile - wsgi:app
"""

import logging
import re

from flask.logging import default_handler
from gunicorn.glogging import Logger

TOKEN_IN_PATH = re.compile(r"(/bookings/)[^/?#\s\"']+")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[link]", text)


class RedactTokens(logging.Filter):
    """Rewrite a log record's message without any manage token in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class GunicornLogger(Logger):
    """Gunicorn's logger, with manage tokens taken out of every access log field and error line."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(RedactTokens())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


def install(app_logger: logging.Logger) -> None:
    """Keep tokens out of the app's own log lines (Flask logs the path of a request that failed), of lines
    from its modules that reach Flask's handler, and of the development server's request lines."""
    for logger in (app_logger, logging.getLogger("werkzeug"), default_handler):
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())
