"""How fast the admin dashboard and a date's booking list are with a lot of data, and how many SQL
queries each needs.

Makes a fresh database (SQLite unless --database-url names a PostgreSQL one), runs the migrations
and bulk-loads 1,000 course dates with 50 bookings each (50,000 bookings: on every date some are on
the waiting list and some have access or dietary needs), plus interest, emails (some failed) and
audit events. Then, in this process, a Flask test client signed in as an admin asks for
GET /admin/ (the dashboard), GET /admin/dates/<id> (a date's booking list), its people as a table and its
sign-in sheet (both sorted by surname), the past dates list
(plain and filtered), the search for a person (a name and a reference) and this month's calendar,
200 times each.
Each request's time is measured around the test client call (routing, views, SQL, templates;
no network or WSGI server), and its SQL statements are counted with a before_cursor_execute
listener on the app's engine.

The same is done first on a small data set (10 dates x 5 bookings): the number of queries per
page must be the same on both, so it does not grow with the number of rows.
Goals: the query count is constant, and each page takes under 100 ms at the median.

    .venv/bin/python bench/admin_pages.py [--dates 1000] [--per-date 50] [--requests 200]
                                          [--database-url URL] [--show-queries]
"""

import argparse
import itertools
import secrets
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from _common import BenchError, Workspace, describe_database, is_postgres, migrate_in_process, prepare_database, run

GOAL_MEDIAN_MS = 100.0
# The report reads a whole year of bookings, registers and feedback: it may take longer.
GOALS_MS = {"report": 200.0}
GOAL_CERTIFICATE_MS = 1000.0
ADMIN_EMAIL = "bench.admin@example.org"
ADMIN_PASSWORD = "bench admin password"
# Two with accents, stored as they are written: the search is asked for them without (sian, zoe).
FIRST_NAMES = ("Aoife", "Ben", "Cai", "Dee", "Eli", "Ffion", "Siân", "Zoë")
ACCESS_CHOICES = (["hearing_loop"], ["step_free", "parking"], ["large_print"], ["breaks", "other"])
EXIT_ERROR = 1


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", type=int, default=1000, help="course dates in the large data set (default 1000)")
    parser.add_argument("--per-date", type=int, default=50, help="bookings per date, large data set (default 50)")
    parser.add_argument("--small-dates", type=int, default=10, help="course dates, small data set (default 10)")
    parser.add_argument("--small-per-date", type=int, default=5, help="bookings per date, small data set (default 5)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first (default 10)")
    parser.add_argument("--report-requests", type=int, default=30, help="timed requests of the report (default 30)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to wipe and use (name must start with 'bench'); default SQLite"
    )
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one request to each page")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (the SQLite databases)")
    args = parser.parse_args(argv)
    if min(args.dates, args.per_date, args.small_dates, args.small_per_date, args.requests) < 1 or args.warmup < 0:
        parser.error("the numbers of dates, bookings and requests must be positive")
    return args


PAST_YEAR = datetime.now(UTC).year
# A week of the audit log a year ago.
AUDIT_WEEK = datetime.now(UTC).date() - timedelta(days=365)


def bench_reference(n: int) -> str:
    """A reference in the service's own form (SOS- and five of its letters and digits), different for each n."""
    from app.enrolment.bookings import REFERENCE_ALPHABET, REFERENCE_LENGTH

    digits = []
    for _ in range(REFERENCE_LENGTH):
        n, digit = divmod(n, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[digit])
    return "SOS-" + "".join(reversed(digits))


# --- the data ---------------------------------------------------------------------------------------


@dataclass
class Loaded:
    dates: int
    bookings: int
    seconds: float
    # Dates from today on, with bookings, whose lists we ask for.
    sample_date_ids: list[int]
    per_date: int
    capacity: int


def make_app(database_url: str):
    from app import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-" + secrets.token_hex(16),
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "PREFERRED_URL_SCHEME": "http",
            "MAIL_SERVER": None,
            "LOG_LEVEL": "WARNING",
        }
    )


