"""Backups that restore: the database and the briefing videos folder, into one folder with a list of what is
in it and each file's SHA-256.

- SQLite: a copy made by SQLite's online backup API, safe while the service runs.
- PostgreSQL: `pg_dump` in its custom format, restored with `pg_restore`.
- The media folder (MEDIA_DIR): a tar archive.

A restore puts them back into an empty database and media folder. The service must be stopped for it.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url

from app.extensions import db

MANIFEST = "manifest.json"


class BackupFailed(Exception):
    """What went wrong, in words for the person running it."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _postgres_arguments(url) -> tuple[list[str], dict]:
    """pg_dump/pg_restore connection options and environment from a SQLAlchemy URL (password not on the
    command line, where other users could read it)."""
    arguments = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--username", url.username or ""]
    environment = {"PGPASSWORD": url.password} if url.password else {}
    return arguments, environment


def _run(command: list[str], environment: dict) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **environment}, timeout=3600)
    if done.returncode != 0:
        raise BackupFailed(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def make_backup(destination: Path, now: datetime) -> Path:
    """Back up the database and the media folder into a new folder inside `destination`; return it."""
    folder = destination / f"backup-{now:%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        database = folder / "database.sqlite3"
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(database)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        database = folder / "database.dump"
        arguments, environment = _postgres_arguments(url)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", *arguments, "--file", str(database), url.database], environment
        )
    media = folder / "media.tar.gz"
    media_dir = Path(current_app.config["MEDIA_DIR"])
    with tarfile.open(media, "w:gz") as archive:
        if media_dir.is_dir():
            archive.add(media_dir, arcname="media")
    with db.engine.connect() as connection:
        version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    manifest = {
        "made_at": now.isoformat(),
        "database": url.get_backend_name(),
        "migration": version,
        "files": {path.name: _sha256(path) for path in (database, media)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def restore_backup(folder: Path) -> dict:
    """Put a backup back: the database into the (empty) database DATABASE_URL names, the media folder into
    MEDIA_DIR. Each file is checked against the manifest first."""
    manifest = json.loads((folder / MANIFEST).read_text())
    for name, digest in manifest["files"].items():
        if _sha256(folder / name) != digest:
            raise BackupFailed(f"{name} is not the file the backup made (its SHA-256 differs).")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != manifest["database"]:
        raise BackupFailed(f"This is a {manifest['database']} backup; DATABASE_URL is {url.get_backend_name()}.")
    with db.engine.connect() as connection:
        if sa.inspect(connection).get_table_names():
            raise BackupFailed("The database is not empty. Restore into a new, empty database.")
    db.engine.dispose()
    if manifest["database"] == "sqlite":
        source = sqlite3.connect(folder / "database.sqlite3")
        target = sqlite3.connect(url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        arguments, environment = _postgres_arguments(url)
        dump = str(folder / "database.dump")
        _run(["pg_restore", "--no-owner", "--exit-on-error", *arguments, "--dbname", url.database, dump], environment)
    media_dir = Path(current_app.config["MEDIA_DIR"])
    with tarfile.open(folder / "media.tar.gz") as archive:
        staging = media_dir.parent / f".{media_dir.name}-restoring"
        shutil.rmtree(staging, ignore_errors=True)
        archive.extractall(staging, filter="data")
        if (staging / "media").is_dir():
            media_dir.mkdir(parents=True, exist_ok=True)
            shutil.copytree(staging / "media", media_dir, dirs_exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
