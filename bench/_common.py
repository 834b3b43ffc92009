"""Shared helpers for the benchmarks: databases, gunicorn servers and a small HTTP load generator.

Standard library only (plus the app itself, imported lazily by the scripts that need it).
"""

import http.client
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# Import this checkout's app and config, even without `pip install -e .`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class BenchError(Exception):
    """Something went wrong with the run itself (not a missed goal)."""


# --- databases ------------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


def check_bench_database(url: str) -> None:
    """Refuse to wipe a PostgreSQL database whose name does not start with 'bench'."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench"):
        raise BenchError(
            f"refusing to wipe PostgreSQL database {name!r}: use a database named bench* "
            "(psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench')"
        )


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema, so the migrations start from nothing."""
    import sqlalchemy as sa

    from config import normalise_database_url

    check_bench_database(url)
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def server_env(database_url: str, workdir: Path, **extra: str) -> dict:
    """Environment for the flask CLI and gunicorn: the chosen database and plain-HTTP settings."""
    env = dict(os.environ)
    env.pop("SQLALCHEMY_DATABASE_URI", None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-" + secrets.token_hex(16),
            "INSTANCE_PATH": str(workdir / "instance"),
            "SESSION_COOKIE_SECURE": "false",
            "PREFERRED_URL_SCHEME": "http",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
            # Every request of a load test comes from one address: the per-address form limits would stop
            # it after a few, which is what they are for. The benchmarks measure the path behind them.
            "RATELIMIT_ENABLED": "false",
        }
    )
    env.update(extra)
    return env


def flask_cli(env: dict, *args: str) -> None:
    """Run `flask --app wsgi ...` in the project folder; fail loudly with its output."""
    command = [str(BIN / "flask"), "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise BenchError(f"flask {' '.join(args)} failed (last lines):\n{output}")


def prepare_database(database_url: str | None, workdir: Path) -> str:
    """A fresh database: a new SQLite file in workdir, or the given PostgreSQL one emptied."""
    if not database_url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    if is_postgres(database_url):
        reset_postgres(database_url)
        return database_url
    raise BenchError("--database-url must be a PostgreSQL URL (SQLite is made fresh when it is not given)")


def describe_database(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite (fresh file, WAL)"
    parts = urlsplit(url)
    return f"PostgreSQL {parts.hostname}:{parts.port or 5432}{parts.path}"


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master we started, in its own process group."""

    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by this server's workers (Linux only)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        pids = self.worker_pids()
        if not pids:
            return None
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        """SIGTERM the master (it stops its workers), then SIGKILL our group if it hangs."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=5)


def start_gunicorn(
    name: str,
    app_spec: str,
    env: dict,
    workdir: Path,
    *,
    workers: int = 2,
    worker_class: str = "sync",
    threads: int = 1,
    pythonpath: Path | None = None,
    ready_path: str = "/",
) -> Server:
    """Start gunicorn on a free port and wait until it answers ready_path."""
    port = free_port()
    log_path = workdir / f"gunicorn-{name}.log"
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--bind",
        f"{HOST}:{port}",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "--worker-tmp-dir",
        str(workdir),
        # gunicorn 24+ opens a control socket at a fixed path: two servers would clash.
        "--no-control-socket",
    ]
    if pythonpath:
        command += ["--pythonpath", str(pythonpath)]
    command.append(app_spec)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, process, port, log_path)
    try:
        wait_until_ready(server, ready_path)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_ready(server: Server, path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"gunicorn ({server.name}) exited at start:\n{server.log_tail()}")
        try:
            connection = http.client.HTTPConnection(HOST, server.port, timeout=2)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
            raise BenchError(f"GET {path} on {server.name} answered {response.status}:\n{server.log_tail()}")
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"gunicorn ({server.name}) did not answer within {timeout:.0f}s:\n{server.log_tail()}")


class Workspace:
    """A temporary folder and the servers started in it; everything is stopped and removed on exit."""

    def __init__(self, keep: bool = False):
        self.path = Path(tempfile.mkdtemp(prefix="sos-bench-"))
        self.servers: list[Server] = []
        self.keep = keep

    def __enter__(self) -> "Workspace":
        return self

    def start(self, *args, **kwargs) -> Server:
        server = start_gunicorn(*args, workdir=self.path, **kwargs)
        self.servers.append(server)
        return server

    def __exit__(self, *_exc) -> None:
        for server in reversed(self.servers):
            server.stop()
        if self.keep:
            print(f"(kept {self.path})")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


