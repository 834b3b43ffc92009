"""A second factor for password accounts: codes from an authenticator app, each working once, that an
admin can require, and remove when a phone is lost."""

import re

import pyotp
import sqlalchemy as sa

from app.database import utcnow
from app.models import AuditEvent, StaffUser
from tests.factories import make_staff, sign_in


def code_at(secret: str, steps_from_now: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()) + steps_from_now)


def shown_key(page: str) -> str:
    return re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def fresh(session, user) -> StaffUser:
    session.rollback()  # a new read, that sees what the requests wrote
    return session.get(StaffUser, user.id)


def require_code(app, session, person) -> None:
    admin = make_staff(session, name="Ada Admin")
    browser = app.test_client()
    sign_in(browser, admin)
    assert browser.post(f"/admin/accounts/{person.id}/require-code").status_code == 302
    return browser


def test_an_admin_requires_a_code_and_the_person_sets_up_an_app_at_their_next_sign_in(app, session):
    trainer = make_staff(session, role="trainer", name="Tom Reed")
    require_code(app, session, trainer)
    browser = app.test_client()
    answer = sign_in(browser, trainer)
    assert answer.location.endswith("/admin/sign-in/set-up")
    assert browser.get("/admin/").status_code == 302  # the password alone signs nobody in
    page = browser.get("/admin/sign-in/set-up").get_data(as_text=True)
    assert "Set up an authenticator app" in page and "otpauth://totp/" in page
    key = shown_key(page)
    assert key == shown_key(browser.get("/admin/sign-in/set-up").get_data(as_text=True))  # the same key each time
    wrong = browser.post("/admin/sign-in/set-up", data={"code": "000000"})
    assert "Enter the 6-digit code your authenticator app shows now" in wrong.get_data(as_text=True)
    assert browser.post("/admin/sign-in/set-up", data={"code": code_at(key)}).status_code == 302
    assert browser.get("/admin/").status_code == 200
    assert fresh(session, trainer).totp_secret == key
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "second factor required" in actions and "second factor set up" in actions


def test_each_code_works_once_and_only_near_now(app, session):
    user = make_staff(session)
    browser = app.test_client()
    sign_in(browser, user)
    page = browser.get("/admin/account/second-factor").get_data(as_text=True)
    key = shown_key(page)
    assert browser.post("/admin/account/second-factor", data={"code": code_at(key)}).status_code == 302
    browser.post("/admin/sign-out")

    def sign_in_with_code(code: str) -> int:
        other = app.test_client()
        assert sign_in(other, user).location.endswith("/admin/sign-in/code")
        return other.post("/admin/sign-in/code", data={"code": code}).status_code

    assert sign_in_with_code(code_at(key)) == 200  # used when setting up
    assert sign_in_with_code(code_at(key, -1)) == 200  # earlier than one used
    assert sign_in_with_code(code_at(key, 5)) == 200  # too far ahead
    assert sign_in_with_code(code_at(key, 1)) == 302  # the next one, for a phone a little ahead
    assert sign_in_with_code(code_at(key, 1)) == 200  # but only once


def test_wrong_codes_are_limited_per_account(app, session):
    user = make_staff(session)
    require_code(app, session, user)
    browser = app.test_client()
    sign_in(browser, user)
    key = shown_key(browser.get("/admin/sign-in/set-up").get_data(as_text=True))
    browser.post("/admin/sign-in/set-up", data={"code": code_at(key)})
    browser.post("/admin/sign-out")
    guesser = app.test_client()
    sign_in(guesser, user)
    statuses = [guesser.post("/admin/sign-in/code", data={"code": "123456"}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # Even the right code waits now.
    assert guesser.post("/admin/sign-in/code", data={"code": code_at(key, 1)}).status_code == 429


def test_an_admin_removes_a_lost_phones_app_and_a_new_one_is_set_up(app, session):
    user = make_staff(session, role="trainer")
    admin_browser = require_code(app, session, user)
    browser = app.test_client()
    sign_in(browser, user)
    key = shown_key(browser.get("/admin/sign-in/set-up").get_data(as_text=True))
    browser.post("/admin/sign-in/set-up", data={"code": code_at(key)})
    # The person cannot remove a required app themselves.
    browser.post("/admin/account/second-factor")
    assert fresh(session, user).totp_secret == key
    assert admin_browser.post(f"/admin/accounts/{user.id}/remove-app").status_code == 302
    assert fresh(session, user).totp_secret is None
    again = app.test_client()
    assert sign_in(again, user).location.endswith("/admin/sign-in/set-up")
    assert shown_key(again.get("/admin/sign-in/set-up").get_data(as_text=True)) != key


def test_someone_who_chose_an_app_can_remove_it(app, session):
    user = make_staff(session)
    browser = app.test_client()
    sign_in(browser, user)
    key = shown_key(browser.get("/admin/account/second-factor").get_data(as_text=True))
    browser.post("/admin/account/second-factor", data={"code": code_at(key)})
    assert "Remove the app from my account" in browser.get("/admin/account/second-factor").get_data(as_text=True)
    assert browser.post("/admin/account/second-factor").status_code == 302
    assert fresh(session, user).totp_secret is None
    assert sign_in(app.test_client(), user).location.endswith("/admin/")


def test_a_pending_sign_in_ends_when_the_account_is_switched_off(app, session):
    user = make_staff(session, role="trainer")
    admin_browser = require_code(app, session, user)
    browser = app.test_client()
    sign_in(browser, user)
    assert admin_browser.post(f"/admin/accounts/{user.id}/off").status_code == 302
    answer = browser.get("/admin/sign-in/set-up")
    assert answer.status_code == 302 and answer.location.endswith("/admin/sign-in")
