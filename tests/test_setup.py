"""Settings, migrations and the demo data: what a newcomer and an operator rely on."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app import create_app
from app.database import only_this_database
from app.extensions import db
from app.models import LONDON, Booking, BookingStatus, Certificate, CourseDate, Feedback, OutboxMessage, OutboxStatus
from config import Config, normalise_database_url, settings_from_environment
from tests.factories import sign_in


def test_settings_come_from_environment_variables_named_after_the_config_keys():
    settings = settings_from_environment(
        environ={
            "SESSION_COOKIE_SECURE": "false",
            "MAX_CONTENT_LENGTH": "2048",
            "TRAINING_TEAM_EMAIL": "team@example.org",
            "DATABASE_URL": "postgresql://u@h/db",
        }
    )
    assert settings == {
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 2048,
        "TRAINING_TEAM_EMAIL": "team@example.org",
        "DATABASE_URL": "postgresql://u@h/db",
    }


def test_a_yes_or_no_setting_with_another_word_is_refused():
    with pytest.raises(ValueError, match="SESSION_COOKIE_SECURE"):
        settings_from_environment(environ={"SESSION_COOKIE_SECURE": "maybe"})


def test_defaults_are_safe_for_production():
    assert Config.SESSION_COOKIE_SECURE is True
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.WTF_CSRF_ENABLED is True


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgresql://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1/test"),
        ("postgres://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1/test"),
        ("postgresql+psycopg://p@h/d", "postgresql+psycopg://p@h/d"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_postgresql_urls_name_the_psycopg_driver(given, expected):
    assert normalise_database_url(given) == expected


def test_a_secret_key_is_made_and_kept_when_none_is_given(tmp_path, monkeypatch):
    from config import instance_secret_key

    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_models_and_migrations_agree(app, runner):
    """`flask db check` passes, and autogenerate finds nothing to add on this database."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.connect() as connection:
        include = only_this_database(connection.dialect.name)
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include})
        assert compare_metadata(context, db.metadata) == []


def test_upgrade_builds_an_empty_database_and_downgrade_removes_it(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite3"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"course", "venue", "course_date", "course_day", "booking", "interest"} <= tables
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    with app.app_context():
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_demo_load_makes_open_nearly_full_and_full_dates_once(runner, session):
    assert "3 new date(s)" in runner.invoke(args=["demo", "load"]).output
    assert "0 new date(s)" in runner.invoke(args=["demo", "load"]).output
    session.rollback()
    every = list(session.scalars(sa.select(CourseDate).order_by(CourseDate.id)))
    today = datetime.now(LONDON).date()
    dates = [d for d in every if d.first_day >= today]
    assert [d.places_left for d in dates] == [14, 1, 0]
    (finished,) = [d for d in every if d.last_day < today]  # with its register, feedback and certificates
    completed = session.scalar(sa.select(sa.func.count(Certificate.id)))
    assert session.scalar(sa.select(sa.func.count(Feedback.id))) == 5 and completed == 5
    # Their booking emails count as sent back then; the thank-yous with certificates go now.
    pending = session.scalars(
        sa.select(OutboxMessage.kind)
        .join(Booking, OutboxMessage.booking_id == Booking.id)
        .where(Booking.course_date_id == finished.id, OutboxMessage.status == OutboxStatus.PENDING)
    ).all()
    assert sorted(set(pending)) == ["feedback_thanks"]
    # A demo admin and the course's trainer sign in with the passwords printed when the demo loads, new each time.
    again = runner.invoke(args=["demo", "load"]).output
    printed = dict(re.findall(r"(demo\.\w+@example\.org)\s+password: (\S+)", again))
    assert set(printed) == {"demo.admin@example.org", "demo.trainer@example.org"}
    for email, password in printed.items():
        browser = runner.app.test_client()
        assert sign_in(browser, email, password, check=False).status_code == 302, email
    assert browser.get("/admin/accounts").status_code == 403  # the trainer's role, to try
    old = dict(re.findall(r"(demo\.\w+@example\.org)\s+password: (\S+)", runner.invoke(args=["demo", "load"]).output))
    assert old != printed
    assert sign_in(runner.app.test_client(), "demo.admin@example.org", printed["demo.admin@example.org"],
                   check=False).status_code == 200  # fmt: skip
    waiting = session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.course_date_id == dates[2].id, Booking.status == BookingStatus.WAITING
        )
    )
    assert waiting == 3


