"""Limits on the public forms and on signing in, as a stranger with a script would meet them."""

import os
import secrets

import pytest
import sqlalchemy as sa

from app.models import Booking, OutboxMessage
from tests.factories import (
    STAFF_PASSWORD,
    booking_form,
    confirm_by_email,
    make_briefing,
    make_course,
    make_date,
    make_staff,
)

TOO_MANY = "You have tried this too many times. Try again in an hour."


def post(client, path: str, data: dict, address: str = "198.51.100.7"):
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": address})


def page(response) -> str:
    return response.get_data(as_text=True)


def bookings(session) -> list[Booking]:
    session.rollback()
    return list(session.scalars(sa.select(Booking)))


def watched(**overrides) -> dict:
    values = {
        "full_name": "Robin Reader",
        "email": "robin.reader@example.org",
        "organisation": "Penrith Health Visiting team",
        "sector": "health",
        "council_area": "cumberland",
        "learning_note": "",
        "submission_key": secrets.token_urlsafe(16),
    }
    return values | overrides


def test_bookings_from_one_address_stop_at_the_limit_with_answers_kept(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_LIMIT_PER_ADDRESS", "3 per hour")
    course_date = make_date(session, capacity=20)
    path = f"/dates/{course_date.id}/book"
    for _ in range(3):
        assert post(client, path, booking_form()).status_code == 302
    refused = post(client, path, booking_form(full_name="Fourth Person", job_title="Scripted"))
    assert refused.status_code == 429
    text = page(refused)
    assert "There is a problem" in text and TOO_MANY in text
    assert 'value="Fourth Person"' in text and 'value="Scripted"' in text
    assert len(bookings(session)) == 3
    # Someone at another address is not affected.
    assert post(client, path, booking_form(), address="203.0.113.20").status_code == 302


def test_mistakes_in_a_form_are_not_counted(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_LIMIT_PER_ADDRESS", "2 per hour")
    course_date = make_date(session)
    path = f"/dates/{course_date.id}/book"
    for _ in range(5):
        assert post(client, path, booking_form(email="not an address")).status_code == 200
    assert post(client, path, booking_form()).status_code == 302


def test_one_recipient_gets_few_emails_whoever_asks_from_wherever(app, client, session, monkeypatch, mail_server):
    """The stranger's script from three addresses, at one victim, through two forms and a +tag."""
    monkeypatch.setitem(app.config, "EMAIL_LIMIT_PER_RECIPIENT", "2 per hour")
    briefing = make_briefing(session)
    course = make_course(session)
    victim = "victim@example.org"
    assert post(client, f"/briefings/{briefing.slug}/watched", watched(email=victim), "192.0.2.1").status_code == 302
    interest = {"full_name": "Victim", "email": victim, "organisation": ""}
    assert post(client, f"/courses/{course.slug}/interest", interest, "192.0.2.2").status_code == 302
    third = post(client, f"/briefings/{briefing.slug}/watched", watched(email="Victim+again@EXAMPLE.org"), "192.0.2.3")
    assert third.status_code == 429
    assert TOO_MANY in page(third)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 2  # the record and the interest check
    # Another person at the same address is not affected.
    other = post(client, f"/briefings/{briefing.slug}/watched", watched(email="someone@example.org"), "192.0.2.3")
    assert other.status_code == 302


def test_the_watched_and_interest_forms_are_limited_per_address(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "WATCHED_LIMIT_PER_ADDRESS", "2 per hour")
    monkeypatch.setitem(app.config, "INTEREST_LIMIT_PER_ADDRESS", "1 per hour")
    briefing = make_briefing(session)
    course = make_course(session)
    for number in range(2):
        form = watched(email=f"reader{number}@example.org")
        assert post(client, f"/briefings/{briefing.slug}/watched", form).status_code == 302
    assert post(client, f"/briefings/{briefing.slug}/watched", watched(email="r3@example.org")).status_code == 429
    interest = {"full_name": "Lee", "organisation": ""}
    assert post(client, f"/courses/{course.slug}/interest", interest | {"email": "a@example.org"}).status_code == 302
    refused = post(client, f"/courses/{course.slug}/interest", interest | {"email": "b@example.org"})
    assert refused.status_code == 429 and TOO_MANY in page(refused)


def test_moving_a_booking_back_and_forth_is_limited(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_LIMIT_PER_RECIPIENT", "2 per hour")
    course = make_course(session)
    first, second = make_date(session, course=course), make_date(session, course=course, days_from_now=40)
    post(client, f"/dates/{first.id}/book", booking_form(email="mover@example.org"))  # the first use
    token = confirm_by_email(client, session, "mover@example.org")
    assert post(client, f"/bookings/{token}/move", {"new_date": str(second.id), "checked": "yes"}).status_code == 302
    refused = post(client, f"/bookings/{token}/move", {"new_date": str(first.id), "checked": "yes"})
    assert refused.status_code == 429 and TOO_MANY in page(refused)
    (booking,) = bookings(session)
    assert booking.course_date_id == second.id


def redis_or_skip():
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def two_workers(app):
    """Two app instances, as two gunicorn workers would be, sharing their counts through the real Redis."""
    redis_or_skip()
    from app import create_app
    from app.extensions import limiter

    made = []

    def start(**settings):
        config = {
            **app.config,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
            **settings,
        }
        made.extend([create_app(config), create_app(config)])
        return [worker.test_client() for worker in made[-2:]]

    yield start
    limiter.reset()
    limiter.init_app(app)  # back to the test app's in-memory counts


def test_with_redis_two_workers_share_the_public_form_counts(session, two_workers):
    workers = two_workers(BOOKING_LIMIT_PER_ADDRESS="3 per hour", EMAIL_LIMIT_PER_RECIPIENT="2 per hour")
    course_date = make_date(session, capacity=20)
    path = f"/dates/{course_date.id}/book"
    for number in range(3):
        assert post(workers[number % 2], path, booking_form()).status_code == 302
    assert post(workers[1], path, booking_form()).status_code == 429
    # And per recipient, from other addresses, alternating workers.
    briefing = make_briefing(session)
    for number in range(2):
        response = post(workers[number % 2], f"/briefings/{briefing.slug}/watched", watched(), f"192.0.2.{number}")
        assert response.status_code == 302
    assert post(workers[0], f"/briefings/{briefing.slug}/watched", watched(), "192.0.2.9").status_code == 429


def test_with_redis_two_workers_share_the_sign_in_counts(session, two_workers):
    workers = two_workers(SIGN_IN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per 5 minutes")
    admin = make_staff(session)
    for attempt in range(3):
        post(workers[attempt % 2], "/admin/sign-in", {"email": admin.email, "password": "wrong password here"})
    right = post(workers[1], "/admin/sign-in", {"email": admin.email, "password": STAFF_PASSWORD})
    assert right.status_code == 429


def test_when_the_limit_store_is_down_people_can_still_book(app, session, caplog):
    """Redis down must not lose a booking: the limits let the request through and the log says why."""
    from app import create_app
    from app.extensions import limiter

    broken = create_app({**app.config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    try:
        client = broken.test_client()
        course_date = make_date(session)
        assert post(client, f"/dates/{course_date.id}/book", booking_form()).status_code == 302
        briefing = make_briefing(session)
        assert client.post(f"/briefings/{briefing.slug}/plays").status_code == 204
    finally:
        limiter.init_app(app)
    assert len(bookings(session)) == 1
    assert "rate limit store could not be" in caplog.text


# Signing in.


def sign_in_from(client, email: str, password: str, address: str):
    return post(client, "/admin/sign-in", {"email": email, "password": password}, address)


STRANGER, OFFICE = "203.0.113.66", "198.51.100.10"


def test_a_strangers_guesses_make_the_stranger_wait_not_the_real_person(app, session):
    admin = make_staff(session)
    stranger = app.test_client()
    for _ in range(5):
        assert sign_in_from(stranger, admin.email, "wrong password here", STRANGER).status_code == 200
    blocked = sign_in_from(stranger, admin.email, STAFF_PASSWORD, STRANGER)  # even the right password waits now
    assert blocked.status_code == 429
    assert "You have tried to sign in too many times. Wait 5 minutes, then try again." in page(blocked)
    assert sign_in_from(app.test_client(), admin.email, STAFF_PASSWORD, OFFICE).status_code == 302


def test_many_accounts_guessed_from_one_address_are_stopped(app, session):
    stranger = app.test_client()
    for number in range(20):
        sign_in_from(stranger, f"guess{number}@example.org", "wrong password here", STRANGER)
    assert sign_in_from(stranger, "another@example.org", "wrong password here", STRANGER).status_code == 429


def test_guesses_from_many_addresses_never_stop_a_browser_the_person_has_used(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "4 per 5 minutes")
    admin = make_staff(session)
    own_browser = app.test_client()
    assert sign_in_from(own_browser, admin.email, STAFF_PASSWORD, OFFICE).status_code == 302
    own_browser.post("/admin/sign-out")
    for number in range(4):
        sign_in_from(app.test_client(), admin.email, "wrong password here", f"192.0.2.{number}")
    # A browser the account has not used waits a few minutes, whoever is at it ...
    assert sign_in_from(app.test_client(), admin.email, STAFF_PASSWORD, "192.0.2.50").status_code == 429
    # ... and one with a made-up "known" cookie is no different ...
    forged = app.test_client()
    forged.set_cookie("sos_known_browser", "forged", path="/admin/sign-in")
    assert sign_in_from(forged, admin.email, STAFF_PASSWORD, "192.0.2.51").status_code == 429
    # ... but the person's own browser signs straight in.
    assert sign_in_from(own_browser, admin.email, STAFF_PASSWORD, OFFICE).status_code == 302


def test_successful_sign_ins_are_not_counted(app, session):
    admin = make_staff(session)
    client = app.test_client()
    for _ in range(8):
        assert sign_in_from(client, admin.email, STAFF_PASSWORD, OFFICE).status_code == 302
        client.post("/admin/sign-out")


def test_a_stranger_can_cause_one_address_no_more_than_its_share_of_emails_everything_included(
    app, client, session, monkeypatch, capsys
):
    """Every way to make the service email someone else, tried many times from many network addresses:
    booking with their address (and its +tags), asking for their booking links, for new dates, saying
    they watched a briefing, naming them as the line manager of bookings the stranger confirms, and the
    holds nobody confirms being released. Their address gets at most EMAIL_LIMIT_PER_RECIPIENT."""
    from datetime import timedelta

    from app.database import utcnow
    from app.enrolment.bookings import release_holds

    monkeypatch.setitem(app.config, "MANAGER_EMAILS", True)
    limit = 5
    monkeypatch.setitem(app.config, "EMAIL_LIMIT_PER_RECIPIENT", f"{limit} per hour")
    victim = "victim@example.org"
    course, briefing = make_course(session), make_briefing(session)
    dates = [make_date(session, course=course, days_from_now=20 + n) for n in range(4)]
    where = iter(f"192.0.2.{n}" for n in range(1, 250))
    for n, course_date in enumerate(dates):
        post(client, f"/dates/{course_date.id}/book", booking_form(email=f"Victim+{n}@example.org"), next(where))
    for _ in range(3):
        post(
            client,
            f"/courses/{course.slug}/interest",
            {"full_name": "V", "email": victim, "organisation": ""},
            next(where),
        )
        post(client, f"/briefings/{briefing.slug}/watched", watched(email=victim), next(where))
        post(client, "/bookings/find", {"email": victim}, next(where))
    for n in range(8):  # addresses the stranger really has, confirmed, naming the victim as their manager
        form = booking_form(email=f"stranger{n}@example.net", manager_email=victim)
        post(client, f"/dates/{dates[n % 4].id}/book", form, next(where))
        confirm_by_email(client, session, form["email"])
    release_holds(session, utcnow() + timedelta(days=3))
    session.rollback()
    to_victim = session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.to_key == victim)).all()
    with capsys.disabled():
        print(f"\nemails a stranger caused to one address in an hour: {len(to_victim)} (limit {limit}): {to_victim}")
    assert len(to_victim) <= limit
