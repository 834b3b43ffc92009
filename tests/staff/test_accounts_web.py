"""Admins manage the team's accounts in the web: invite, change a role, switch off and on; staff set their
password from a single-use, short-lived emailed link, also when they forgot it."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.database import utcnow, writing
from app.mail.outbox import send_due
from app.models import AuditEvent, Role, StaffLink, StaffUser
from app.staff import accounts
from tests.factories import make_staff, sign_in

NEW_PASSWORD = "a brand new long password"


def emailed_link(mail_server, address: str) -> str:
    (message,) = mail_server.inbox.to(address)
    return re.search(r"http://training.example.test(/admin/set-password/[A-Za-z0-9_-]{43})",
                     message.get_body(("plain",)).get_content()).group(1)  # fmt: skip


def set_password(client, link: str, password: str = NEW_PASSWORD):
    return client.post(link, data={"new_password": password, "confirm_password": password})


def test_an_admin_invites_a_trainer_who_sets_a_password_from_the_email_and_signs_in(app, session, mail_server):
    admin = make_staff(session, name="Ada Admin")
    browser = app.test_client()
    sign_in(browser, admin)
    answer = browser.post("/admin/accounts/invite", data={"email": "New.Trainer@Example.org", "name": "Nia New",
                                                          "role": "trainer"})  # fmt: skip
    assert answer.status_code == 302
    assert "Not set up yet: invited" in browser.get("/admin/accounts").get_data(as_text=True)
    send_due(session)
    link = emailed_link(mail_server, "new.trainer@example.org")
    assert "Ada Admin has given you an account" in mail_server.messages[0].get_body(("plain",)).get_content()
    newcomer = app.test_client()
    assert "Set your password" in newcomer.get(link).get_data(as_text=True)
    assert set_password(newcomer, link).status_code == 302
    assert sign_in(newcomer, "new.trainer@example.org", NEW_PASSWORD).status_code == 302
    assert newcomer.get("/admin/accounts").status_code == 403  # a trainer
    again = app.test_client()
    assert again.get(link).status_code == 404 and set_password(again, link).status_code == 404  # used up
    session.rollback()
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "account invited" in actions and "password set by link" in actions


def test_a_forgotten_password_link_works_once_for_an_hour_and_the_page_never_says_who_has_an_account(
    app, session, mail_server
):
    user = make_staff(session)
    other_browser = app.test_client()
    sign_in(other_browser, user)
    pages = [app.test_client().post("/admin/sign-in/forgot", data={"email": email}).get_data(as_text=True)
             for email in (user.email, "nobody@example.org")]  # fmt: skip
    assert pages[0] == pages[1] and "If that address has an account" in pages[0]
    send_due(session)
    assert mail_server.inbox.to("nobody@example.org") == []
    link = emailed_link(mail_server, user.email)
    assert set_password(app.test_client(), link).status_code == 302
    assert other_browser.get("/admin/").status_code == 302  # every other session has ended
    # A link past its hour does nothing.
    accounts.send_password_link(session, user.email)
    with writing(session):
        newest = session.scalars(sa.select(StaffLink).order_by(StaffLink.id.desc())).first()
        newest.expires_at = utcnow() - timedelta(seconds=1)
    assert app.test_client().get(f"/admin/set-password/{newest.token}").status_code == 404


def test_switching_an_account_off_ends_its_sessions_at_once_and_on_lets_it_sign_in_again(app, session):
    admin, trainer = make_staff(session), make_staff(session, role=Role.TRAINER)
    trainers_browser, admins_browser = app.test_client(), app.test_client()
    sign_in(trainers_browser, trainer)
    sign_in(admins_browser, admin)
    assert trainers_browser.get("/admin/").status_code == 200
    admins_browser.post(f"/admin/accounts/{trainer.id}/off")
    assert trainers_browser.get("/admin/").status_code == 302
    assert sign_in(app.test_client(), trainer, check=False).status_code == 200  # refused
    admins_browser.post(f"/admin/accounts/{trainer.id}/on")
    assert sign_in(app.test_client(), trainer, check=False).status_code == 302


def test_the_last_admin_stays_an_admin_and_nobody_switches_themselves_off(app, session):
    admin = make_staff(session)
    browser = app.test_client()
    sign_in(browser, admin)
    page = browser.post(f"/admin/accounts/{admin.id}", data={"role": "trainer"}).get_data(as_text=True)
    assert "This is the only admin" in page
    browser.post(f"/admin/accounts/{admin.id}/off")
    session.rollback()
    assert session.get(StaffUser, admin.id).active and session.get(StaffUser, admin.id).role == Role.ADMIN
    other = make_staff(session)
    assert accounts.change_role(session, admin.id, Role.TRAINER, actor=other).role == Role.TRAINER