def load_data(app, dates: int, per_date: int) -> Loaded:
    """Bulk-insert the records with SQLAlchemy (executemany), not through the booking rules.

    A fifth of the dates are in the past (the dashboard leaves them out, but its query still
    meets them). Each date has `per_date` bookings in queue order: the first 80% have a place,
    the rest wait. One booking in 4 has access needs, one in 6 dietary needs.
    """
    import sqlalchemy as sa

    from app.database import begin_write
    from app.extensions import db
    from app.models import (
        LONDON,
        Attendance,
        AttendanceMark,
        AuditEvent,
        Booking,
        BookingStatus,
        Certificate,
        CouncilArea,
        Course,
        CourseDate,
        CourseDay,
        DateStatus,
        Feedback,
        Interest,
        OutboxMessage,
        OutboxStatus,
        Role,
        Sector,
        StaffUser,
        Venue,
    )
    from app.models.folding import search_text
    from app.staff.passwords import hash_password

    started = time.perf_counter()
    now = datetime.now(UTC)
    today = now.astimezone(LONDON).date()
    capacity = max(1, per_date * 4 // 5)
    sectors, areas = list(Sector), list(CouncilArea)
    with app.app_context():
        session = db.session
        begin_write(session)  # one write transaction for the whole load, committed at the end
        session.add(
            StaffUser(
                email=ADMIN_EMAIL, name="Bench Admin", role=Role.ADMIN, password_hash=hash_password(ADMIN_PASSWORD)
            )
        )
        session.flush()
        admin_id = session.scalar(sa.select(StaffUser.id).where(StaffUser.email == ADMIN_EMAIL))
        course_ids = session.scalars(
            sa.insert(Course).returning(Course.id, sort_by_parameter_order=True),
            [
                {
                    "slug": f"course-{n}",
                    "title": f"Signs of Safety course {n}",
                    "summary": "Two days in person.",
                    "description": "The framework.",
                    "audience": "Everyone",
                    "in_person": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(3)
            ],
        ).all()
        venue_ids = session.scalars(
            sa.insert(Venue).returning(Venue.id, sort_by_parameter_order=True),
            [
                {
                    "name": f"Venue {n}",
                    "address": f"{n} High Street",
                    "town": "Carlisle",
                    "postcode": "CA3 8QG",
                    "step_free_access": n % 2 == 0,
                    "hearing_loop": True,
                    "accessible_toilets": True,
                    "parking": "",
                    "access_notes": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(10)
            ],
        ).all()
        first_days = [today + timedelta(days=n - dates // 5) for n in range(dates)]
        date_rows = [
            {
                "course_id": course_ids[n % len(course_ids)],
                "venue_id": venue_ids[n % len(venue_ids)],
                "capacity": capacity,
                "places_taken": min(per_date, capacity),
                "status": DateStatus.PUBLISHED,
                "booking_closes_at": datetime.combine(day - timedelta(days=3), clock(17), tzinfo=LONDON),
                "cancellation_reason": "",
                "created_at": now,
                "updated_at": now,
            }
            for n, day in enumerate(first_days)
        ]
        date_ids = session.scalars(
            sa.insert(CourseDate).returning(CourseDate.id, sort_by_parameter_order=True), date_rows
        ).all()
        session.execute(
            sa.insert(CourseDay.__table__),
            [
                {
                    "course_date_id": date_id,
                    "day": day + timedelta(days=d),
                    "start_time": clock(9, 30),
                    "end_time": clock(16, 30),
                }
                for date_id, day in zip(date_ids, first_days, strict=True)
                for d in (0, 1)
            ],
        )

        numbers = itertools.count(1)
        booking_rows = []
        for date_id, day in zip(date_ids, first_days, strict=True):
            opened = datetime.combine(day - timedelta(days=60), clock(9), tzinfo=UTC)
            for position in range(per_date):
                n = next(numbers)
                confirmed = position < capacity
                queued = opened + timedelta(minutes=position)
                booking_rows.append(
                    {
                        "reference": bench_reference(n),
                        "manage_token": secrets.token_urlsafe(32),
                        "submission_key": None,
                        "course_date_id": date_id,
                        "status": BookingStatus.CONFIRMED if confirmed else BookingStatus.WAITING,
                        "full_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Person{n}",
                        "email": f"person{n}@example.org",
                        "email_key": f"person{n}@example.org",
                        "phone": "",
                        "job_title": "Social worker",
                        "organisation": "Carlisle Early Help team",
                        "sector": sectors[n % len(sectors)],
                        "council_area": areas[n % len(areas)],
                        "manager_name": "Alex Manager",
                        "manager_email": "alex.manager@example.org",
                        "manager_agrees": True,
                        "access_needs": ACCESS_CHOICES[n % len(ACCESS_CHOICES)] if n % 4 == 0 else [],
                        "access_details": "A chair with arms" if n % 12 == 0 else "",
                        "dietary_needs": "Vegetarian" if n % 6 == 0 else "",
                        "queued_at": queued,
                        # Each person opened the link emailed to them (a booking until then is a hold, which
                        # the lists show apart and the reports leave out).
                        "email_checked_at": queued,
                        "confirmed_at": queued if confirmed else None,
                        "cancelled_at": None,
                        "anonymised_at": None,
                        "created_at": queued,
                        "updated_at": queued,
                    }
                )
                # Bulk inserts skip the model's events: fold the words for finding the person here.
                row = booking_rows[-1]
                parts = (row["full_name"], row["email_key"], row["organisation"], row["reference"])
                row["search_text"] = search_text(*parts)
        # No RETURNING here: SQLAlchemy splices the batches' returned rows together in quadratic time.
        session.execute(sa.insert(Booking.__table__), booking_rows)
        booked = session.execute(sa.select(Booking.id, Booking.email, Booking.queued_at).order_by(Booking.id)).all()

        # The register of every past date (a few absent or leaving early) and feedback from half of those
        # who came, so the reports count real attendance and scores.
        past_dates = {
            date_id for date_id, day in zip(date_ids, first_days, strict=True) if day + timedelta(days=1) < today
        }
        days = session.execute(
            sa.select(CourseDay.id, CourseDay.course_date_id).where(CourseDay.course_date_id.in_(past_dates))
        ).all()
        day_ids = {}
        for day_id, date_id in days:
            day_ids.setdefault(date_id, []).append(day_id)
        confirmed = session.execute(
            sa.select(Booking.id, Booking.course_date_id).where(
                Booking.course_date_id.in_(past_dates), Booking.status == BookingStatus.CONFIRMED
            )
        ).all()
        marks = [AttendanceMark.ATTENDED] * 8 + [AttendanceMark.LEFT_EARLY, AttendanceMark.ABSENT]
        session.execute(
            sa.insert(Attendance.__table__),
            [
                {"booking_id": booking_id, "course_day_id": day_id, "mark": marks[(booking_id + day_id) % 10],
                 "marked_at": now}
                for booking_id, date_id in confirmed
                for day_id in day_ids[date_id]
            ],
        )  # fmt: skip
        session.execute(
            sa.insert(Feedback.__table__),
            [
                {"booking_id": booking_id, "worked_well": "The scaling questions.", "worries": "",
                 "next_steps": "Practise with my team.", "confidence_before": booking_id % 6,
                 "confidence_after": 5 + booking_id % 6, "may_quote": booking_id % 4 == 0,
                 "quote_with_name": booking_id % 8 == 0, "created_at": now, "updated_at": now}
                for booking_id, _ in confirmed[::2]
            ],
        )  # fmt: skip
        # A certificate for most of those who gave feedback (the past dates list counts them).
        session.execute(
            sa.insert(Certificate.__table__),
            [
                {"booking_id": booking_id, "reference": f"CERT-{booking_id:08d}", "full_name": "A Person",
                 "course_title": "Signs of Safety course", "days": [], "hours": 14.0, "venue": "Venue, Carlisle",
                 "trainers": "", "issued_at": now}
                for booking_id, _ in confirmed[::2] if booking_id % 5
            ],
        )  # fmt: skip

        # One confirmation email per booking, sent; a few that failed (the dashboard lists 20).
        session.execute(
            sa.insert(OutboxMessage.__table__),
            [
                {
                    "kind": "booking_confirmed",
                    "dedupe_key": None,
                    "booking_id": booking_id,
                    "to_address": email,
                    "subject": "Your place on Signs of Safety training",
                    "context": {},
                    "message_id": f"<bench-{booking_id}@example.org>",
                    "status": OutboxStatus.FAILED if booking_id % 997 == 0 else OutboxStatus.SENT,
                    "attempts": 1,
                    "next_attempt_at": queued_at,
                    "locked_until": None,
                    "last_error": "550 mailbox unavailable" if booking_id % 997 == 0 else "",
                    "created_at": queued_at,
                    "sent_at": None if booking_id % 997 == 0 else queued_at,
                }
                for booking_id, email, queued_at in booked
            ],
        )
        session.execute(
            sa.insert(Interest.__table__),
            [
                {
                    "course_id": course_ids[n % len(course_ids)],
                    "full_name": f"Interested {n}",
                    "email": f"interested{n}@example.org",
                    "email_key": f"interested{n}@example.org",
                    "organisation": "",
                    "created_at": now,
                    "notified_at": None if n % 3 else now,
                }
                for n in range(max(10, dates * 2))
            ],
        )
        session.execute(
            sa.insert(AuditEvent.__table__),
            [
                {
                    "at": now,
                    "staff_user_id": None,
                    "actor": ADMIN_EMAIL,
                    "action": "capacity changed",
                    "subject_type": "course_date",
                    "subject_id": date_id,
                    "summary": f"Places set to {capacity}",
                }
                for date_id in date_ids[: max(10, dates // 2)]
            ],
        )
        session.execute(sa.insert(AuditEvent.__table__), booking_audit_rows(booked, now, admin_id))
        session.commit()
        if is_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
            # What autovacuum does soon after a large load: statistics, and the GIN indexes' pending
            # entries merged (until then the planner thinks the trigram indexes dear and reads the table).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        session.remove()
    upcoming = [date_id for date_id, day in zip(date_ids, first_days, strict=True) if day >= today]
    step = max(1, len(upcoming) // 20)
    return Loaded(
        dates=len(date_ids),
        bookings=len(booked),
        seconds=time.perf_counter() - started,
        sample_date_ids=upcoming[::step][:20],
        per_date=per_date,
        capacity=capacity,
    )


# --- the measurements -------------------------------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements sent on the app's engine while it is switched on, and the time
    spent in the database driver executing them (fetching rows is not included)."""

    def __init__(self, engine):
        import sqlalchemy as sa

        self.engine = engine
        self.statements: list[str] = []
        self.seconds = 0.0
        self.on = False
        self._started = 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.statements = []
        self.seconds = 0.0

    def _before(self, _connection, _cursor, statement, _parameters, _context, _executemany):
        if self.on:
            self.statements.append(statement)
            self._started = time.perf_counter()

    def _after(self, _connection, _cursor, _statement, _parameters, _context, _executemany):
        if self.on:
            self.seconds += time.perf_counter() - self._started

    def remove(self) -> None:
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


@dataclass
class PageResult:
    name: str
    path: str
    times: list[float] = field(default_factory=list)
    sql_times: list[float] = field(default_factory=list)
    query_counts: Counter = field(default_factory=Counter)
    verbs: Counter = field(default_factory=Counter)
    sample_sql: list[str] = field(default_factory=list)
    size: int = 0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def sql_median_ms(self) -> float:
        return statistics.median(self.sql_times) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000

    @property
    def queries(self) -> str:
        """The statements per request: one number when every request sent the same number."""
        counts = sorted(self.query_counts)
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"

    @property
    def verb_text(self) -> str:
        requests = sum(self.query_counts.values())
        return ", ".join(f"{verb} {count / requests:g}" for verb, count in self.verbs.most_common())


def signed_in_client(app):
    client = app.test_client()
    response = client.post("/admin/sign-in", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    if response.status_code != 302 or not response.location.endswith("/admin/"):
        raise BenchError(f"signing in answered {response.status_code} {response.location}")
    return client


def measure(app, client, name: str, paths: list[str], requests: int, warmup: int, expect: str) -> PageResult:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    counter = QueryCounter(engine)
    if len(paths) == 1:
        label = paths[0]
    elif "?" in paths[0]:
        label = paths[0].split("?")[0] + "?..."
    else:
        label = paths[0].rsplit("/", 1)[0] + "/<id>"
    result = PageResult(name, label)
    try:
        for index in range(warmup + requests):
            path = paths[index % len(paths)]
            counter.reset()
            counter.on = True
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            counter.on = False
            body = response.get_data(as_text=True)
            if response.status_code != 200 or expect not in body:
                raise BenchError(f"GET {path} answered {response.status_code} without {expect!r}")
            if index < warmup:
                continue
            result.times.append(elapsed)
            result.sql_times.append(counter.seconds)
            result.query_counts[len(counter.statements)] += 1
            result.verbs.update(statement.lstrip().split(None, 1)[0].upper() for statement in counter.statements)
            result.size = len(body)
            if not result.sample_sql:
                result.sample_sql = list(counter.statements)
    finally:
        counter.remove()
    return result


def booking_audit_rows(booked, now: datetime, admin_id: int) -> list[dict]:
    """The audit log of the bookings, about as the service writes it: each one confirmed by the person's link,
    one in 10 moved by the person, one in 25 cancelled by an admin; spread over two years, oldest first."""
    from app.core import audit

    rows = []
    spread = timedelta(days=730) / max(1, len(booked))
    for index, booking in enumerate(booked):
        at = now - timedelta(days=730) + spread * index
        reference = bench_reference(index + 1)
        rows.append(("booking confirmed", audit.PERSON_BOOKED, None, booking.id, at,
                     f"Confirmed {reference} by its email link"))  # fmt: skip
        if index % 10 == 0:
            rows.append(("booking moved", audit.PERSON_BOOKED, None, booking.id, at + spread / 3,
                         f"Moved booking {reference} from one date to another"))  # fmt: skip
        if index % 25 == 0:
            rows.append(("booking cancelled", ADMIN_EMAIL, admin_id, booking.id, at + spread / 2,
                         f"Cancelled booking {reference}"))  # fmt: skip
    keys = ("action", "actor", "staff_user_id", "subject_id", "at", "summary")
    return [dict(zip(keys, row, strict=True), subject_type="booking") for row in rows]


def run_data_set(database_url: str, dates: int, per_date: int, args) -> tuple[Loaded, list[PageResult]]:
    """A fresh database with this much data, then both pages measured."""
    app = make_app(database_url)
    migrate_in_process(app)
    loaded = load_data(app, dates, per_date)
    if not loaded.sample_date_ids:
        raise BenchError("no upcoming dates were loaded")
    client = signed_in_client(app)
    waiting = loaded.per_date - min(loaded.per_date, loaded.capacity)
    this_month = datetime.now(UTC).strftime("%Y-%m")
    results = [
        measure(app, client, "dashboard", ["/admin/"], args.requests, args.warmup, "Upcoming dates"),
        measure(
            app,
            client,
            "date's bookings",
            [f"/admin/dates/{date_id}" for date_id in loaded.sample_date_ids],
            args.requests,
            args.warmup,
            f"Waiting list ({waiting})",
        ),
        # The same people, sorted by surname (app.core.names) for the table and the sign-in sheet.
        measure(
            app,
            client,
            "people table",
            [f"/admin/dates/{date_id}/people" for date_id in loaded.sample_date_ids],
            args.requests,
            args.warmup,
            f"Waiting list ({waiting})",
        ),
        measure(
            app,
            client,
            "sign-in sheet",
            [f"/admin/dates/{date_id}/sign-in-sheet" for date_id in loaded.sample_date_ids],
            args.requests,
            args.warmup,
            "Sign in for each day",
        ),
        measure(app, client, "past dates", ["/admin/dates/past"], args.requests, args.warmup, "Past dates"),
        measure(
            app,
            client,
            "past, filtered",
            ["/admin/dates/past?course=1&venue=1", f"/admin/dates/past?year={PAST_YEAR}"],
            args.requests,
            args.warmup,
            "Past dates",
        ),
        # A name that matches one booking in 8, and a reference: the search looks at every booking.
        measure(app, client, "search, name", ["/admin/search?q=ffion"], args.requests, args.warmup, "found"),
        measure(
            app,
            client,
            "search, reference",
            [f"/admin/search?q={bench_reference(42)}"],
            args.requests,
            args.warmup,
            "1 booking found",
        ),
        # Without accents and in capitals: the names are stored as Siân and Zoë.
        measure(
            app,
            client,
            "search, accents",
            ["/admin/search?q=sian", "/admin/search?q=ZOE"],
            args.requests,
            args.warmup,
            "found",
        ),  # fmt: skip
        measure(
            app, client, "calendar", [f"/admin/calendar?month={this_month}"], args.requests, args.warmup, "Calendar"
        ),
        measure(
            app, client, "audit log", ["/admin/audit", "/admin/audit?page=50"], args.requests, args.warmup, "Audit log"
        ),  # fmt: skip
        measure(
            app,
            client,
            "audit, person",
            ["/admin/audit?person=sian", f"/admin/audit?person={bench_reference(42)}"],
            args.requests,
            args.warmup,
            "Audit log",
        ),  # fmt: skip
        measure(
            app,
            client,
            "audit, filters",
            [
                "/admin/audit?action=booking+moved",
                "/admin/audit?done_by=staff-1",
                "/admin/audit?done_by=worker",
                f"/admin/audit?start={AUDIT_WEEK}&end={AUDIT_WEEK + timedelta(days=6)}",
                f"/admin/audit?person=zoe&action=booking+moved&done_by=person&start={AUDIT_WEEK}",
            ],
            args.requests,
            args.warmup,
            "Audit log",
        ),  # fmt: skip
        # This financial year: a third of the dates, with the registers and feedback of the past ones.
        measure(app, client, "report", ["/admin/reports"], args.report_requests, args.warmup, "Places and bookings"),
    ]
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()
    return loaded, results


def time_certificate() -> float:
    """Median milliseconds to make one certificate's PDF with WeasyPrint (the first, which loads the fonts,
    left out)."""
    from app.after_course.certificate_pdf import certificate_pdf
    from app.models import Certificate

    app = make_app("sqlite://")
    certificate = Certificate(
        reference="CERT-7KX2QH9M", full_name="Siân Evans", course_title="Signs of Safety Two Day Introductory Training",
        days=["2026-12-22", "2026-12-23"], hours=14.0, venue="The Old Fire Station, Carlisle", trainers="Jo Trainer",
    )  # fmt: skip
    times = []
    with app.app_context(), app.test_request_context():
        for _ in range(11):
            started = time.perf_counter()
            certificate_pdf([certificate])
            times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1000


def main(argv=None) -> int:
    args = parse_args(argv)
    runs = []
    with Workspace(keep=args.keep) as workspace:
        for label, dates, per_date in (
            ("small", args.small_dates, args.small_per_date),
            ("large", args.dates, args.per_date),
        ):
            folder = workspace.path / label
            folder.mkdir()
            database_url = prepare_database(args.database_url, folder)
            loaded, results = run_data_set(database_url, dates, per_date, args)
            runs.append((label, loaded, results))

    print(
        f"admin_pages: {describe_database(database_url)}; in-process Flask test client signed in as an admin; "
        f"{args.requests} timed requests per page after {args.warmup} untimed"
    )
    for label, loaded, results in runs:
        print(
            f"\n{label} data set: {loaded.dates} dates x {loaded.per_date} bookings = {loaded.bookings} bookings "
            f"({loaded.capacity} places each, {loaded.per_date - min(loaded.per_date, loaded.capacity)} waiting); "
            f"loaded in {loaded.seconds:.1f} s"
        )
        columns = f"{'median':>9} {'p95':>9} {'execute':>9} {'queries':>8} {'HTML':>7}"
        print(f"  {'page':<16} {'path':<36} {columns}  statements")
        for r in results:
            print(
                f"  {r.name:<16} {r.path:<36} {r.median_ms:>6.1f} ms {r.p95_ms:>6.1f} ms {r.sql_median_ms:>6.1f} ms "
                f"{r.queries:>8} {r.size / 1024:>4.0f} kB  {r.verb_text}"
            )
    if args.show_queries:
        for r in runs[-1][2]:
            print(f"\nSQL of one {r.name} request ({len(r.sample_sql)} statements):")
            for statement in r.sample_sql:
                print("  " + " ".join(statement.split())[:300])

    small, large = runs[0][2], runs[-1][2]
    print()
    met = True
    for s, r in zip(small, large, strict=True):
        constant = s.queries == r.queries and len(r.query_counts) == 1
        goal = GOALS_MS.get(r.name, GOAL_MEDIAN_MS)
        fast = r.median_ms < goal
        met = met and constant and fast
        print(
            f"{r.name}: queries {'CONSTANT' if constant else 'GROW'} ({s.queries} small, {r.queries} large); "
            f"median {r.median_ms:.1f} ms {'<' if fast else '>='} {goal:.0f} ms"
        )
    certificate_ms = time_certificate()
    met = met and certificate_ms < GOAL_CERTIFICATE_MS
    print(
        f"certificate: one PDF made in {certificate_ms:.0f} ms at the median of 10 "
        f"(goal < {GOAL_CERTIFICATE_MS:.0f} ms)"
    )
    print(
        f"GOAL {'MET' if met else 'NOT MET'}: same number of queries on both data sets, each page under 100 ms "
        "(the report under 200 ms), a certificate under 1 s"
    )
    return 0


if __name__ == "__main__":
    run(main)
