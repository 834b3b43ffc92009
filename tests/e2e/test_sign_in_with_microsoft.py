"""In Chromium: a trainer signs in with their council Microsoft account through the provider's own login
form, and signs out of both, on an app served over HTTP with a real OpenID provider beside it."""

import threading
import uuid

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.oidc_provider import OpenIDProvider, free_port, require_provider
from tests.staff.test_sign_in_with_microsoft import app_with

ACCOUNTS = {
    "trainer": {
        "oid": str(uuid.uuid4()),
        "roles": ["Trainer"],
        "name": "Tom Reed",
        "preferred_username": "tom.reed@cumberland.gov.uk",
    },
}


@pytest.fixture(scope="module")
def served(app, tmp_path_factory):
    """The app with the provider set up, served over HTTP, and the provider it trusts."""
    require_provider()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    provider = OpenIDProvider(
        tmp_path_factory.mktemp("oidc-e2e"),
        accounts=ACCOUNTS,
        redirect_uris=[f"{base}/admin/sign-in/with/cumberland/done"],
        post_logout_redirect_uris=[f"{base}/admin/signed-out"],
    ).start()
    sso_app = app_with(app, {"cumberland": (provider, "Cumberland Council")}, WTF_CSRF_ENABLED=True)
    sso_app.config["BASE_URL"] = base
    server = make_server("127.0.0.1", port, sso_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join()
    server.server_close()
    provider.stop()


def test_a_trainer_signs_in_with_microsoft_and_out_of_both(browser, served, assert_accessible):
    context = browser.new_context(base_url=served, bypass_csp=False)
    context.set_default_timeout(10000)
    page = context.new_page()
    page.goto("/admin/sign-in")
    assert_accessible_without_csp(browser, served, assert_accessible)

    page.get_by_role("button", name="Sign in with Cumberland Council").click()
    page.locator("input[name=login]").fill("trainer")
    page.locator("input[name=password]").fill("their council password")
    page.locator("button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dates")
    expect(page.get_by_role("navigation")).not_to_contain_text("Your password")
    expect(page.get_by_role("navigation")).not_to_contain_text("Accounts")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    context.close()


def assert_accessible_without_csp(browser, served, assert_accessible) -> None:
    """axe-core is added as an inline script, which the policy forbids: check in a context that bypasses it."""
    context = browser.new_context(base_url=served, bypass_csp=True)
    page = context.new_page()
    for path in ("/admin/sign-in", "/admin/signed-out"):
        page.goto(path)
        assert_accessible(page)
    context.close()
