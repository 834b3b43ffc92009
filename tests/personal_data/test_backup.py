"""A backup restores: a database with every kind of record, and the briefing videos folder, backed up by
`flask data backup`, restored by `flask data restore` into an empty database and folder, compare equal."""

import secrets

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.personal_data.test_on_request import person  # noqa: F401 (a fixture: a person with every record)


def every_row(engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


def empty_database(app, tmp_path) -> tuple[str, callable]:
    """A new, empty database on the same kind of server, and how to remove it."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"test_restore_{secrets.token_hex(4)}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.mark.usefixtures("person")
def test_a_backup_restores_every_record_and_file_into_an_empty_service(app, runner, session, tmp_path):
    media = tmp_path / "media"
    (media / "briefing-1").mkdir(parents=True)
    (media / "briefing-1" / "video.webm").write_bytes(b"\x1aE\xdf\xa3 a video")
    app.config["MEDIA_DIR"] = str(media)
    made = runner.invoke(args=["data", "backup", str(tmp_path / "backups")])
    assert made.exit_code == 0, made.output
    folder = made.output.split("Backed up to ")[1].strip()
    before = every_row(db.engine)
    kinds = ("booking", "attendance", "feedback", "certificate", "watched_record", "interest", "outbox_message")
    assert all(before[name] for name in (*kinds, "audit_event", "venue", "course_day"))

    url, drop = empty_database(app, tmp_path)
    try:
        restored_media = tmp_path / "restored-media"
        other = create_app(
            {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x" * 64, "MEDIA_DIR": str(restored_media)}
        )
        with other.app_context():  # the command runs in the app context it finds
            result = other.test_cli_runner().invoke(args=["data", "restore", folder, "--yes"])
            assert result.exit_code == 0, result.output
            after = every_row(db.engine)
            assert after == before
            again = other.test_cli_runner().invoke(args=["data", "restore", folder, "--yes"])
            assert "The database is not empty" in again.output and again.exit_code != 0
            db.engine.dispose()
        assert (restored_media / "briefing-1" / "video.webm").read_bytes() == b"\x1aE\xdf\xa3 a video"
    finally:
        drop()


def test_a_changed_backup_file_is_refused(app, runner, session, tmp_path):
    made = runner.invoke(args=["data", "backup", str(tmp_path)])
    folder = made.output.split("Backed up to ")[1].strip()
    with open(f"{folder}/media.tar.gz", "ab") as archive:
        archive.write(b"tampered")
    result = runner.invoke(args=["data", "restore", folder, "--yes"])
    assert result.exit_code != 0 and "media.tar.gz is not the file the backup made" in result.output
