"""SQLite transaction control: writers queue one at a time, give up after the timeout, and a read never writes.

These tests make their own SQLite file and engine, so they run the same whichever database the
rest of the suite uses.
"""

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.database import (
    DatabaseBusy,
    ReadOnlyTransaction,
    begin_write,
    install_sqlite_transaction_control,
    write_connection,
    writing,
)

COUNTER = sa.table("counter", sa.column("id", sa.Integer), sa.column("value", sa.Integer))


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'layer.sqlite3'}")
    install_sqlite_transaction_control(engine, busy_timeout=1)
    with write_connection(engine) as connection:
        connection.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        connection.exec_driver_sql("INSERT INTO counter (id, value) VALUES (1, 0)")
    yield engine
    engine.dispose()


def value(engine) -> int:
    with Session(engine) as session:
        return session.scalar(sa.select(COUNTER.c.value))


def test_writers_in_many_threads_take_turns_so_no_increment_is_lost(engine):
    """Each writer reads the value and writes it back plus one: only one at a time can do so."""
    engine.pool.dispose()
    slow = 0.002

    def add_one():
        with Session(engine) as session, writing(session):
            current = session.scalar(sa.select(COUNTER.c.value))
            time.sleep(slow)  # give a second writer every chance to read the same value
            session.execute(sa.update(COUNTER).values(value=current + 1))

    threads = [threading.Thread(target=add_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert value(engine) == 20


def test_a_second_writer_gives_up_after_the_busy_timeout_with_a_clear_error(engine):
    holder = Session(engine)
    begin_write(holder)
    holder.execute(sa.update(COUNTER).values(value=5))
    outcome = {}

    def second_writer():
        with Session(engine) as session:
            try:
                with writing(session):
                    session.execute(sa.update(COUNTER).values(value=99))
            except DatabaseBusy as error:
                outcome["error"] = error

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the second writer is still waiting"
    assert "held the database for more than 1 seconds" in str(outcome["error"])
    holder.commit()
    holder.close()
    assert value(engine) == 5
    with Session(engine) as session, writing(session):  # the lock is free again afterwards
        session.execute(sa.update(COUNTER).values(value=6))
    assert value(engine) == 6


def test_a_write_in_a_transaction_that_began_read_only_is_refused(engine):
    with Session(engine) as session:
        session.scalar(sa.select(COUNTER.c.value))  # a read-only transaction, with its snapshot
        with pytest.raises(ReadOnlyTransaction, match="began read-only"):
            session.execute(sa.update(COUNTER).values(value=7))
        session.rollback()
    assert value(engine) == 0


def test_a_read_then_a_write_works_when_the_write_is_declared(engine):
    with Session(engine) as session:
        before = session.scalar(sa.select(COUNTER.c.value))
        with writing(session):  # ends the read, takes the write lock, then reads again
            current = session.scalar(sa.select(COUNTER.c.value))
            session.execute(sa.update(COUNTER).values(value=current + 1))
    assert (before, value(engine)) == (0, 1)


def test_a_refused_operation_inside_writing_writes_nothing(engine):
    with Session(engine) as session, pytest.raises(ValueError):
        with writing(session):
            session.execute(sa.update(COUNTER).values(value=42))
            raise ValueError("a rule said no")
    assert value(engine) == 0


def test_writing_inside_writing_joins_the_one_transaction(engine):
    with Session(engine) as session, pytest.raises(ValueError):
        with writing(session):
            with writing(session):
                session.execute(sa.update(COUNTER).values(value=3))
            assert session.in_transaction()  # the inner block did not commit
            raise ValueError("the outer operation fails after all")
    assert value(engine) == 0


def test_begin_write_refuses_to_drop_unsaved_changes(engine):
    metadata = sa.MetaData()
    table = sa.Table("counter", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("value", sa.Integer))

    class Counter:
        pass

    registry = sa.orm.registry(metadata=metadata)
    registry.map_imperatively(Counter, table)
    with Session(engine) as session:
        counter = session.get(Counter, 1)
        counter.value = 10  # changed while only reading
        with pytest.raises(RuntimeError, match="no unsaved changes"):
            begin_write(session)
    registry.dispose()


def test_a_booking_while_another_writer_holds_the_database_too_long_gets_a_plain_503(app, client, session):
    from app.extensions import db
    from app.models import Booking
    from tests.factories import booking_form, make_date

    writers = app.extensions.get("sqlite_writers")
    if writers is None:
        pytest.skip("PostgreSQL has no single write lock to wait for")
    course_date = make_date(session)
    saved, writers.timeout = writers.timeout, 0.5
    holder = Session(db.engine)
    try:
        begin_write(holder)
        response = client.post(f"/dates/{course_date.id}/book", data=booking_form())
    finally:
        holder.rollback()
        holder.close()
        writers.timeout = saved
    assert response.status_code == 503
    assert "Sorry, the service is busy" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0
