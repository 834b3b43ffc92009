"""Each check looks at one thing a council's IT team sets up, and says in plain words what is wrong and how
to put it right. None of them changes anything."""

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from limits.storage import storage_from_string

from app.extensions import db
from app.mail.transport import SafeConnection

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Scripts a name on a certificate may be written in, and the font families that draw them.
FONTS = {
    "Latin, Greek and Cyrillic": "Noto Sans",
    "Arabic": "Noto Sans Arabic",
    "Chinese, Japanese and Korean": "Noto Sans CJK",
}


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    said: str
    fix: str = ""


def on_this_computer() -> bool:
    """Whether BASE_URL is this computer (someone trying the service out), not a real service."""
    return urlsplit(current_app.config["BASE_URL"]).hostname in LOCAL_HOSTS


def secret_key() -> Finding:
    key = current_app.config.get("SECRET_KEY") or ""
    kept_file = os.path.join(current_app.instance_path, "secret_key")
    made_here = os.path.exists(kept_file) and open(kept_file).read().strip() == key
    fix = (
        "Set SECRET_KEY to a long random value, the same on every server. Make one with: python3 -c "
        "'import secrets; print(secrets.token_hex(32))'"
    )
    if made_here and not on_this_computer():
        return Finding(
            "Secret key",
            False,
            "SECRET_KEY is not set, so this server made its own. With more than "
            "one server, or a container made again, people are signed out and links stop working.",
            fix,
        )
    if len(key) < 32:
        return Finding("Secret key", False, "SECRET_KEY is too short to be safe (fewer than 32 characters).", fix)
    return Finding("Secret key", True, "Set, and long enough.")


def web_address() -> Finding:
    base = current_app.config["BASE_URL"]
    if on_this_computer():
        return Finding("Web address", True, f"BASE_URL is {base}: fine for trying the service on this computer.")
    if not base.startswith("https://"):
        return Finding(
            "Web address",
            False,
            f"BASE_URL is {base}. Links in emails would not be private.",
            "Set BASE_URL to the https:// address people use, for example https://training.cumbria.gov.uk",
        )
    if not current_app.config["SESSION_COOKIE_SECURE"]:
        return Finding(
            "Web address",
            False,
            "SESSION_COOKIE_SECURE is off, so sign-in cookies could travel without encryption.",
            "Set SESSION_COOKIE_SECURE=true (it is on unless turned off).",
        )
    return Finding("Web address", True, f"BASE_URL is {base}, and cookies are sent only over https.")


def limits() -> Finding:
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return Finding(
            "Limits on forms",
            False,
            "RATELIMIT_ENABLED is off: nothing stops someone trying passwords or sending forms again and again.",
            "Set RATELIMIT_ENABLED=true.",
        )
    storage = str(config["RATELIMIT_STORAGE_URI"])
    if storage.startswith("memory://"):
        if on_this_computer():
            return Finding("Limits on forms", True, "Counted in memory: fine for one process on this computer.")
        return Finding(
            "Limits on forms",
            False,
            "RATELIMIT_STORAGE_URI is memory://, so each worker counts on its "
            "own and the limits are as many times higher as there are workers.",
            "Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (or your Redis).",
        )
    try:
        reachable = storage_from_string(storage).check()
    except Exception:  # noqa: BLE001 (any failure to reach it is the answer)
        reachable = False
    if not reachable:
        return Finding(
            "Limits on forms", False, f"Could not reach {storage}.", "Start Redis, or correct RATELIMIT_STORAGE_URI."
        )
    return Finding("Limits on forms", True, f"Counted in {storage}, which answers.")


def mail() -> Finding:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if on_this_computer():
            return Finding("Email", True, f"No MAIL_SERVER: emails are written to files in {config['MAIL_FILE_DIR']}.")
        return Finding(
            "Email",
            False,
            "MAIL_SERVER is not set, so emails are written to files and nobody gets them.",
            "Set MAIL_SERVER and MAIL_PORT (and the rest: see the README's email section).",
        )
    where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        with SafeConnection(current_app.extensions["mail"]) as connection:
            code, _ = connection.host.noop()
    except Exception as error:  # noqa: BLE001 (every way of failing is reported)
        return Finding(
            "Email",
            False,
            f"Could not talk to the mail server at {where}: {error}.",
            "Check MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS and the sign-in settings, and that this server may reach it.",
        )
    if code != 250:
        return Finding("Email", False, f"The mail server at {where} answered {code}.", "Ask who runs it why.")
    return Finding("Email", True, f"The mail server at {where} answers.")


def database() -> Finding:
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # noqa: BLE001
        return Finding(
            "Database",
            False,
            f"Could not open the database: {error.__class__.__name__}.",
            "Check DATABASE_URL, and that the database server is running.",
        )
    head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
    if current != head:
        return Finding(
            "Database",
            False,
            f"The database is at version {current or 'none'}, not {head}.",
            "Run: flask --app wsgi db upgrade",
        )
    return Finding("Database", True, f"Reachable, and up to date ({db.engine.dialect.name}).")


def trigram_search() -> Finding:
    if db.engine.dialect.name != "postgresql":
        return Finding("Finding people quickly", True, "SQLite needs nothing more.")
    with db.engine.connect() as connection:
        found = connection.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if not found:
        return Finding(
            "Finding people quickly",
            False,
            "PostgreSQL's pg_trgm extension is missing, so finding a person reads every booking.",
            "As a superuser, run: CREATE EXTENSION pg_trgm; then run flask --app wsgi db upgrade again.",
        )
    return Finding("Finding people quickly", True, "PostgreSQL has pg_trgm.")


def fonts() -> Finding:
    fix = "Install Debian's fonts-noto-core and fonts-noto-cjk: apt-get install fonts-noto-core fonts-noto-cjk"
    if shutil.which("fc-list") is None:
        return Finding(
            "Fonts for certificates",
            False,
            "fontconfig is not installed, so certificates cannot be drawn.",
            "Install Pango and fontconfig (apt-get install libpango-1.0-0 fontconfig), then " + fix,
        )
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=30).stdout
    missing = [script for script, family in FONTS.items() if family not in families]
    if missing:
        return Finding(
            "Fonts for certificates",
            False,
            f"Names in these scripts would print as empty boxes: {', '.join(missing)}.",
            fix,
        )
    return Finding("Fonts for certificates", True, "Noto fonts for every script are installed.")


def media_folder() -> Finding:
    """The folder for briefing videos: writable, or one the service can make at the first upload."""
    folder = os.path.abspath(current_app.config["MEDIA_DIR"])
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if os.path.isdir(existing) and os.access(existing, os.W_OK):
        made = "" if existing == folder else " (it is made at the first upload)"
        return Finding("Briefing videos folder", True, f"{folder} can be written to{made}.")
    return Finding(
        "Briefing videos folder",
        False,
        f"{folder} cannot be written to.",
        "Make the folder, owned by the user the service runs as, or set MEDIA_DIR.",
    )


CHECKS: list[Callable[[], Finding]] = [
    secret_key,
    web_address,
    database,
    trigram_search,
    limits,
    mail,
    fonts,
    media_folder,
]


def examine() -> list[Finding]:
    return [check() for check in CHECKS]
