"""How many queued emails a second the outbox worker delivers, and whether any is sent twice.

Makes a fresh database (SQLite unless --database-url names a PostgreSQL one), runs the migrations,
adds one published two-day course date with enough places and books N people onto it (1000 by
default) through app.enrolment.bookings.book_place, so each booking queues a "place_confirmed"
outbox row the real way (rendered with its calendar invite only when it is sent). Queueing is
timed on its own and is not part of the rate.

An aiosmtpd server runs in another process on 127.0.0.1 and notes the Message-ID of every message
it accepts (--smtp-delay makes it slow). Then --workers processes (1 by default), each with its own
app, call app.mail.outbox.send_due() until a pass sends nothing and nothing is left to send. The
clock runs from the moment the workers are told to start until the server holds N distinct
messages. Afterwards every outbox row must be 'sent' and every Message-ID received exactly once.
Goal: at least 200 messages a second with one worker, none sent twice. With --workers 2 (on
PostgreSQL the workers claim with FOR UPDATE SKIP LOCKED) the rate is shown beside the same check.

--profile runs one worker in this process under cProfile and prints where the time went.

    .venv/bin/python bench/outbox_rate.py [--messages 1000] [--workers 1] [--batch-size 50]
                                          [--smtp-delay 0] [--timeout 120] [--database-url URL]
                                          [--profile]
"""

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import queue
import secrets
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    HOST,
    BenchError,
    Workspace,
    describe_database,
    free_port,
    machine_busy_seconds,
    migrate_in_process,
    prepare_database,
    run,
)

GOAL_RATE = 200.0
# A worker still busy this long after --timeout (inside one send_due call) is stopped.
OVERRUN_SECONDS = 10.0
EXIT_ERROR = 1
BASE_URL = "http://training.example.test"
# Spawned, not forked: each worker and the mail server start from a clean interpreter, with no
# pooled database connection or app state inherited from the setup in this process.
CONTEXT = multiprocessing.get_context("spawn")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="confirmations queued, one per booking (1000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes calling send_due (default 1)")
    parser.add_argument("--batch-size", type=int, default=50, help="send_due's batch_size (default 50)")
    parser.add_argument(
        "--smtp-delay", type=float, default=0.0, help="seconds the SMTP server takes per message (default 0)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="no send_due pass starts after this many seconds; a worker still busy 10 s later is stopped (120)",
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to wipe and use (name must start with 'bench'); default SQLite"
    )
    parser.add_argument(
        "--profile", action="store_true", help="one worker in this process under cProfile; prints the top functions"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, received IDs)")
    args = parser.parse_args(argv)
    if min(args.messages, args.workers, args.batch_size) < 1:
        parser.error("--messages, --workers and --batch-size must be positive")
    if args.timeout <= 0 or args.smtp_delay < 0:
        parser.error("--timeout must be positive and --smtp-delay not negative")
    if args.profile and args.workers != 1:
        parser.error("--profile runs one worker in this process: leave out --workers")
    return args


# --- the app ----------------------------------------------------------------------------------------


