"""Every /admin page is behind a sign-in and the right role; signing in is limited and safe."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter, IntegerConverter

from app.database import utcnow, writing
from app.models import Role, StaffSession
from tests.factories import STAFF_PASSWORD, booked, details, make_date, make_staff

OPEN = {
    "admin.sign_in",
    "admin.forgot_password",
    "admin.set_password",
    # Signing in with the council's provider, and the second step after a right password.
    "admin.sign_in_with",
    "admin.sign_in_with_done",
    "admin.signed_out",
    "admin.sign_in_code",
    "admin.sign_in_set_up",
}
FOR_EVERY_SIGNED_IN = {
    "admin.sign_out",
    "admin.change_password",
    "admin.own_second_factor",
    "admin.dashboard",
    "admin.past_dates",
    "admin.search",
    "admin.calendar",
}


def admin_rules(app):
    """Every rule under /admin, with each method it answers (HEAD and OPTIONS aside)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(rule, number: int, **named: int) -> str:
    """The rule's path with every integer part set to `number` (or to the value named for that part),
    a listed part to its first choice, and any other part to 'x'."""

    def value(converter):
        if isinstance(converter, IntegerConverter):
            return number
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        return "x"

    values = {name: named.get(name, value(converter)) for name, converter in rule._converters.items()}
    return re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_the_walk_finds_the_admin_pages(app):
    endpoints = {rule.endpoint for rule, _ in admin_rules(app)}
    assert {"admin.dashboard", "admin.date", "admin.register", "admin.bookings_csv"} <= endpoints


def test_anonymous_visitors_are_sent_to_sign_in_from_every_admin_page(app, session):
    course_date = make_date(session)
    client = app.test_client()
    for rule, method in admin_rules(app):
        if rule.endpoint in OPEN:
            continue
        response = client.open(url_for_rule(rule, course_date.id), method=method)
        assert response.status_code in (302, 401), (rule.rule, method, response.status_code)
        if response.status_code == 302:
            assert "/admin/sign-in" in response.headers["Location"], rule.rule


def test_a_trainer_is_refused_every_admin_page_except_their_own_dates(app, session, staff):
    course_date = make_date(session)  # not assigned to the trainer
    booking = booked(session, course_date.id, details(access_needs=["hearing_loop"])).booking
    trainer = make_staff(session, role=Role.TRAINER)
    assert staff.sign_in(trainer.email).status_code == 302
    for rule, method in admin_rules(app):
        if rule.endpoint in OPEN | FOR_EVERY_SIGNED_IN:
            continue
        response = staff.client.open(url_for_rule(rule, course_date.id, booking_id=booking.id), method=method)
        assert response.status_code == 403, (rule.rule, method, response.status_code)


def test_a_trainer_sees_the_dates_they_are_assigned_to(session, staff):
    course_date = make_date(session)
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        course_date.trainers.append(trainer)
    staff.sign_in(trainer.email)
    assert staff.client.get(f"/admin/dates/{course_date.id}").status_code == 200
    day = course_date.days[0]
    assert staff.client.get(f"/admin/dates/{course_date.id}/register/{day.id}").status_code == 200
    assert staff.client.get(f"/admin/dates/{course_date.id}/access").status_code == 200
    assert staff.client.get(f"/admin/dates/{course_date.id}/capacity").status_code == 403
    assert staff.client.get("/admin/courses").status_code == 403


def test_an_admin_can_open_every_admin_page(app, session, staff):
    course_date = make_date(session)
    admin = make_staff(session)
    staff.sign_in(admin.email)
    for rule, method in admin_rules(app):
        if method != "GET":
            continue
        response = staff.client.get(url_for_rule(rule, course_date.id))
        assert response.status_code in (200, 302, 404), (rule.rule, response.status_code)


def test_signing_in_with_a_wrong_password_says_so_plainly(session, staff):
    admin = make_staff(session)
    response = staff.sign_in(admin.email, "not the password at all")
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert staff.sign_in("nobody@example.org").status_code == 200


def test_sign_in_lands_on_the_dashboard_and_sign_out_ends_the_session(session, staff):
    admin = make_staff(session)
    response = staff.sign_in(admin.email)
    assert response.headers["Location"].endswith("/admin/")
    assert staff.client.get("/admin/").status_code == 200
    staff.sign_out()
    assert staff.client.get("/admin/").status_code == 302


def test_a_switched_off_account_cannot_sign_in(session, staff):
    admin = make_staff(session)
    with writing(session):
        admin.active = False
    assert staff.sign_in(admin.email).status_code == 200


