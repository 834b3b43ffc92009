"""How fast the reports page, its spreadsheets and the past dates list are with 1,000 dates and 50,000 bookings.

Loads the large data set of admin_pages.py (1,000 dates x 50 bookings, a fifth of the dates in the past with
their registers, feedback from half of those who came and certificates for most of those) into a fresh,
migrated database (SQLite unless --database-url names a PostgreSQL one). Then, in this process, a Flask
test client signed in as an admin asks, after untimed warm-up requests:

- the report for this financial year (about a third of the dates) and for every date loaded;
- two of its spreadsheets for every date: the attendance (a few rows, but the whole report is counted)
  and what people said (every quote);
- the past dates list (with attended, completed, feedback and certificates for each date).

It prints the median and 95th percentile of each, and the SQL statements per request.
Goal: the report under 200 ms at the median.

    .venv/bin/python bench/reports.py [--dates 1000] [--per-date 50] [--requests 30] [--database-url URL]
"""

import argparse
from datetime import UTC, datetime, timedelta

from _common import Workspace, describe_database, migrate_in_process, prepare_database, run
from admin_pages import load_data, make_app, measure, signed_in_client

GOAL_MS = 200.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", type=int, default=1000, help="course dates (default 1000)")
    parser.add_argument("--per-date", type=int, default=50, help="bookings per date (default 50)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default 3)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to wipe and use (name must start with 'bench'); default SQLite"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (the SQLite database)")
    args = parser.parse_args(argv)
    if min(args.dates, args.per_date, args.requests) < 1 or args.warmup < 0:
        parser.error("the numbers of dates, bookings and requests must be positive")
    return args


def period(first, last) -> str:
    """The query string of a report for the days from first to last."""
    return f"start={first.day}&start={first.month}&start={first.year}&end={last.day}&end={last.month}&end={last.year}"


def main(argv=None) -> int:
    args = parse_args(argv)
    with Workspace(keep=args.keep) as workspace:
        database_url = prepare_database(args.database_url, workspace.path)
        app = make_app(database_url)
        migrate_in_process(app)
        loaded = load_data(app, args.dates, args.per_date)
        client = signed_in_client(app)
        # load_data puts the first days from a fifth of the dates ago, one a day.
        today = datetime.now(UTC).date()
        every_date = period(today - timedelta(days=args.dates // 5 + 1), today + timedelta(days=args.dates))
        timed = (args.requests, args.warmup)
        results = [
            measure(app, client, "report, this year", ["/admin/reports"], *timed, "Attendance on dates that have"),
            measure(app, client, "report, all dates", [f"/admin/reports?{every_date}"], *timed, "Places and bookings"),
            measure(
                app, client, "CSV, attendance", [f"/admin/reports/attendance.csv?{every_date}"], *timed, "Figure,Number"
            ),
            measure(app, client, "CSV, quotes", [f"/admin/reports/quotes.csv?{every_date}"], *timed, "Question,Who"),
            measure(app, client, "past dates", ["/admin/dates/past"], *timed, "Certificates issued"),
        ]
        from app.extensions import db

        with app.app_context():
            db.engine.dispose()

    print(
        f"reports: {describe_database(database_url)}; {loaded.dates} dates x {loaded.per_date} bookings = "
        f"{loaded.bookings} bookings, loaded in {loaded.seconds:.1f} s; in-process Flask test client signed in "
        f"as an admin; {args.requests} timed requests each after {args.warmup} untimed"
    )
    print(f"  {'page':<18} {'median':>9} {'p95':>9} {'execute':>9} {'queries':>8} {'size':>7}")
    for r in results:
        print(
            f"  {r.name:<18} {r.median_ms:>6.1f} ms {r.p95_ms:>6.1f} ms {r.sql_median_ms:>6.1f} ms "
            f"{r.queries:>8} {r.size / 1024:>4.0f} kB"
        )
    reports = [r for r in results if r.name.startswith("report")]
    met = all(r.median_ms < GOAL_MS for r in reports)
    print(f"GOAL {'MET' if met else 'NOT MET'}: the report under {GOAL_MS:.0f} ms at the median (this year, all dates)")
    return 0


if __name__ == "__main__":
    run(main)
