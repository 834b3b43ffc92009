"""Database plumbing shared by every part: SQLite transaction control and UTC times."""

import fcntl
import os
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

WRITE_OPTION = "take_write_lock"
# Statements that only read; anything else in a transaction is treated as a write.
READ_VERBS = ("SELECT", "WITH", "PRAGMA", "EXPLAIN", "VALUES")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A moment in time: stored as naive UTC on every database, read back as aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def install_sqlite_transaction_control(engine: Engine, busy_timeout: int) -> None:
    """Let SQLite transactions that will write take the write lock when they begin.

    pysqlite's own BEGIN is deferred: a transaction that reads and then writes can fail
    at once with "database is locked" when another writer got in between. We issue BEGIN
    ourselves, and BEGIN IMMEDIATE for sessions started with begin_write().

    SQLite makes a waiting writer sleep and poll (1 ms, 2 ms, 5 ms ... 100 ms), so under load
    the database sits idle while writers sleep. Writers therefore first queue on an OS file
    lock beside the database (flock), which wakes the next one the moment the last one is done.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    lock_path = f"{database}-writers" if database not in (None, "", ":memory:") else None

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if lock_path:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            record.info["writers_lock"] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        cursor.close()

    def take_write_lock(info) -> None:
        lock = info.get("writers_lock")
        if lock is not None and not info.get("writers_locked"):
            fcntl.flock(lock, fcntl.LOCK_EX)
            info["writers_locked"] = True

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            connection.info["sqlite_read_only_so_far"] = True
            return
        take_write_lock(connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def before_first_write(connection, cursor, statement, parameters, context, executemany):
        # A transaction that has only read holds a snapshot; writing from it fails at once with
        # "database is locked" if another writer committed meanwhile. Before its first write,
        # swap the snapshot for the write lock. Nothing is lost: it has written nothing yet.
        info = connection.info
        if not info.get("sqlite_read_only_so_far"):
            return
        verb = statement.lstrip()[:9].upper()
        if verb.startswith(READ_VERBS):
            return
        info.pop("sqlite_read_only_so_far")
        if not verb.startswith("SAVEPOINT"):  # a rollback now would undo the savepoint: leave it be
            raw = connection.connection.dbapi_connection
            raw.execute("ROLLBACK")
            take_write_lock(info)
            raw.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection):
        connection.info.pop("sqlite_read_only_so_far", None)

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        # The transaction has committed or rolled back by the time the connection comes back.
        if record.info.pop("writers_locked", False):
            fcntl.flock(record.info["writers_lock"], fcntl.LOCK_UN)

    @event.listens_for(engine, "close")
    def on_close(_dbapi_connection, record):
        lock = record.info.pop("writers_lock", None)
        if lock is not None:
            os.close(lock)  # closing also releases a lock still held


def begin_write(session: Session) -> None:
    """Start a transaction that will write, holding SQLite's write lock from the start.

    A read-only transaction the caller left open is ended first, so that the write lock
    is taken before anything is read. Pending changes would be lost that way, so they
    are refused. On PostgreSQL this only starts the transaction; rows are locked with
    SELECT ... FOR UPDATE by the caller.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() needs a session with no unsaved changes")
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    session.info["write_transaction"] = True


@event.listens_for(Session, "after_transaction_end")
def _end_write_transaction(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("write_transaction", None)


def render_migration_item(type_, obj, autogen_context):
    """Write UTCDateTime columns into migrations as plain DateTime, so they never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False
