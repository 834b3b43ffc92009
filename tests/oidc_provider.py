"""A real OpenID provider on loopback: the certified npm package oidc-provider, run by Node.js from
tests/oidc (its package.json pins it). Each instance stands in for one Microsoft Entra ID tenant.

`make test` installs it when npm is there. Without Node.js or the package the tests that need it are
skipped with the reason, or fail when REQUIRE_SERVICES=1 (CI)."""

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent / "oidc"
SECRET = "a client secret for tests only"
CLIENT_ID = "sos-training-tests"


def require_provider() -> None:
    """Skip (or, in CI, fail) when Node.js or the provider package is missing."""
    missing = None
    if shutil.which("node") is None:
        missing = "Node.js is not installed, so the OpenID provider cannot run"
    elif not (HERE / "node_modules" / "oidc-provider").is_dir():
        missing = "the OpenID provider is not installed: run `npm ci --prefix tests/oidc`"
    if missing:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(missing)
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OpenIDProvider:
    """One tenant's provider, with its accounts: {"login": {"oid", "roles", "name", "preferred_username",
    and "tid" for a guest from another tenant}}."""

    def __init__(self, folder: Path, *, accounts: dict, redirect_uris: list[str], post_logout_redirect_uris=()):
        self.tenant = str(uuid.uuid4())
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        self.keys_file = folder / f"keys-{self.port}.json"
        self.accounts = accounts
        self.redirect_uris = list(redirect_uris)
        self.post_logout_redirect_uris = list(post_logout_redirect_uris)
        self.process = None

    def settings(self, name: str, label: str) -> dict:
        """The app's settings for this provider, under the name NAME."""
        prefix = f"OIDC_{name.upper()}_"
        return {
            prefix + "ISSUER": self.issuer,
            prefix + "CLIENT_ID": CLIENT_ID,
            prefix + "CLIENT_SECRET": SECRET,
            prefix + "TENANTS": self.tenant,
            prefix + "LABEL": label,
        }

    def start(self, issuer: str | None = None) -> "OpenIDProvider":
        config = {
            "port": self.port,
            "issuer": issuer or self.issuer,
            "tenant": self.tenant,
            "keys_file": str(self.keys_file),
            "accounts": self.accounts,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": SECRET,
                    "redirect_uris": self.redirect_uris,
                    "post_logout_redirect_uris": self.post_logout_redirect_uris,
                    "response_types": ["code"],
                    "grant_types": ["authorization_code"],
                }
            ],
        }
        path = self.folder / f"provider-{self.port}.json"
        path.write_text(json.dumps(config))
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), str(path)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "listening":
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def rotate_keys(self) -> None:
        """Restart with a new signing key, as a provider does when it rotates its keys."""
        self.stop()
        self.keys_file.unlink()
        self.start()

    def key_ids(self) -> list[str]:
        return [key["kid"] for key in requests.get(f"{self.issuer}/jwks", timeout=5).json()["keys"]]


class FirstForm(HTMLParser):
    """The first form's address and its hidden fields, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
        elif tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields.setdefault(attrs["name"], attrs.get("value", ""))


def _form(response) -> tuple[str, dict]:
    parser = FirstForm()
    parser.feed(response.text)
    assert parser.action is not None, f"no form on {response.url}:\n{response.text[:500]}"
    return urljoin(response.url, parser.action), parser.fields


def follow_until(browser: requests.Session, response, stop_at: str) -> str:
    """Follow the provider's redirects until one leaves for stop_at; return that address."""
    for _ in range(10):
        location = response.headers.get("Location")
        assert location, f"expected a redirect from {response.url}, got {response.status_code}:\n{response.text[:500]}"
        location = urljoin(response.url, location)
        if location.startswith(stop_at):
            return location
        response = browser.get(location, allow_redirects=False, timeout=5)
    raise AssertionError("too many redirects")


def log_in(browser: requests.Session, authorize_url: str, login: str, back_to: str) -> str:
    """Sign in at the provider through its own login form, as a person would; return the address it sends the
    browser back to (the app's callback, with the code and state)."""
    response = browser.get(authorize_url, allow_redirects=True, timeout=5)
    if response.history and response.history[-1].headers.get("Location", "").startswith(back_to):
        return response.history[-1].headers["Location"]  # still signed in at the provider
    action, fields = _form(response)
    response = browser.post(
        action, data={**fields, "login": login, "password": "any password"}, allow_redirects=False, timeout=5
    )
    return follow_until(browser, response, back_to)


def log_out(browser: requests.Session, end_session_url: str, back_to: str) -> str:
    """Confirm signing out on the provider's page; return where it sends the browser back to."""
    response = browser.get(end_session_url, timeout=5)
    action, fields = _form(response)
    response = browser.post(action, data={**fields, "logout": "yes"}, allow_redirects=False, timeout=5)
    return follow_until(browser, response, back_to)


def wait_for_port_free(port: int, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)
