"""How many bookings a second POST /dates/<id>/book takes, and whether any place is sold twice.

Makes a fresh database (SQLite unless --database-url names a PostgreSQL one), runs the migrations,
adds one published course date (capacity 500 by default) and starts gunicorn with CSRF off and
plain-HTTP cookies. Then N different people (1000 by default) post the booking form at once from
many client threads. A 302 to /bookings/check-your-email is a booking (a place or the waiting list,
held until the person confirms their address by the link emailed to them). Afterwards the database
must hold min(N, capacity) bookings with a place, equal to the date's places_taken, and the rest
waiting. Goal: at least 200 bookings a second on SQLite.

Workers: 2 sync workers by default, one per core. Each booking is CPU-bound Python inside one
write transaction that holds the date's lock (SQLite's single write lock via BEGIN IMMEDIATE;
FOR UPDATE on PostgreSQL). Threads (--worker-class gthread --threads 4) add no CPU, only more
writers queueing on that lock under one GIL per process, and SQLite's busy handler waits by
sleeping: in our runs gthread was slower on both databases. Compare with --workers 1 or 4.

    .venv/bin/python bench/booking_rate.py [--requests 1000] [--capacity 500] [--clients 32]
                                           [--database-url URL] [--worker-class gthread --threads 4]
"""

import argparse
from collections import Counter
from urllib.parse import urlencode

from _common import (
    BenchError,
    LoadResult,
    Workspace,
    cpu_note,
    describe_database,
    drive,
    flask_cli,
    get_request,
    is_postgres,
    measure_cpu,
    prepare_database,
    run,
    server_env,
)

GOAL_RATE = 200.0
EXIT_ERROR = 1
EXIT_OVERSOLD = 2


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="booking POSTs, one per person (default 1000)")
    parser.add_argument("--capacity", type=int, default=500, help="places on the course date (default 500)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client threads (default 32)")
    parser.add_argument(
        "--processes", type=int, default=2, help="processes the client threads are spread over (default 2)"
    )
    parser.add_argument(
        "--duration", type=float, default=60.0, help="stop sending after this many seconds (default 60)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class: sync or gthread (default sync)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to wipe and use (name must start with 'bench'); default SQLite"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, gunicorn logs)")
    args = parser.parse_args(argv)
    if min(args.requests, args.clients, args.processes, args.workers, args.threads) < 1 or args.capacity < 0:
        parser.error("--requests, --clients, --processes, --workers and --threads must be positive")
    if args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def make_app(database_url: str):
    """The app, bound to the bench database, for the setup and the checks (not for serving)."""
    from app import create_app

    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-setup"})


def add_course_date(app, capacity: int) -> int:
    """One published two-day date, a month ahead, bookable now, made by the test factories."""
    from app.extensions import db
    from tests.factories import make_date

    with app.app_context():
        date_id = make_date(db.session, capacity=capacity).id
        db.session.remove()
        # No pooled connection may cross the fork of the load generator.
        db.engine.dispose()
    return date_id


def booking_form(number: int) -> dict:
    """What person `number` types into the form."""
    from tests.factories import booking_form as typed_form

    return typed_form(full_name=f"Bench Person {number}", email=f"bench.person{number}@example.org")


def booking_requests(date_id: int):
    path = f"/dates/{date_id}/book"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}

    def make(index: int):
        return ("POST", path, urlencode(booking_form(index)).encode(), headers)

    return make


def bookings_answered(result: LoadResult) -> int:
    """How many answers were the page that follows a booking ("check your email"). The booking's link is
    only ever in the email, so the answers carry none."""
    return sum(1 for location in result.locations if location.rstrip("/").endswith("/bookings/check-your-email"))


