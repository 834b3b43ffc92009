"""How long the training team waits to check and to book a list of 200 people from a spreadsheet.

Loads the data set of admin_pages.py (default 1,000 dates x 50 bookings) into a fresh, migrated database
(SQLite unless --database-url names a PostgreSQL one), then, in this process, a Flask test client signed
in as an admin, for each run, on a new date with 200 places:

- uploads a CSV of 200 new people: read, every row checked (each against the bookings of the course), and
  the check page shown;
- presses "Book them all": checked again with the date locked, then 200 bookings, their emails (confirmation
  with calendar invite) and audit entries written in one transaction.

It prints the median and the slowest of each, and the SQL statements per request.
Goal: each under 2 s at the median (a person waits for each page once).

    .venv/bin/python bench/cohort_import.py [--dates 1000] [--per-date 50] [--runs 5] [--people 200]
"""

import argparse
import csv
import io
import re
import statistics
import time
from datetime import UTC, datetime, timedelta

from _common import BenchError, Workspace, describe_database, migrate_in_process, prepare_database, run
from admin_pages import QueryCounter, load_data, make_app, signed_in_client

GOAL_SECONDS = 2.0
COLUMNS = ("Full name", "Email", "Job title", "Organisation", "Area of work", "Council area", "Manager name",
           "Manager email")  # fmt: skip


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", type=int, default=1000, help="course dates loaded first (default 1000)")
    parser.add_argument("--per-date", type=int, default=50, help="bookings per date (default 50)")
    parser.add_argument("--runs", type=int, default=5, help="lists checked and booked (default 5)")
    parser.add_argument("--people", type=int, default=200, help="people in each list (default 200, the most)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to wipe and use (name must start with 'bench'); default SQLite"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (the SQLite database)")
    args = parser.parse_args(argv)
    if min(args.dates, args.per_date, args.runs, args.people) < 1 or args.people > 200:
        parser.error("the numbers must be positive, and at most 200 people")
    return args


def new_date(app, places: int) -> int:
    """A published date 60 days ahead of an existing course and venue, with room for the whole list."""
    import sqlalchemy as sa

    from app.database import writing
    from app.extensions import db
    from app.models import LONDON, CourseDate, CourseDay, DateStatus

    with app.app_context():
        template = db.session.scalar(sa.select(CourseDate).order_by(CourseDate.id).limit(1))
        first = datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=60)
        with writing(db.session):
            course_date = CourseDate(
                course_id=template.course_id,
                venue_id=template.venue_id,
                capacity=places,
                status=DateStatus.PUBLISHED,
                booking_closes_at=datetime.now(UTC) + timedelta(days=50),
                days=[
                    CourseDay(
                        day=first + timedelta(days=n),
                        start_time=template.days[0].start_time,
                        end_time=template.days[0].end_time,
                    )
                    for n in (0, 1)
                ],  # fmt: skip
            )
            db.session.add(course_date)
        return course_date.id


def spreadsheet(run_number: int, people: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(people):
        writer.writerow([f"Bench Person {run_number}-{n}", f"bench.{run_number}.{n}@example.org", "Social worker",
                         "Carlisle Early Help team", "Early help", "Cumberland", "Alex Manager",
                         "alex.manager@example.org"])  # fmt: skip
    return out.getvalue().encode()


def timed(counter, client, path: str, **request):
    """POST once, with the time taken and the SQL statements sent."""
    counter.reset()
    counter.on = True
    started = time.perf_counter()
    response = client.post(path, **request)
    elapsed = time.perf_counter() - started
    counter.on = False
    return response, elapsed, len(counter.statements)


def main(argv=None) -> int:
    args = parse_args(argv)
    with Workspace(keep=args.keep) as workspace:
        database_url = prepare_database(args.database_url, workspace.path)
        app = make_app(database_url)
        migrate_in_process(app)
        loaded = load_data(app, args.dates, args.per_date)
        client = signed_in_client(app)
        from app.extensions import db

        with app.app_context():
            counter = QueryCounter(db.engine)
        checks, books = [], []
        for number in range(args.runs):
            date_id = new_date(app, args.people)
            data = spreadsheet(number, args.people)
            response, seconds, queries = timed(
                counter,
                client,
                f"/admin/dates/{date_id}/cohort",
                data={"file": (io.BytesIO(data), "people.csv"), "send_emails": "yes"},
                content_type="multipart/form-data",
            )
            page = response.get_data(as_text=True)
            if response.status_code != 200 or "Check before you book" not in page:
                raise BenchError(f"the upload answered {response.status_code}")
            checks.append((seconds, queries))
            hidden = dict(re.findall(r'name="(cohort|send_emails)" type="hidden" value="([^"]*)"', page))
            response, seconds, queries = timed(counter, client, f"/admin/dates/{date_id}/cohort/book", data=hidden)
            if response.status_code != 302 or not response.location.endswith(f"/admin/dates/{date_id}"):
                raise BenchError(f"booking answered {response.status_code} {response.location}")
            books.append((seconds, queries))
        counter.remove()
        with app.app_context():
            db.engine.dispose()

    print(
        f"cohort import: {describe_database(database_url)}; {loaded.bookings} bookings loaded first; "
        f"{args.runs} lists of {args.people} people, each on a new date; in-process Flask test client"
    )
    missed = False
    for name, results in (("check (upload)", checks), ("book them all", books)):
        seconds = [s for s, _ in results]
        queries = sorted({q for _, q in results})
        median = statistics.median(seconds)
        missed |= median > GOAL_SECONDS
        print(f"  {name:<15} median {median * 1000:7.0f} ms  slowest {max(seconds) * 1000:7.0f} ms  "
              f"queries {queries[0]}{'' if len(queries) == 1 else f'-{queries[-1]}'}")  # fmt: skip
    print(f"goal: each under {GOAL_SECONDS:g} s at the median: {'MISSED' if missed else 'met'}")
    return 0


if __name__ == "__main__":
    run(main)
