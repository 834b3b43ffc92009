"""Fixtures: an app on a real database (SQLite by default, PostgreSQL when DATABASE_URL says so)."""

import contextvars
import os

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.database import write_connection
from app.extensions import db
from config import normalise_database_url


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_schema(url: str) -> None:
    """Start from an empty database, so the migrations build every table."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context and database session, as it does in production,
    even while the test holds an app context of its own for setting up and checking data."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = database_url(tmp_path_factory)
    reset_schema(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "PREFERRED_URL_SCHEME": "http",
            "MAIL_SERVER": None,
            "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("mail")),
            "MEDIA_DIR": str(tmp_path_factory.mktemp("media")),
            "BASE_URL": "http://training.example.test",
            # On by default (Config); off here so each test counts only the emails it is about.
            # tests/enrolment/test_managers.py turns it on.
            "MANAGER_EMAILS": False,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_tables(app) -> None:
    """Remove every row, so the next test (or Hypothesis example) starts from nothing."""
    with app.app_context():
        db.session.remove()
        migrated = set(sa.inspect(db.engine).get_table_names())
        tables = [table.name for table in reversed(db.metadata.sorted_tables) if table.name in migrated]
        with write_connection(db.engine) as connection:
            # DELETE, child tables first: on tables this small it is ten times quicker than
            # TRUNCATE on PostgreSQL, and no test relies on ids starting again from 1.
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def clean_database(app):
    """Every test starts with empty tables."""
    yield
    empty_tables(app)


@pytest.fixture
def session(app):
    """The app's database session, inside an app context."""
    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_report_header(config):
    """Say which database the suite runs on."""
    url = os.environ.get("DATABASE_URL")
    return f"database: {normalise_database_url(url) if url else 'SQLite, a temporary file'}"


@pytest.fixture
def mail_server(app):
    """A real SMTP server on loopback; the app sends to it for the length of the test."""
    from tests.mail_server import MailServer

    server = MailServer().start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT", "MAIL_RETRY_BASE_SECONDS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, MAIL_RETRY_BASE_SECONDS=30)
    yield server
    server.stop()
    app.config.update(saved)


class Staff:
    """Sign a test client in and out as a member of the training team."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str, password: str | None = None):
        from tests.factories import sign_in

        return sign_in(self.client, email, password, check=False)

    def sign_out(self):
        return self.client.post("/admin/sign-out")


@pytest.fixture
def staff(client):
    return Staff(client)


@pytest.fixture(autouse=True)
def reset_rate_limits(app):
    """Each test starts with no sign-in attempts counted."""
    from app.extensions import limiter

    yield
    limiter.reset()