def test_the_session_cookie_is_http_only_and_lax(session, staff):
    admin = make_staff(session)
    cookie = next(c for c in staff.sign_in(admin.email).headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_outside_development(app, session):
    from app import create_app

    production = create_app({**app.config, "SESSION_COOKIE_SECURE": True})
    admin = make_staff(session)
    client = production.test_client()
    response = client.post("/admin/sign-in", data={"email": admin.email, "password": STAFF_PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2  # the session, and the mark that this browser has signed in before
    assert all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)


def test_changing_your_password_signs_out_other_sessions(app, session, staff):
    admin = make_staff(session)
    other = app.test_client()
    other.post("/admin/sign-in", data={"email": admin.email, "password": STAFF_PASSWORD})
    staff.sign_in(admin.email)
    response = staff.client.post(
        "/admin/account/password",
        data={
            "current_password": STAFF_PASSWORD,
            "new_password": "another long password",
            "confirm_password": "another long password",
        },
    )
    assert response.status_code == 302
    assert staff.client.get("/admin/").status_code == 200  # this session carries on
    assert other.get("/admin/").status_code == 302  # the other one is signed out
    staff.sign_out()
    assert staff.sign_in(admin.email, "another long password").status_code == 302


@pytest.mark.parametrize(
    "new, confirm, message",
    [("short", "short", "at least 12 characters"), ("a long new password", "something else!!", "do not match")],
)
def test_a_new_password_must_be_long_enough_and_typed_twice_the_same(session, staff, new, confirm, message):
    admin = make_staff(session)
    staff.sign_in(admin.email)
    response = staff.client.post(
        "/admin/account/password",
        data={"current_password": STAFF_PASSWORD, "new_password": new, "confirm_password": confirm},
    )
    assert message in response.get_data(as_text=True)


def test_the_create_command_makes_an_account_from_standard_input(runner, session):
    result = runner.invoke(
        args=["admin", "create", "New.Person@Example.org", "--role", "trainer"], input="a very long password\n"
    )
    assert result.exit_code == 0, result.output
    from app.models import StaffUser

    session.rollback()
    user = session.query(StaffUser).filter_by(email="new.person@example.org").one()
    assert user.role == Role.TRAINER
    assert user.password_hash.startswith("$argon2")


def test_the_create_command_refuses_a_short_password(runner):
    result = runner.invoke(args=["admin", "create", "x@example.org"], input="short\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def copy_of_session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_copy_of_the_session_cookie_no_longer_signs_in_after_signing_out(app, session, staff):
    admin = make_staff(session)
    staff.sign_in(admin.email)
    copied = copy_of_session_cookie(staff.client)
    assert staff.client.get("/admin/").status_code == 200
    staff.sign_out()
    stranger = app.test_client()
    stranger.set_cookie("session", copied)
    response = stranger.get("/admin/")
    assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"]


def test_a_session_ends_after_its_absolute_lifetime_however_active(app, session, staff):
    admin = make_staff(session)
    staff.sign_in(admin.email)
    assert staff.client.get("/admin/").status_code == 200
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    with writing(session):
        (live,) = session.scalars(sa.select(StaffSession)).all()
        live.started_at = utcnow() - timedelta(seconds=lifetime - 60)
    assert staff.client.get("/admin/").status_code == 200  # a minute to go
    with writing(session):
        session.scalars(sa.select(StaffSession)).one().started_at = utcnow() - timedelta(seconds=lifetime + 1)
    response = staff.client.get("/admin/")
    assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"]


def test_signing_in_again_clears_the_accounts_ended_sessions(app, session, staff):
    admin = make_staff(session)
    staff.sign_in(admin.email)
    with writing(session):
        session.scalars(sa.select(StaffSession)).one().started_at = utcnow() - timedelta(days=2)
    app.test_client().post("/admin/sign-in", data={"email": admin.email, "password": STAFF_PASSWORD})
    session.rollback()
    assert len(session.scalars(sa.select(StaffSession)).all()) == 1


def test_a_trainer_sees_a_date_and_its_people_only_when_assigned_one_rule_for_pages_and_lists(session):
    from app.models import Booking, CourseDate
    from app.staff.visibility import bookings_seen_by, dates_seen_by, sees_date

    theirs, other = make_date(session), make_date(session)
    for course_date in (theirs, other):
        booked(session, course_date.id, details())
    admin, trainer = make_staff(session), make_staff(session, role=Role.TRAINER)
    with writing(session):
        session.merge(theirs).trainers.append(session.merge(trainer))
    for user, expected in ((admin, {theirs.id, other.id}), (trainer, {theirs.id})):
        user = session.merge(user)
        assert {d.id for d in (theirs, other) if sees_date(user, session.merge(d))} == expected
        assert set(session.scalars(sa.select(CourseDate.id).where(dates_seen_by(user)))) == expected
        seen = session.scalars(sa.select(Booking.course_date_id).where(bookings_seen_by(user)))
        assert set(seen) == expected


def test_changing_a_password_allows_few_guesses_at_the_current_one_and_needs_a_new_one(app, session, staff):
    admin = make_staff(session)
    staff.sign_in(admin.email)

    def change(current, new="a different long password"):
        data = {"current_password": current, "new_password": new, "confirm_password": new}
        return staff.client.post("/admin/account/password", data=data)

    same = change(STAFF_PASSWORD, STAFF_PASSWORD)
    assert "different from the one you have now" in same.get_data(as_text=True)
    for _ in range(5):
        assert "Your current password is not right" in change("a wrong guess at it").get_data(as_text=True)
    blocked = change(STAFF_PASSWORD)  # even the right one waits now
    assert blocked.status_code == 429 and "tried to change your password too many times" in blocked.get_data(
        as_text=True
    )


def test_the_create_command_on_an_existing_account_sets_its_password_and_nothing_else(runner, session):
    from app.staff import accounts

    trainer = make_staff(session, role=Role.TRAINER, name="Jo Trainer")
    accounts.deactivate(session, trainer.email)
    result = runner.invoke(args=["admin", "create", trainer.email, "--role", "admin"], input="a brand new password\n")
    assert result.exit_code == 0 and "Its role is still trainer" in result.output and "switched off" in result.output
    session.rollback()
    user = accounts.find_staff(session, trainer.email)
    assert (user.role, user.active, user.name) == (Role.TRAINER, False, "Jo Trainer")
    assert runner.invoke(args=["admin", "activate", trainer.email]).exit_code == 0
    session.rollback()
    assert accounts.find_staff(session, trainer.email).active