# --- load generator -------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """What the client threads saw."""

    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float | None = None
    machine_busy: float | None = None

    @property
    def completed(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    def latency_text(self) -> str:
        return f"median {self.median * 1000:.1f} ms, p95 {self.percentile(0.95) * 1000:.1f} ms"


def _client_thread(port, make_request, indices, deadline, keep_locations, out):
    statuses, errors, latencies, locations = Counter(), Counter(), [], []
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    last = None
    for index in indices:
        if deadline is not None and time.monotonic() >= deadline:
            break
        method, path, body, headers = make_request(index)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            # No retry: a POST may have been acted on. The next request opens a new connection.
            errors[type(error).__name__] += 1
            connection.close()
            continue
        last = time.monotonic()
        latencies.append(time.perf_counter() - started)
        statuses[response.status] += 1
        if keep_locations:
            locations.append(response.getheader("Location") or "")
        if response.will_close:
            # gunicorn's sync workers answer "Connection: close"; http.client reconnects on next use.
            connection.close()
    connection.close()
    out.append((statuses, errors, latencies, locations, last))


def _client_process(port, make_request, thread_indices, start_at, deadline, keep_locations, queue):
    try:
        out: list = []
        threads = [
            threading.Thread(target=_client_thread, args=(port, make_request, idx, deadline, keep_locations, out))
            for idx in thread_indices
        ]
        delay = start_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        usage = os.times()
        queue.put(("ok", out, usage.user + usage.system))
    except BaseException as error:  # report, never hang the parent
        queue.put(("error", repr(error), 0.0))


def drive(
    port: int,
    make_request,
    *,
    clients: int,
    processes: int,
    total: int,
    duration: float | None,
    keep_locations: bool = False,
) -> LoadResult:
    """Send up to `total` requests (make_request(i) for i in range(total)) from `clients` threads.

    The threads are spread over `processes` forked processes, so the client is not held back by
    one GIL. Request i goes to thread i % clients. Each thread reuses its HTTP/1.1 connection while
    the server keeps it open, and reconnects when the server closes it. Stops at `duration`
    seconds if given. Elapsed time runs from the common start to the last response.
    """
    processes = max(1, min(processes, clients))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    # Start together a little later, once every process is forked.
    start_at = time.monotonic() + 0.2 + 0.02 * processes
    deadline = start_at + duration if duration else None
    workers = []
    for p in range(processes):
        thread_ids = range(p, clients, processes)
        thread_indices = [range(t, total, clients) for t in thread_ids]
        worker = context.Process(
            target=_client_process,
            args=(port, make_request, thread_indices, start_at, deadline, keep_locations, queue),
            daemon=True,
        )
        worker.start()
        workers.append(worker)
    result = LoadResult()
    last = start_at
    timeout = (duration or 600) + 120
    try:
        for _ in workers:
            kind, payload, cpu = queue.get(timeout=timeout)
            if kind != "ok":
                raise BenchError(f"load generator failed: {payload}")
            result.client_cpu += cpu
            for statuses, errors, latencies, locations, finished in payload:
                result.statuses.update(statuses)
                result.errors.update(errors)
                result.latencies.extend(latencies)
                result.locations.extend(locations)
                if finished is not None:
                    last = max(last, finished)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
    result.elapsed = max(last - start_at, 1e-9)
    return result


def get_request(path: str):
    """A make_request function for a plain GET of one path."""
    request = ("GET", path, None, {"Accept": "text/html"})

    def make(_index: int):
        return request

    return make


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), or None."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user..steal; guest time is already counted in user
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_note(result: LoadResult) -> str:
    """Where the CPU went during a measurement, so a disturbed run can be recognised."""
    cores = os.cpu_count() or 1
    parts = []
    if result.server_cpu is not None:
        parts.append(f"server workers {result.server_cpu:.1f}")
    parts.append(f"load generator {result.client_cpu:.1f}")
    if result.machine_busy is not None and result.server_cpu is not None:
        other = max(0.0, result.machine_busy - result.server_cpu - result.client_cpu)
        parts.append(f"rest of the machine (database server, other programs) {other:.1f}")
    return f"CPU seconds: {', '.join(parts)} (of {cores * result.elapsed:.1f} available on {cores} cores)"


def measure_cpu(server: Server, run) -> LoadResult:
    """Run run() -> LoadResult and note the server's and the machine's CPU time around it."""
    server_before, machine_before = server.cpu_seconds(), machine_busy_seconds()
    result = run()
    server_after, machine_after = server.cpu_seconds(), machine_busy_seconds()
    if server_before is not None and server_after is not None:
        result.server_cpu = server_after - server_before
    if machine_before is not None and machine_after is not None:
        result.machine_busy = machine_after - machine_before
    return result


def migrate_in_process(app) -> None:
    """Run the migrations inside this process's app, without alembic's "Running upgrade ..." lines."""
    import logging

    from flask_migrate import upgrade

    logging.disable(logging.INFO)
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)


def run(main) -> None:
    """Run a benchmark's main(): its exit code, 1 with the message for a BenchError, 130 for Ctrl+C."""
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
