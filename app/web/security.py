"""Security headers on every response.

Manage links carry the booking's key in the address, so no page may leak its address to another
site (Referrer-Policy), and no other site may frame the pages. Scripts run only from our own
files, plus GOV.UK Frontend's one-line inline script, allowed by its hash (a nonce would not
survive the page cache).
"""

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Flask, request

from app.staff import single_sign_on

INLINE_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.DOTALL)


def inline_script_hashes(app: Flask) -> list[str]:
    """CSP hashes of the inline scripts in GOV.UK Frontend's page template."""
    source, _name, _uptodate = app.jinja_env.loader.get_source(app.jinja_env, "govuk_frontend_jinja/template.html")
    hashes = []
    for script in INLINE_SCRIPT.findall(source):
        digest = hashlib.sha256(script.encode("utf-8")).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def form_targets(app: Flask) -> str:
    """Where forms may lead: here, and the council's sign-in providers (signing in and out with them starts
    with a form here that the app answers with a redirect there, which browsers check against form-action)."""
    origins = []
    for provider in single_sign_on.providers_from(app.config):
        parts = urlsplit(provider.issuer)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return " ".join(["'self'", *sorted(set(origins))])


def register(app: Flask) -> None:
    """Add the headers to every response."""
    policy = (
        f"default-src 'self'; script-src 'self' {' '.join(inline_script_hashes(app))}; style-src 'self'; "
        f"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action {form_targets(app)}; "
        "frame-ancestors 'none'"
    )

    @app.after_request
    def add_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if private_page(request.path):
            response.headers["Cache-Control"] = "no-store"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response


# A year: browsers then use HTTPS for the service without asking, once they have seen it over HTTPS.
HSTS_SECONDS = 365 * 24 * 3600
# Pages with someone's booking, answers or staff-only details: never kept by a browser or a proxy, so the
# back button on a shared computer shows nothing.
PRIVATE_PATHS = re.compile(r"^/(admin(/|$)|bookings/|interest/|dates/[^/]+/book$)")


def private_page(path: str) -> bool:
    """Whether a page is private (kept by no cache); briefing videos, shown to staff too, are not."""
    return bool(PRIVATE_PATHS.match(path))
