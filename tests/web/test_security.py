"""Forms refuse requests without a valid security token, with a plain 400 page."""

import pytest

from app import create_app
from tests.factories import booking_form, make_date


@pytest.fixture
def csrf_client(app):
    """A client for an app like production: CSRF checks on."""
    strict = create_app({**app.config, "WTF_CSRF_ENABLED": True, "TESTING": True})
    return strict.test_client()


def test_a_form_without_its_security_token_gets_a_plain_400(csrf_client, session):
    course_date = make_date(session)
    response = csrf_client.post(f"/dates/{course_date.id}/book", data=booking_form())
    assert response.status_code == 400
    assert "your form timed out" in response.get_data(as_text=True)


def test_a_form_with_a_forged_token_gets_a_plain_400(csrf_client, session):
    course_date = make_date(session)
    csrf_client.get(f"/dates/{course_date.id}/book")
    response = csrf_client.post(f"/dates/{course_date.id}/book", data=booking_form(csrf_token="forged"))
    assert response.status_code == 400


def test_the_form_works_with_the_token_it_was_given(csrf_client, session):
    import re

    course_date = make_date(session)
    page = csrf_client.get(f"/dates/{course_date.id}/book").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(f"/dates/{course_date.id}/book", data=booking_form(csrf_token=token))
    assert response.status_code == 302


def test_session_cookie_is_http_only_and_lax(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_pages_keep_their_address_to_themselves_and_refuse_framing(client):
    response = client.get("/dates")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy


def test_the_one_inline_script_is_allowed_by_its_hash(client):
    import base64
    import hashlib
    import re

    response = client.get("/dates")
    script = re.search(r"<script>(.*?)</script>", response.get_data(as_text=True), re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_pages_with_someones_booking_or_staff_details_are_never_cached(app, client, session):
    from tests.factories import booked, details, make_staff, sign_in

    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    link = f"/bookings/{booking.manage_token}"
    for path in (link, f"{link}/confirmation", f"{link}/feedback", f"/dates/{course_date.id}/book", "/admin/sign-in"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    sign_in(client, make_staff(session))
    for path in ("/admin/", f"/admin/dates/{course_date.id}", "/admin/search?q=sam"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/dates").headers["Cache-Control"] != "no-store"  # public lists may be kept


def test_over_https_browsers_are_told_to_keep_to_https(app, session):
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers  # plain HTTP, as in tests
    secure = create_app({**app.config, "SESSION_COOKIE_SECURE": True, "TESTING": True})
    assert secure.test_client().get("/").headers["Strict-Transport-Security"] == "max-age=31536000"
