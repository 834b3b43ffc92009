"""`flask doctor` says what a council would get wrong, each with how to fix it, and exits 1 while anything is
wrong: run here against the real database, a real SMTP server and the real Redis."""

import os

import pytest
from limits.storage import storage_from_string

REDIS = "redis://127.0.0.1:6379"
HEALTHY = {
    "SECRET_KEY": "a" * 64,
    "BASE_URL": "https://training.cumbria.gov.uk",
    "SESSION_COOKIE_SECURE": True,
    "RATELIMIT_ENABLED": True,
}


@pytest.fixture
def settings(app, monkeypatch, tmp_path):
    def use(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)

    use(**HEALTHY, MEDIA_DIR=str(tmp_path))
    return use


def redis_or_skip(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", REDIS)
    try:
        reachable = storage_from_string(REDIS).check()
    except Exception:  # noqa: BLE001
        reachable = False
    if not reachable:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def test_a_service_set_up_right_passes_every_check(app, runner, settings, mail_server, monkeypatch):
    redis_or_skip(app, monkeypatch)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "PROBLEM" not in result.output and "Everything looks right." in result.output
    for name in ("Secret key", "Web address", "Database", "Limits on forms", "Email", "Fonts for certificates"):
        assert f"OK       {name}: " in result.output


def test_each_mistake_is_named_with_its_fix(app, runner, settings, tmp_path):
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the folder should be")
    settings(
        SECRET_KEY="short",
        BASE_URL="http://training.cumbria.gov.uk",
        RATELIMIT_STORAGE_URI="memory://",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=1,  # nothing listens there
        MAIL_TIMEOUT=2,
        MEDIA_DIR=str(not_a_folder),
    )
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    output = result.output
    assert "PROBLEM  Secret key: SECRET_KEY is too short" in output and "secrets.token_hex(32)" in output
    assert "PROBLEM  Web address: BASE_URL is http://training.cumbria.gov.uk" in output
    assert "PROBLEM  Limits on forms: RATELIMIT_STORAGE_URI is memory://" in output
    assert "Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379" in output
    assert "PROBLEM  Email: Could not talk to the mail server at 127.0.0.1:1" in output
    assert f"PROBLEM  Briefing videos folder: {not_a_folder} cannot be written to" in output
    assert "OK       Database: Reachable, and up to date" in output
    assert "5 to put right." in output


def test_cookies_sent_without_https_and_no_mail_server_are_problems(app, runner, settings):
    settings(SESSION_COOKIE_SECURE=False, MAIL_SERVER=None)
    output = runner.invoke(args=["doctor"]).output
    assert "PROBLEM  Web address: SESSION_COOKIE_SECURE is off" in output
    assert "PROBLEM  Email: MAIL_SERVER is not set" in output


def test_trying_it_out_on_this_computer_is_fine(app, runner, settings):
    settings(BASE_URL="http://127.0.0.1:5000", RATELIMIT_STORAGE_URI="memory://", MAIL_SERVER=None)
    output = runner.invoke(args=["doctor"]).output
    assert "OK       Web address: BASE_URL is http://127.0.0.1:5000: fine for trying" in output
    assert "OK       Limits on forms: Counted in memory" in output
    assert "OK       Email: No MAIL_SERVER" in output