def check_database(database_url: str, date_id: int, capacity: int, booked: int):
    """Compare the database with what the clients were told. Returns (exit code, lines to print).

    Plain SQL on the tables, so the check does not rely on the app's own models.
    """
    import sqlalchemy as sa

    from config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_url))
    where = "WHERE course_date_id = :date_id"
    try:
        with engine.connect() as connection:

            def query(sql: str):
                return connection.execute(sa.text(sql), {"date_id": date_id})

            places_taken = query("SELECT places_taken FROM course_date WHERE id = :date_id").scalar_one()
            counts = Counter(dict(query(f"SELECT status, count(*) FROM booking {where} GROUP BY status").all()))
            distinct = query(
                "SELECT count(DISTINCT email_key), count(DISTINCT reference), count(DISTINCT manage_token) "
                f"FROM booking {where}"
            ).one()
            queue_jumped = query(
                f"SELECT count(*) FROM booking {where} AND status = 'waiting' AND queued_at < "
                f"(SELECT max(queued_at) FROM booking {where} AND status = 'confirmed')"
            ).scalar_one()
    finally:
        engine.dispose()

    confirmed, waiting = counts["confirmed"], counts["waiting"]
    total = sum(counts.values())
    expected_confirmed = min(booked, capacity)
    lines = [
        f"  database: {confirmed} confirmed, {waiting} waiting, places_taken {places_taken}, capacity {capacity}",
        f"  expected: {expected_confirmed} confirmed, {booked - expected_confirmed} waiting (from {booked} bookings)",
    ]
    if queue_jumped:
        lines.append(
            f"  note: {queue_jumped} waiting booking(s) were queued (queued_at) before the last confirmed one "
            "(the time is taken before the write lock)"
        )
    if confirmed > capacity or places_taken > capacity or confirmed > places_taken:
        lines.append(
            "!!! OVERSOLD !!! "
            f"{confirmed} confirmed bookings for {places_taken} places counted and a capacity of {capacity}"
        )
        return EXIT_OVERSOLD, lines
    problems = []
    if confirmed != expected_confirmed or places_taken != confirmed:
        problems.append("confirmed bookings do not match min(bookings, capacity) and places_taken")
    if waiting != booked - expected_confirmed or total != booked:
        problems.append(f"{total} bookings stored for {booked} booked answers")
    if not (distinct[0] == distinct[1] == distinct[2] == total):
        problems.append(f"duplicate people, references or tokens: {tuple(distinct)} distinct of {total}")
    if problems:
        lines += [f"MISMATCH: {problem}" for problem in problems]
        return EXIT_ERROR, lines
    lines.append("  check: every answer is stored once; no place sold twice")
    return 0, lines


def main(argv=None) -> int:
    args = parse_args(argv)
    with Workspace(keep=args.keep) as workspace:
        database_url = prepare_database(args.database_url, workspace.path)
        env = server_env(database_url, workspace.path, WTF_CSRF_ENABLED="false")
        flask_cli(env, "db", "upgrade")
        app = make_app(database_url)
        date_id = add_course_date(app, args.capacity)
        server = workspace.start(
            "app",
            "wsgi:app",
            env,
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            ready_path=f"/dates/{date_id}",
        )
        workers = f"{args.workers} {args.worker_class} workers" + (
            f" x {args.threads} threads" if args.threads > 1 else ""
        )
        print(
            f"booking_rate: {describe_database(database_url)}; gunicorn {workers}; {args.requests} POSTs from "
            f"{args.clients} client threads in {args.processes} processes; capacity {args.capacity}"
        )
        # Warm both workers up on the booking form page (this books nothing).
        warm = drive(
            server.port,
            get_request(f"/dates/{date_id}/book"),
            clients=args.clients,
            processes=args.processes,
            total=10**9,
            duration=1.0,
        )
        if warm.errors or set(warm.statuses) - {200}:
            raise BenchError(f"warm-up: {dict(warm.statuses)} {dict(warm.errors)}\n{server.log_tail()}")
        result = measure_cpu(
            server,
            lambda: drive(
                server.port,
                booking_requests(date_id),
                clients=args.clients,
                processes=args.processes,
                total=args.requests,
                duration=args.duration,
                keep_locations=True,
            ),
        )
        log_tail = server.log_tail()
        server.stop()

        booked = bookings_answered(result)
        rate = booked / result.elapsed
        other = result.completed - booked
        errors = f"; errors {dict(result.errors)}" if result.errors else ""
        print(
            f"  {booked} booked in {result.elapsed:.2f} s = {rate:.1f} bookings/s; {result.latency_text()}; "
            f"statuses {dict(sorted(result.statuses.items()))}{errors}"
        )
        print(f"  {cpu_note(result)}")
        code, lines = check_database(database_url, date_id, args.capacity, booked)
        print("\n".join(lines))
    unsent = args.requests - result.completed - sum(result.errors.values())
    if other or result.errors:
        print(f"ERROR: {other} answers were not a booking and {sum(result.errors.values())} requests failed")
        print(log_tail)
        code = code or EXIT_ERROR
    elif unsent:
        print(f"NOTE: stopped by --duration with {unsent} requests not sent")
    goal = "" if not is_postgres(database_url) else " (the goal is set for SQLite)"
    met = rate >= GOAL_RATE
    print(f"GOAL {'MET' if met else 'NOT MET'}: {rate:.0f} bookings/s, goal >= {GOAL_RATE:.0f}{goal}")
    return code


if __name__ == "__main__":
    run(main)
