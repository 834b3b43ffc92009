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