def app_config(database_url: str, smtp_port: int, workdir: Path) -> dict:
    """Settings as in tests/conftest.py, sending to the bench's SMTP server."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",
        "MAIL_SERVER": HOST,
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 10,
        "MAIL_FILE_DIR": str(workdir / "mail"),
        "MEDIA_DIR": str(workdir / "media"),
        "BASE_URL": BASE_URL,
        "LOG_LEVEL": "WARNING",
    }


def make_app(config: dict):
    from app import create_app

    return create_app(config)


def queue_confirmations(app, count: int) -> tuple[float, Counter]:
    """Book `count` people onto one new date. Returns (seconds, outbox rows by kind)."""
    import sqlalchemy as sa

    from app.enrolment.bookings import book_place
    from app.extensions import db
    from tests.factories import details, make_date

    with app.app_context():
        date_id = make_date(db.session, capacity=count + 10).id
        started = time.perf_counter()
        for _ in range(count):
            result = book_place(db.session, date_id, details(), email_checked=True)
            if result.waiting_position:
                raise BenchError("a booking went on the waiting list: the date should have room for all")
        elapsed = time.perf_counter() - started
        kinds = Counter(
            dict(db.session.execute(sa.text("SELECT kind, count(*) FROM outbox_message GROUP BY kind")).all())
        )
        db.session.remove()
        db.engine.dispose()  # no connection stays open in this process while the workers run
    return elapsed, kinds


def outbox_state(database_url: str) -> tuple[Counter, set[str], int]:
    """(rows by status, the Message-IDs queued, rows tried more than once), in plain SQL."""
    import sqlalchemy as sa

    from config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            statuses = Counter(
                dict(connection.execute(sa.text("SELECT status, count(*) FROM outbox_message GROUP BY status")).all())
            )
            message_ids = set(connection.execute(sa.text("SELECT message_id FROM outbox_message")).scalars())
            retried = connection.execute(sa.text("SELECT count(*) FROM outbox_message WHERE attempts > 1")).scalar_one()
    finally:
        engine.dispose()
    return statuses, message_ids, retried


# --- the SMTP server (its own process) ----------------------------------------------------------------


def _smtp_server(port: int, delay: float, record_path: str, received, distinct, ready, stop) -> None:
    """Accept mail on 127.0.0.1:port; write each Message-ID to record_path, one a line."""
    import asyncio
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    parser = BytesHeaderParser()
    seen: set[str] = set()
    record = open(record_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the process's life

    class Recorder:
        async def handle_DATA(self, server, session, envelope):
            if delay:
                await asyncio.sleep(delay)
            message_id = (parser.parsebytes(envelope.original_content)["Message-ID"] or "(none)").strip()
            record.write(message_id + "\n")
            seen.add(message_id)
            with received.get_lock():
                received.value += 1
            distinct.value = len(seen)
            return "250 Message accepted for delivery"

    controller = Controller(Recorder(), hostname=HOST, port=port)
    controller.start()
    ready.set()
    try:
        stop.wait()
    finally:
        controller.stop()
        record.close()


class MailServer:
    def __init__(self, workdir: Path, delay: float):
        self.port = free_port()
        self.record_path = workdir / "received-message-ids.txt"
        self.record_path.write_text("")
        self.received = CONTEXT.Value("i", 0)
        self.distinct = CONTEXT.Value("i", 0)
        self.ready, self.stopping = CONTEXT.Event(), CONTEXT.Event()
        self.process = CONTEXT.Process(
            target=_smtp_server,
            args=(self.port, delay, str(self.record_path), self.received, self.distinct, self.ready, self.stopping),
            daemon=True,
        )

    def start(self) -> "MailServer":
        self.process.start()
        if not self.ready.wait(30):
            self.stop()
            raise BenchError("the SMTP server did not start within 30 s")
        return self

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.process.pid)

    def message_ids(self) -> list[str]:
        return self.record_path.read_text(encoding="utf-8").splitlines()

    def stop(self) -> None:
        self.stopping.set()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)


def process_cpu_seconds(pid: int | None) -> float | None:
    """CPU time used so far by one process (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the workers ------------------------------------------------------------------------------------


def deliver_until_done(batch_size: int, deadline: float) -> dict:
    """Call send_due until a pass sends nothing and nothing is left to send, or until the deadline.

    Runs inside an app context. A pass that sends nothing while another worker still holds a claim
    ('sending') waits a moment and looks again. The deadline is looked at between passes: one
    send_due call goes on until nothing is due (run_workers stops a worker that overruns).
    """
    import sqlalchemy as sa

    from app.extensions import db
    from app.mail.outbox import send_due

    totals = Counter()
    errors: list[str] = []
    passes = 0
    timed_out = False

    def left_to_send() -> int:
        count = db.session.scalar(sa.text("SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending')"))
        db.session.commit()
        return count

    while True:
        report = send_due(db.session, batch_size=batch_size)
        passes += 1
        totals.update(sent=report.sent, skipped=report.skipped, retrying=report.retrying, failed=report.failed)
        errors.extend(report.errors[:5])
        busy = bool(report.sent or report.skipped or report.retrying or report.failed)
        left = None if busy else left_to_send()
        if left == 0:
            break
        if time.monotonic() >= deadline:
            timed_out = (left if left is not None else left_to_send()) > 0
            break
        if not busy:
            time.sleep(0.02)
    db.session.remove()
    return {"totals": dict(totals), "errors": errors[:5], "passes": passes, "timed_out": timed_out}


def _worker(index: int, config: dict, batch_size: int, timeout: float, ready, go, results) -> None:
    try:
        app = make_app(config)
        with app.app_context():
            import sqlalchemy as sa

            from app.extensions import db

            db.session.execute(sa.text("SELECT 1"))  # open the pooled connection before the clock starts
            db.session.remove()
            ready.put(index)
            if not go.wait(timeout + 60):
                raise BenchError("never told to start")
            cpu_before, started = sum(os.times()[:2]), time.monotonic()
            outcome = deliver_until_done(batch_size, started + timeout)
            outcome["elapsed"] = time.monotonic() - started
            outcome["cpu"] = sum(os.times()[:2]) - cpu_before
            db.engine.dispose()
        results.put(("ok", index, outcome))
    except BaseException:  # report, never hang the parent
        results.put(("error", index, traceback.format_exc()))


@dataclass
class Run:
    """What a delivery run measured: seconds until the server held every message, seconds until the
    workers had all finished, each worker's outcome and the CPU used meanwhile."""

    elapsed: float
    all_done: float
    outcomes: list[dict]
    cpu: dict = field(default_factory=dict)
    profile: str = ""


def cpu_now(server: MailServer) -> tuple[float | None, float | None]:
    return server.cpu_seconds(), machine_busy_seconds()


def cpu_used(before: tuple, after: tuple) -> dict:
    names = ("SMTP server", "whole machine")
    return {name: b - a for name, a, b in zip(names, before, after, strict=True) if a is not None and b is not None}


def run_workers(args, config: dict, server: MailServer, expected: int) -> Run:
    """Start the workers together and time them from the moment they are told to go."""
    ready, results, go = CONTEXT.Queue(), CONTEXT.Queue(), CONTEXT.Event()
    workers = [
        CONTEXT.Process(
            target=_worker, args=(i, config, args.batch_size, args.timeout, ready, go, results), daemon=True
        )
        for i in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[dict | None] = [None] * args.workers
    failures: list[str] = []
    try:
        waiting, give_up = len(workers), time.monotonic() + 60
        while waiting:
            try:
                ready.get(timeout=0.2)
                waiting -= 1
            except queue.Empty:
                try:
                    _kind, index, payload = results.get_nowait()
                except queue.Empty:
                    if time.monotonic() > give_up:
                        raise BenchError("a worker did not get ready within 60 s") from None
                    continue
                raise BenchError(f"worker {index} failed while starting:\n{payload}") from None
        cpu_before, started = cpu_now(server), time.monotonic()
        go.set()
        hard_stop = started + args.timeout + OVERRUN_SECONDS
        received_at = None
        while time.monotonic() < hard_stop:
            if received_at is None and server.distinct.value >= expected:
                received_at = time.monotonic()
            alive = any(worker.is_alive() for worker in workers)
            # Collect outcomes as they come, so no worker blocks on a full queue at exit.
            while True:
                try:
                    kind, index, payload = results.get(timeout=0.5) if not alive else results.get_nowait()
                except queue.Empty:
                    break
                outcomes[index] = payload if kind == "ok" else {}
                if kind != "ok":
                    failures.append(f"worker {index}:\n{payload}")
            if all(outcome is not None for outcome in outcomes) or not alive:
                break
            time.sleep(0.002)
        finished, cpu_after = time.monotonic(), cpu_now(server)
    finally:
        for worker in workers:
            worker.join(timeout=2)  # one that reported back exits at once
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=5)
    if failures:
        raise BenchError("\n".join(failures))
    for index, outcome in enumerate(outcomes):
        if outcome is None:  # still inside send_due long after --timeout, or died: its counts are unknown
            outcomes[index] = {"timed_out": True, "stopped": True}
    return Run((received_at or finished) - started, finished - started, outcomes, cpu_used(cpu_before, cpu_after))


def run_profiled(args, config: dict, server: MailServer, expected: int) -> Run:
    """One worker in this process, under cProfile."""
    app = make_app(config)
    profiler = cProfile.Profile()
    with app.app_context():
        import sqlalchemy as sa

        from app.extensions import db

        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
        cpu_before, own_cpu, started = cpu_now(server), sum(os.times()[:2]), time.monotonic()
        profiler.enable()
        outcome = deliver_until_done(args.batch_size, started + args.timeout)
        profiler.disable()
        finished, cpu_after = time.monotonic(), cpu_now(server)
        outcome["elapsed"] = finished - started
        outcome["cpu"] = sum(os.times()[:2]) - own_cpu
        db.engine.dispose()
    # The server may still be writing down the last message.
    settle = time.monotonic() + 5
    while server.distinct.value < expected and time.monotonic() < settle:
        time.sleep(0.01)
    elapsed = finished - started
    return Run(elapsed, elapsed, [outcome], cpu_used(cpu_before, cpu_after), profile_report(profiler))


# Where delivery time goes. Mostly library entry points, so the table holds while the app's own
# modules move; send_due's steps in app/mail/outbox.py and app/mail/transport.py are shown when found.
# (label, file name ending, function name); several matches of one label are added up.
PROFILE_AREAS = [
    ("claim due messages (outbox claim_due: SELECT, UPDATE, COMMIT)", "app/mail/outbox.py", "claim_due"),
    ("SQLAlchemy Session.get (load by primary key, with eager loads)", "sqlalchemy/orm/session.py", "get"),
    ("SQLAlchemy Session.execute (all ORM queries, nested loads too)", "sqlalchemy/orm/session.py", "execute"),
    ("SQLAlchemy Session.commit (flush + COMMIT)", "sqlalchemy/orm/session.py", "commit"),
    ("database driver (execute, fetch, commit)", "", "<driver>"),
    ("Jinja templates (flask render_template)", "flask/templating.py", "render_template"),
    ("icalendar Calendar.add_missing_timezones", "icalendar/cal/calendar.py", "add_missing_timezones"),
    ("icalendar Component.to_ical", "icalendar/cal/component.py", "to_ical"),
    ("build the email (transport build_email)", "app/mail/transport.py", "build_email"),
    ("Flask-Mail Message.as_bytes (MIME tree + serialising)", "flask_mail/__init__.py", "as_bytes"),
    ("  email generator (headers, quoted-printable, base64)", "email/generator.py", "flatten"),
    ("ssl.create_default_context (made for every connection)", "ssl.py", "create_default_context"),
    ("smtplib SMTP.connect (TCP + greeting)", "smtplib.py", "connect"),
    ("smtplib SMTP.sendmail (MAIL, RCPT, DATA per message)", "smtplib.py", "sendmail"),
    ("  waiting for the SMTP server's replies (getreply)", "smtplib.py", "getreply"),
]
DRIVER_FUNCTIONS = {"execute", "executemany", "fetchone", "fetchmany", "fetchall", "commit"}


def _is_driver(file: str, name: str) -> bool:
    if file == "~":  # C methods: sqlite3's cursor and connection
        return "sqlite3." in name and any(f"'{verb}'" in name for verb in DRIVER_FUNCTIONS)
    return "/psycopg/" in file and file.endswith(("cursor.py", "connection.py")) and name in DRIVER_FUNCTIONS


def profile_report(profiler: cProfile.Profile, top: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = max(stats.total_tt, 1e-9)
    rows = stats.stats  # {(file, line, name): (primitive calls, calls, own time, cumulative, callers)}
    out.write(f"Where the time went (cumulative seconds of {total:.2f} s profiled; the parts overlap):\n")
    for label, file_end, name in PROFILE_AREAS:
        matched = [
            (key, value)
            for key, value in rows.items()
            if (_is_driver(key[0].replace("\\", "/"), key[2]) if name == "<driver>" else key[2] == name)
            and key[0].replace("\\", "/").endswith(file_end)
        ]
        if not matched:
            continue
        # Add up the matches, leaving out one called by another (SMTP.connect from SMTP.__init__ etc.).
        keys = {key for key, _ in matched}
        outer = [value for key, value in matched if not (keys - {key}) & set(value[4])]
        cumulative = sum(value[3] for value in outer)
        calls = sum(value[1] for _key, value in matched)
        out.write(f"  {cumulative:7.2f} s {100 * cumulative / total:5.1f}%  {calls:7d} calls  {label}\n")
    out.write(f"\nTop {top} functions by cumulative time:\n")
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --- report -----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    with Workspace(keep=args.keep) as workspace:
        database_url = prepare_database(args.database_url, workspace.path)
        server = MailServer(workspace.path, args.smtp_delay).start()
        try:
            config = app_config(database_url, server.port, workspace.path)
            app = make_app(config)
            migrate_in_process(app)
            queue_seconds, kinds = queue_confirmations(app, args.messages)
            expected = sum(kinds.values())
            if kinds.get("place_confirmed", 0) != args.messages:
                raise BenchError(f"expected {args.messages} place_confirmed messages queued, found {dict(kinds)}")
            mode = "1 worker in this process under cProfile" if args.profile else f"{args.workers} worker process(es)"
            delay = f", {args.smtp_delay * 1000:.0f} ms per message" if args.smtp_delay else ""
            print(
                f"outbox_rate: {describe_database(database_url)}; {expected} messages; {mode}, batch size "
                f"{args.batch_size}; aiosmtpd in another process on {HOST}:{server.port}{delay}"
            )
            print(
                f"  queued {args.messages} bookings (each with a place_confirmed email) in {queue_seconds:.2f} s "
                f"= {args.messages / queue_seconds:.0f} bookings/s (not part of the rate)"
            )
            run = (run_profiled if args.profile else run_workers)(args, config, server, expected)
            time.sleep(0.05)  # let the server finish writing down anything in flight
            received = server.message_ids()
        finally:
            server.stop()
        statuses, queued_ids, retried = outbox_state(database_url)

    counts = Counter(received)
    distinct = len(counts)
    duplicates = {message_id: n for message_id, n in counts.items() if n > 1}
    twice = sum(n - 1 for n in duplicates.values())
    elapsed, all_done, outcomes = run.elapsed, run.all_done, run.outcomes
    rate = min(distinct, expected) / elapsed if elapsed > 0 else 0.0
    reached = distinct >= expected

    print(
        f"  delivered: {distinct} distinct messages in {elapsed:.2f} s = {rate:.1f} messages/s"
        + ("" if reached else f" (stopped before all {expected} arrived)")
        + f"; all workers finished after {all_done:.2f} s"
    )
    for index, outcome in enumerate(outcomes):
        totals = outcome.get("totals", {})
        note = " STOPPED BY --timeout" if outcome.get("timed_out") else ""
        if outcome.get("stopped"):
            note = f" STOPPED: still in send_due {OVERRUN_SECONDS:.0f} s after --timeout, or died; counts unknown"
        print(
            f"  worker {index}: sent {totals.get('sent', 0)}, skipped {totals.get('skipped', 0)}, "
            f"retrying {totals.get('retrying', 0)}, failed {totals.get('failed', 0)}; {outcome.get('passes', 0)} "
            f"send_due passes in {outcome.get('elapsed', 0):.2f} s, {outcome.get('cpu', 0):.1f} CPU s{note}"
        )
        for error in outcome.get("errors", []):
            print(f"    error: {error}")
    cpu_parts = [f"workers {sum(o.get('cpu', 0) for o in outcomes):.1f}"]
    cpu_parts += [f"{name} {seconds:.1f}" for name, seconds in run.cpu.items()]
    cores = os.cpu_count() or 1
    print(
        f"  CPU seconds while delivering: {', '.join(cpu_parts)} (of {cores * all_done:.1f} available on "
        f"{cores} cores; the rest of the machine is the database server and other programs)"
    )
    print(
        f"  server received {len(received)} messages, {distinct} distinct Message-IDs, "
        f"{len(duplicates)} sent more than once ({twice} extra copies)"
    )
    print(f"  outbox rows by status: {dict(sorted(statuses.items()))}; tried more than once: {retried}")
    sent_total = sum(o.get("totals", {}).get("sent", 0) for o in outcomes)

    problems = []
    if duplicates:
        sample = ", ".join(list(duplicates)[:3])
        problems.append(f"SENT TWICE: {len(duplicates)} message(s) arrived more than once, e.g. {sample}")
    if statuses.get("sent", 0) != expected or sum(statuses.values()) != expected:
        problems.append(f"not every outbox row is 'sent': {dict(statuses)} for {expected} queued")
    if set(counts) != queued_ids:
        missing, unknown = len(queued_ids - set(counts)), len(set(counts) - queued_ids)
        problems.append(f"{missing} queued message(s) never arrived, {unknown} arrival(s) not in the outbox")
    if sent_total != expected and not any(o.get("stopped") for o in outcomes):
        problems.append(f"the workers report {sent_total} sent for {expected} queued")
    code = 0
    if problems:
        print("\n".join(f"MISMATCH: {problem}" for problem in problems))
        code = EXIT_ERROR
    else:
        print("  check: every queued message arrived exactly once and every outbox row is 'sent'")
    if run.profile:
        print(f"\n{run.profile}")
        print("(cProfile slows Python down: compare shares, not the rate, with a run without --profile)")

    none_twice = not duplicates
    if args.workers == 1:
        met = rate >= GOAL_RATE and none_twice and reached
        profiled = " (under cProfile)" if args.profile else ""
        print(
            f"Goal: at least {GOAL_RATE:.0f} messages a second with one worker, none sent twice: "
            f"{'MET' if met else 'NOT MET'} ({rate:.0f} messages/s{profiled}, {twice} sent twice)"
        )
    else:
        print(
            f"{args.workers} workers: {rate:.0f} messages/s; none sent twice: {'yes' if none_twice else 'no'} "
            f"(the {GOAL_RATE:.0f}/s goal is set for one worker)"
        )
    return code


if __name__ == "__main__":
    run(main)