def test_a_real_service_with_limits_kept_in_one_process_says_so_at_start(app, caplog):
    import logging

    from app import create_app

    settings = {
        **app.config,
        "TESTING": False,
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    with caplog.at_level(logging.WARNING):
        create_app(settings)
    assert "RATELIMIT_STORAGE_URI is memory://" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({**settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})
    assert "RATELIMIT_STORAGE_URI" not in caplog.text
    with caplog.at_level(logging.WARNING):
        create_app({**settings, "SESSION_COOKIE_SECURE": False})  # plain HTTP on a laptop: make run
    assert "RATELIMIT_STORAGE_URI" not in caplog.text


def inserter(engine):
    """Insert a row into a table as an older migration left it, filling what is required and not given."""
    from datetime import UTC, date, datetime, time

    tables = sa.MetaData()
    tables.reflect(engine)
    filler = {sa.Integer: 0, sa.String: "x", sa.Text: "x", sa.Boolean: False, sa.JSON: [], sa.Date: date(2027, 3, 2)}

    def insert(connection, table_name, **values):
        table = tables.tables[table_name]
        for column in table.columns:
            if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
                continue
            if isinstance(column.type, sa.DateTime):
                values[column.name] = datetime.now(UTC).replace(tzinfo=None)
            elif isinstance(column.type, sa.Time):
                values[column.name] = time(9, 30)
            else:
                values[column.name] = next(v for kind, v in filler.items() if isinstance(column.type, kind))
        return connection.execute(table.insert().values(**values)).inserted_primary_key[0]

    return insert


def test_the_email_key_migration_drops_tags_without_joining_two_active_bookings(tmp_path):
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "13165d5efa86"]).exit_code == 0
    engine = sa.create_engine(url)
    insert = inserter(engine)
    with engine.begin() as connection:
        course = insert(connection, "course", slug="sos", title="Signs of Safety")
        venue = insert(connection, "venue", name="Civic Centre")
        first, second = (insert(connection, "course_date", course_id=course, venue_id=venue, capacity=5,
                                status="published") for _ in range(2))  # fmt: skip
        people = {}
        for name, date_id, email, status in (
            ("tagged", first, "Sam+Training@Example.org", "confirmed"),
            ("plain on the same date", second, "sam@example.org", "confirmed"),
            ("tagged on the same date", second, "sam+again@example.org", "waiting"),
            ("cancelled", second, "sam+old@example.org", "cancelled"),
        ):
            people[name] = insert(connection, "booking", reference=f"SOS-{len(people)}", manage_token=name,
                                  course_date_id=date_id, status=status, email=email, email_key=email.lower(),
                                  sector="health", council_area="cumberland")  # fmt: skip
        insert(connection, "interest", course_id=course, email="Lee+news@example.org", email_key="lee+news@example.org")
    engine.dispose()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with engine.connect() as connection:
        keys = dict(connection.execute(sa.text("SELECT id, email_key FROM booking")).all())
        interest = connection.execute(sa.text("SELECT email_key FROM interest")).scalar_one()
    engine.dispose()
    assert keys[people["tagged"]] == "sam@example.org"
    assert keys[people["plain on the same date"]] == "sam@example.org"
    assert keys[people["tagged on the same date"]] == "sam+again@example.org"  # kept: two active on one date
    assert keys[people["cancelled"]] == "sam@example.org"  # cancelled ones do not count
    assert interest == "lee@example.org"


def test_the_calendar_migration_records_the_entries_already_sent_with_their_uids(tmp_path):
    """A booking made before entries were stored keeps its UID and sequence, so its next update replaces
    the entry already in the person's calendar; per-day emails still waiting are skipped."""
    from datetime import date, time

    url = f"sqlite:///{tmp_path}/old.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "BASE_URL": "https://sos.example.gov.uk"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "fca9d8da55b6"]).exit_code == 0
    engine = sa.create_engine(url)
    insert = inserter(engine)
    with engine.begin() as connection:
        course = insert(connection, "course", slug="sos", title="Signs of Safety")
        venue = insert(connection, "venue", name="Civic Centre", address="Rickergate", town="Carlisle", postcode="CA3")
        date_id = insert(
            connection, "course_date", course_id=course, venue_id=venue, capacity=5, places_taken=1, status="published"
        )
        for day in (date(2027, 3, 2), date(2027, 3, 3)):
            insert(
                connection, "course_day", course_date_id=date_id, day=day, start_time=time(9, 30), end_time=time(16, 30)
            )
        booking = insert(
            connection,
            "booking",
            reference="SOS-OLD11",
            manage_token="t" * 43,
            course_date_id=date_id,
            status="confirmed",
            sector="health",
            council_area="cumberland",
            calendar_sequence=2,
        )
        insert(connection, "outbox_message", kind="calendar_day", booking_id=booking, status="pending", context={})
    engine.dispose()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        from app.mail.entries import uid_domain
        from app.models import CalendarEntry, OutboxMessage, OutboxStatus

        (entry,) = db.session.scalars(sa.select(CalendarEntry)).all()
        assert (entry.uid, entry.sequence, entry.part) == (f"SOS-OLD11-{date_id}@sos.example.gov.uk", 1, "all")
        assert entry.days == [
            {"day": "2027-03-02", "start": "09:30", "end": "16:30"},
            {"day": "2027-03-03", "start": "09:30", "end": "16:30"},
        ]
        assert entry.location == "Civic Centre, Rickergate, Carlisle, CA3"
        assert db.session.scalars(sa.select(OutboxMessage.status)).all() == [OutboxStatus.SKIPPED]
        app.config["BASE_URL"] = "https://training.cumbria.example"  # the service moves ...
        assert uid_domain(db.session) == "sos.example.gov.uk"  # ... and new entries still link up
        db.session.remove()
        db.engine.dispose()
