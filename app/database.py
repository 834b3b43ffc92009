"""Database plumbing shared by every part: transactions that say whether they write, and UTC times.

Every operation that writes runs inside `writing(session)`: the transaction starts as a write
and commits once at the end, or rolls back whole if anything in it fails or refuses.

On SQLite a transaction that starts as a write takes the single write lock at once
(BEGIN IMMEDIATE), so nothing it reads can go stale before it writes. A transaction that
started read-only must never write: it holds a snapshot that another writer may already have
made stale, so SQLite would either refuse the write or, worse, let it write from old data.
Such a write raises ReadOnlyTransaction instead: the code must say up front that it writes.
"""

import fcntl
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

WRITE_OPTION = "take_write_lock"
# Statements that do not change data; anything else is a write.
NOT_WRITES = ("SELECT", "WITH", "PRAGMA", "EXPLAIN", "VALUES", "SAVEPOINT", "RELEASE", "ROLLBACK")


class DatabaseBusy(Exception):
    """Another writer held the database for longer than SQLITE_BUSY_TIMEOUT."""

    def __init__(self, seconds: float):
        super().__init__(f"Another writer held the database for more than {seconds:g} seconds")
        self.seconds = seconds


class ReadOnlyTransaction(RuntimeError):
    """A statement tried to write in a transaction that began read-only."""


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


class _FileLockWaiter:
    """Waits for another process's file lock in a thread of its own, so the wait can end at a deadline.

    flock() has no timeout. If the deadline passes first, the waiter is abandoned: it lets go of the
    lock the moment it gets it, and closes its own file, which no one else uses.
    """

    def __init__(self, lock_file: int):
        self.lock_file = lock_file
        self.state = threading.Lock()
        self.got_it = threading.Event()
        self.abandoned = False

    def wait(self) -> None:
        fcntl.flock(self.lock_file, fcntl.LOCK_EX)
        with self.state:
            if self.abandoned:
                fcntl.flock(self.lock_file, fcntl.LOCK_UN)
                os.close(self.lock_file)
                return
            self.got_it.set()

    def acquire(self, timeout: float) -> bool:
        threading.Thread(target=self.wait, name="sqlite-writer-wait", daemon=True).start()
        if self.got_it.wait(timeout):
            return True
        with self.state:
            if self.got_it.is_set():
                return True
            self.abandoned = True
            return False


class WriterQueue:
    """One writer at a time for a SQLite file, waiting at most `timeout` seconds.

    SQLite makes a waiting writer sleep and poll (1 ms, 2 ms, 5 ms ... 100 ms), so under load the
    database sits idle while writers sleep. Writers in this process queue on a thread lock, and
    writers in other processes (gunicorn workers, the email worker) on an OS file lock beside the
    database; both hand over the moment the last writer is done.
    """

    def __init__(self, lock_path: str | None, timeout: float):
        self.lock_path = lock_path
        self.timeout = timeout
        self.thread_lock = threading.Lock()

    def acquire(self) -> int | None:
        """Wait for the write lock; returns the file that holds it (None for a database in memory)."""
        deadline = time.monotonic() + self.timeout
        if not self.thread_lock.acquire(timeout=self.timeout):
            raise DatabaseBusy(self.timeout)
        if self.lock_path is None:
            return None
        lock_file = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock_file
        except BlockingIOError:
            pass
        except BaseException:
            os.close(lock_file)
            self.thread_lock.release()
            raise
        if _FileLockWaiter(lock_file).acquire(max(deadline - time.monotonic(), 0)):
            return lock_file
        self.thread_lock.release()  # the abandoned waiter closes lock_file once it gets the lock
        raise DatabaseBusy(self.timeout)

    def release(self, lock_file: int | None) -> None:
        if lock_file is not None:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
            os.close(lock_file)
        self.thread_lock.release()


def install_sqlite_transaction_control(engine: Engine, busy_timeout: float) -> WriterQueue | None:
    """Make SQLite transactions begin as reads or as writes, and refuse writes in a read.

    pysqlite's own BEGIN is deferred and issued behind our back; we turn that off and issue
    BEGIN ourselves: BEGIN IMMEDIATE, after queueing for the write lock, when the connection was
    asked for with the write option (begin_write), plain BEGIN otherwise.
    """
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:")
    queue = WriterQueue(f"{database}-writers" if on_disk else None, busy_timeout)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # A fallback for writers outside this app (the sqlite3 shell): they do not queue with us.
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if on_disk:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    def release(info) -> None:
        if info.pop("writers_locked", False):
            queue.release(info.pop("writers_lock_file", None))

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        info = connection.connection.info
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            connection.info["sqlite_read_only"] = True
            return
        if not info.get("writers_locked"):
            info["writers_lock_file"] = queue.acquire()
            info["writers_locked"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(info)
            raise

    @event.listens_for(engine, "before_cursor_execute")
    def refuse_write_in_read(connection, cursor, statement, parameters, context, executemany):
        if connection.info.get("sqlite_read_only") and not statement.lstrip()[:9].upper().startswith(NOT_WRITES):
            raise ReadOnlyTransaction(
                "This transaction began read-only, so it cannot write. Start it with begin_write() or writing(). "
                f"Statement: {statement[:120]}"
            )

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection):
        connection.info.pop("sqlite_read_only", None)

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        # The transaction has committed or rolled back by the time the connection comes back.
        release(record.info)

    @event.listens_for(engine, "close")
    def on_close(_dbapi_connection, record):
        release(record.info)

    return queue


def _plain(session: Session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def in_write_transaction(session: Session) -> bool:
    session = _plain(session)
    return session.in_transaction() and session.info.get("write_transaction", False)


def begin_write(session: Session) -> None:
    """Start a transaction that will write, holding SQLite's write lock from the start.

    A read-only transaction the caller left open is ended first, so that the write lock is
    taken before anything is read; unsaved changes would be lost that way, so they are refused.
    On PostgreSQL this only starts the transaction; rows are locked with SELECT ... FOR UPDATE.
    """
    session = _plain(session)
    if in_write_transaction(session):
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() needs a session with no unsaved changes")
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    session.info["write_transaction"] = True


@contextmanager
def writing(session: Session):
    """One write transaction: begun as a write, committed once at the end, rolled back whole on any error.

    Used inside another `writing` block, it joins that transaction, which commits at its own end.
    """
    session = _plain(session)
    if in_write_transaction(session):
        yield session
        return
    begin_write(session)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


@contextmanager
def write_connection(engine: Engine):
    """A Core connection in a write transaction, for work outside the ORM (tests, bulk loads)."""
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        yield connection


@event.listens_for(Session, "after_transaction_end")
def _end_write_transaction(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("write_transaction", None)


def render_migration_item(type_, obj, autogen_context):
    """Write UTCDateTime columns into migrations as plain DateTime, so they never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def only_this_database(dialect_name: str):
    """An Alembic include_object hook: leave out of the comparison what the models create on another
    database only (an index with ddl_if(dialect="postgresql"), say), so SQLite does not miss it."""

    def include(obj, name, type_, reflected, compare_to):
        ddl_if = getattr(obj, "_ddl_if", None)
        return reflected or ddl_if is None or ddl_if.dialect in (None, dialect_name)

    return include
