"""How long signing in takes end to end: with the council's Microsoft account through a real OpenID provider
(the npm package oidc-provider on loopback, as the tests run it), and with a password and with a password
and an authenticator code.

Makes a fresh database (SQLite unless --database-url names a PostgreSQL one) and an app in this process
with the provider set up. Each Microsoft sign-in is timed from pressing "Sign in with ..." to the
dashboard's answer: our redirect to the provider, its login form filled and sent, its redirects back,
then our callback (state check, the token request to the provider, the ID token's signature, issuer,
audience and nonce checked, the account found or made, the session opened) and the dashboard. The first
one also fetches the provider's metadata and keys, so it is reported apart. The provider's login form
stands in for Microsoft's, which a person takes seconds to fill; what is measured is our part and the
round trips. Password sign-ins are timed from sending the form to the dashboard's answer (argon2 is
most of it, on purpose).

With --browser, Debian's Chromium (driven by Playwright) also signs in with Microsoft on the app served
over HTTP on loopback: timed from the click on "Sign in with ..." until the dashboard's heading shows,
with the provider's form filled at once.

    .venv/bin/python bench/sign_in.py [--sign-ins 30] [--database-url URL] [--browser]
"""

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import requests
from _common import (
    BenchError,
    Workspace,
    describe_database,
    free_port,
    migrate_in_process,
    prepare_database,
    run,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.oidc_provider import OpenIDProvider, log_in, require_provider  # noqa: E402

BASE = "http://training.example.test"
DONE = BASE + "/admin/sign-in/with/cumberland/done"
PASSWORD = "bench staff password"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sign-ins", type=int, default=30, help="sign-ins of each kind (default 30)")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is emptied)")
    parser.add_argument("--browser", action="store_true", help="also sign in with Chromium (/usr/bin/chromium)")
    return parser.parse_args(argv)


def milliseconds(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:.0f} ms, 95th percentile {p95 * 1000:.0f} ms"


def microsoft_sign_in(app, login: str) -> float:
    client = app.test_client()
    browser = requests.Session()
    started = time.perf_counter()
    answer = client.post("/admin/sign-in/with/cumberland")
    callback = log_in(browser, answer.location, login, DONE)
    parts = urlsplit(callback)
    done = client.get(f"{parts.path}?{parts.query}")
    dashboard = client.get(done.location)
    seconds = time.perf_counter() - started
    if done.status_code != 302 or dashboard.status_code != 200:
        raise BenchError(f"the sign-in did not work: {done.status_code}, {dashboard.status_code}")
    return seconds


def password_sign_in(app, email: str, secret: str | None = None) -> float:
    client = app.test_client()
    started = time.perf_counter()
    answer = client.post("/admin/sign-in", data={"email": email, "password": PASSWORD})
    if secret:
        answer = client.post("/admin/sign-in/code", data={"code": pyotp.TOTP(secret).now()})
    dashboard = client.get(answer.location)
    seconds = time.perf_counter() - started
    if dashboard.status_code != 200:
        raise BenchError(f"the password sign-in did not work: {answer.status_code}")
    return seconds


def browser_sign_ins(app, base: str, count: int) -> list[float]:
    """Sign in with Microsoft in Chromium, through the provider's own form; the seconds each took."""
    import logging
    import threading

    from playwright.sync_api import expect, sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = int(base.rsplit(":", 1)[1])
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    samples = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for _ in range(count + 1):
                context = browser.new_context(base_url=base)
                page = context.new_page()
                page.goto("/admin/sign-in")
                started = time.perf_counter()
                page.get_by_role("button", name="Sign in with Cumberland Council").click()
                page.locator("input[name=login]").fill("admin")
                page.locator("input[name=password]").fill("their council password")
                page.locator("button[type=submit]").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming dates")
                samples.append(time.perf_counter() - started)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    return samples[1:]  # the first also starts the browser's caches


def main(argv=None) -> int:
    args = parse_args(argv)
    require_provider()
    with Workspace(keep=False) as workspace:
        database_url = prepare_database(args.database_url, workspace.path)
        accounts = {
            "admin": {
                "oid": str(uuid.uuid4()),
                "roles": ["Admin"],
                "name": "Bench Admin",
                "preferred_username": "bench.admin@cumberland.gov.uk",
            }
        }
        live_base = f"http://127.0.0.1:{free_port()}"
        live_done = live_base + "/admin/sign-in/with/cumberland/done"
        provider = OpenIDProvider(workspace.path, accounts=accounts, redirect_uris=[DONE, live_done]).start()
        try:
            from app import create_app
            from app.database import writing
            from app.extensions import db
            from app.models import Role, StaffUser
            from app.staff.passwords import hash_password

            settings = {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
                "RATELIMIT_ENABLED": False,
                "MAIL_FILE_DIR": str(workspace.path / "mail"),
                "BASE_URL": BASE,
                "OIDC_PROVIDERS": "cumberland",
                **provider.settings("cumberland", "Cumberland Council"),
            }
            app = create_app(settings)
            migrate_in_process(app)
            secret = pyotp.random_base32()
            with app.app_context(), writing(db.session):
                for email, totp in (("plain@example.org", None), ("with.code@example.org", secret)):
                    db.session.add(
                        StaffUser(email=email, role=Role.ADMIN, password_hash=hash_password(PASSWORD), totp_secret=totp)
                    )
            print(f"sign_in: {describe_database(database_url)}; oidc-provider on {provider.issuer}; app in process")
            first = microsoft_sign_in(app, "admin")
            print(f"  Microsoft, first (fetches metadata and keys): {first * 1000:.0f} ms")
            samples = [microsoft_sign_in(app, "admin") for _ in range(args.sign_ins)]
            print(f"  Microsoft, {args.sign_ins} more: {milliseconds(samples)}")
            samples = [password_sign_in(app, "plain@example.org") for _ in range(args.sign_ins)]
            print(f"  password, {args.sign_ins}: {milliseconds(samples)}")
            # Each code works once: forget the step used before each sign-in, so the current code works again.
            samples = []
            for _ in range(args.sign_ins):
                with app.app_context(), writing(db.session):
                    db.session.scalar(
                        db.select(StaffUser).where(StaffUser.email == "with.code@example.org")
                    ).totp_last_step = None
                samples.append(password_sign_in(app, "with.code@example.org", secret))
            print(f"  password and authenticator code, {args.sign_ins}: {milliseconds(samples)}")
            if args.browser:
                live_app = create_app({**settings, "BASE_URL": live_base, "WTF_CSRF_ENABLED": True})
                samples = browser_sign_ins(live_app, live_base, args.sign_ins)
                print(f"  Microsoft in Chromium, {args.sign_ins}: {milliseconds(samples)}")
        finally:
            provider.stop()
    return 0


if __name__ == "__main__":
    run(main)
