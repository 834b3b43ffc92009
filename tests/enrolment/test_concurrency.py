"""A place is never given twice, even when many people book at the same moment.

These tests use real threads, each with its own connection to the real database
(SQLite file or PostgreSQL, whichever DATABASE_URL names).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app.enrolment.bookings import cancel_booking
from app.extensions import db
from app.models import Booking, BookingStatus, CourseDate
from tests.factories import booked, details, make_date

BOOKERS = 50


def summary(result):
    """What a booking call gave, read while its session is still open."""
    return {"id": result.booking.id, "status": result.booking.status, "position": result.waiting_position}


def run_together(app, count, work):
    """Run `work(index)` in `count` threads released at the same moment; return results or errors."""
    barrier = threading.Barrier(count)

    def one(index):
        with app.app_context():
            barrier.wait()
            try:
                return work(index)
            except Exception as error:  # noqa: BLE001 - the test reports every failure
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def counts(session, course_date_id):
    session.rollback()  # end this thread's read snapshot to see what the others committed
    rows = session.execute(
        sa.select(Booking.status, sa.func.count(Booking.id))
        .where(Booking.course_date_id == course_date_id)
        .group_by(Booking.status)
    )
    return dict(rows.all())


def test_last_five_places_go_to_exactly_five_of_fifty_concurrent_bookers(app, session):
    course_date = make_date(session, capacity=25)
    date_id = course_date.id  # read once: the object belongs to this thread's session
    for _ in range(20):
        booked(session, course_date.id, details())
    people = [details() for _ in range(BOOKERS)]

    results = run_together(app, BOOKERS, lambda i: summary(booked(db.session, date_id, people[i])))

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert sum(r["status"] == BookingStatus.CONFIRMED for r in results) == 5
    assert counts(session, course_date.id) == {BookingStatus.CONFIRMED: 25, BookingStatus.WAITING: 45}
    assert session.get(CourseDate, date_id).places_taken == 25
    positions = sorted(r["position"] for r in results if r["status"] == BookingStatus.WAITING)
    assert positions == list(range(1, 46))


def test_one_person_clicking_book_many_times_at_once_gets_one_booking(app, session):
    course_date = make_date(session, capacity=10)
    date_id = course_date.id  # read once: the object belongs to this thread's session
    person = details(email="double.clicker@example.org")

    results = run_together(
        app, 10, lambda i: summary(booked(db.session, date_id, person, submission_key="same-form-key-1234"))
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert len({r["id"] for r in results}) == 1
    assert counts(session, course_date.id) == {BookingStatus.CONFIRMED: 1}


def test_cancellations_and_bookings_at_once_never_overfill_the_date(app, session):
    course_date = make_date(session, capacity=10)
    date_id = course_date.id  # read once: the object belongs to this thread's session
    holders = [booked(session, course_date.id, details()).booking for _ in range(10)]
    tokens = [b.manage_token for b in holders]
    newcomers = [details() for _ in range(20)]

    def work(index):
        if index < 10:
            return cancel_booking(db.session, tokens[index]).changed
        return summary(booked(db.session, date_id, newcomers[index - 10]))

    results = run_together(app, 30, work)

    assert [r for r in results if isinstance(r, Exception)] == []
    by_status = counts(session, course_date.id)
    assert by_status[BookingStatus.CONFIRMED] == 10
    assert by_status[BookingStatus.CANCELLED] == 10
    assert by_status.get(BookingStatus.WAITING, 0) == 10
    assert session.get(CourseDate, date_id).places_taken == 10
