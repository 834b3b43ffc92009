"""Does a gunicorn sync worker's memory stay flat while it streams a large briefing video?

Makes a fresh SQLite database and a 500 MB video file (sparse by default, or random bytes) in a
temporary folder, adds a published briefing that names it, and starts gunicorn (2 sync workers)
serving the app with that folder as MEDIA_DIR. After a warm-up (small range requests, so every
worker has imported and run the media code), several client processes at once:

1. download the whole file with a plain GET (gunicorn sends it with sendfile);
2. download the whole file as a browser asks for video, "Range: bytes=0-" (a 206 streamed by
   Werkzeug, 8 KB at a time);
3. ask for random 4 MB ranges for a few seconds, as a player does when someone skips about.

Clients read 1 MB at a time. Memory (VmRSS of each worker, from /proc) is sampled every 20 ms.
Reports throughput and the peak growth of each worker's memory over its size after the warm-up.
Goal: no worker grows by 20 MB or more.

    .venv/bin/python bench/media_streaming.py [--size-mb 500] [--clients 4] [--workers 2] [--random]
"""

import argparse
import http.client
import multiprocessing
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import HOST, BenchError, Server, Workspace, flask_cli, prepare_database, run, server_env

GOAL_GROWTH_MB = 20
CHUNK = 1024 * 1024
RANGE_BYTES = 4 * 1024 * 1024
STORED_NAME = "b3c0ffee" * 4 + ".webm"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=500, help="size of the video file in MB (default 500)")
    parser.add_argument("--clients", type=int, default=4, help="client processes downloading at once (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--duration", type=float, default=120.0, help="stop the downloads after this (default 120 s)")
    parser.add_argument("--seek-seconds", type=float, default=5.0, help="seconds of random ranges (default 5)")
    parser.add_argument("--random", action="store_true", help="fill the file with random bytes, not a sparse hole")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, gunicorn logs)")
    args = parser.parse_args(argv)
    if min(args.size_mb, args.clients, args.workers) < 1 or args.duration <= 0 or args.seek_seconds < 0:
        parser.error("sizes, counts and durations must be positive")
    return args


def make_video(path: Path, size: int, fill_random: bool) -> None:
    """A file of `size` bytes: a sparse hole (no disk used), or random bytes written 1 MB at a time."""
    with open(path, "wb") as file:
        if not fill_random:
            file.truncate(size)
            return
        left = size
        while left > 0:
            file.write(os.urandom(min(CHUNK, left)))
            left -= CHUNK


def add_briefing(database_url: str, media_dir: Path, size: int) -> str:
    """A published briefing whose video is the big file; returns the video's path on the site."""
    from app import create_app
    from app.database import writing
    from app.extensions import db
    from app.models import Briefing, BriefingFile, MediaKind

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-setup", "MEDIA_DIR": str(media_dir)})
    with app.app_context(), writing(db.session):
        briefing = Briefing(
            slug="bench-briefing",
            title="Bench briefing",
            summary="A large file.",
            description="A large file.",
            audience="The benchmark.",
            published=True,
        )
        briefing.files.append(
            BriefingFile(kind=MediaKind.WEBM_VIDEO, stored_name=STORED_NAME, content_type="video/webm", size_bytes=size)
        )
        db.session.add(briefing)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # no pooled connection may cross the fork of the clients
    return f"/briefings/bench-briefing/media/{STORED_NAME}"


def vm_kb(pid: int, field_name: str) -> int | None:
    """A VmRSS / VmHWM line of /proc/<pid>/status, in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class MemoryWatch:
    """Samples each worker's resident memory in a background thread and keeps the peak."""

    pids: list[int]
    baseline: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    samples: int = 0
    hwm_before: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        self.baseline = {pid: vm_kb(pid, "VmRSS") or 0 for pid in self.pids}
        # VmHWM is inherited from the gunicorn master at fork, so only a rise in it means anything.
        self.hwm_before = {pid: vm_kb(pid, "VmHWM") or 0 for pid in self.pids}
        self.peak = dict(self.baseline)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid in self.pids:
                rss = vm_kb(pid, "VmRSS")
                if rss is not None:
                    self.peak[pid] = max(self.peak[pid], rss)
            self.samples += 1
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()

    def growth_mb(self, pid: int) -> float:
        return (self.peak[pid] - self.baseline[pid]) / 1024


def request(port: int, path: str, headers: dict | None = None) -> tuple[int, int]:
    """GET path, reading the body 1 MB at a time; returns (status, bytes read)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        total = 0
        while chunk := response.read(CHUNK):
            total += len(chunk)
        return response.status, total
    finally:
        connection.close()


def download(port: int, path: str, headers: dict, deadline: float, queue) -> None:
    """One client: the whole file, stopping early at the deadline."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    status, total = 0, 0
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        status = response.status
        while time.monotonic() < deadline and (chunk := response.read(CHUNK)):
            total += len(chunk)
    except (OSError, http.client.HTTPException) as error:
        queue.put(("error", repr(error), total, time.monotonic() - started))
        return
    finally:
        connection.close()
    queue.put(("ok", status, total, time.monotonic() - started))


def seek_about(port: int, path: str, size: int, until: float, queue) -> None:
    """One client: random 4 MB ranges until the time is up."""
    ranges, total, statuses = 0, 0, set()
    rng = random.Random(os.getpid())
    while time.monotonic() < until:
        start = rng.randrange(0, max(size - RANGE_BYTES, 1))
        status, read = request(port, path, {"Range": f"bytes={start}-{start + RANGE_BYTES - 1}"})
        statuses.add(status)
        ranges += 1
        total += read
    queue.put((ranges, total, sorted(statuses)))


def run_clients(target, count: int, args_for) -> list:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(*args_for(i), queue), daemon=True) for i in range(count)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    return results


def warm_up(server: Server, path: str) -> None:
    """Small range requests until every worker has served media at least once (or 50 tries)."""
    for _ in range(50):
        status, read = request(server.port, path, {"Range": "bytes=0-65535"})
        if status != 206 or read != 65536:
            raise BenchError(f"warm-up range request answered {status} with {read} bytes:\n{server.log_tail()}")


def print_downloads(label: str, downloads: list, expected: int, size: int, elapsed: float, server: Server) -> None:
    errors = [d for d in downloads if d[0] != "ok" or d[1] != expected]
    if errors:
        raise BenchError(f"downloads ({label}) failed: {errors}\n{server.log_tail()}")
    total = sum(d[2] for d in downloads)
    complete = sum(1 for d in downloads if d[2] == size)
    print(
        f"  whole file, {label}: {complete} of {len(downloads)} complete, {total / CHUNK:.0f} MB in {elapsed:.1f} s "
        f"= {total / CHUNK / elapsed:.0f} MB/s together (each: " + ", ".join(f"{d[3]:.1f}" for d in downloads) + " s)"
    )


def report_memory(watch: MemoryWatch) -> tuple[float, list[str]]:
    lines, worst = [], 0.0
    for pid in watch.pids:
        growth = watch.growth_mb(pid)
        worst = max(worst, growth)
        hwm = (vm_kb(pid, "VmHWM") or 0) / 1024
        before, peak = watch.baseline[pid] / 1024, watch.peak[pid] / 1024
        lines.append(
            f"  worker {pid}: VmRSS {before:.1f} MB after warm-up, peak {peak:.1f} MB (+{growth:.1f} MB); "
            f"VmHWM {watch.hwm_before[pid] / 1024:.1f} -> {hwm:.1f} MB"
        )
    return worst, lines


def main(argv=None) -> int:
    args = parse_args(argv)
    size = args.size_mb * 1024 * 1024
    with Workspace(keep=args.keep) as workspace:
        media_dir = workspace.path / "media"
        media_dir.mkdir()
        make_video(media_dir / STORED_NAME, size, args.random)
        database_url = prepare_database(None, workspace.path)
        env = server_env(database_url, workspace.path, MEDIA_DIR=str(media_dir))
        flask_cli(env, "db", "upgrade")
        path = add_briefing(database_url, media_dir, size)
        server = workspace.start("app", "wsgi:app", env, workers=args.workers, ready_path="/healthz")
        warm_up(server, path)
        pids = server.worker_pids()
        print(
            f"media_streaming: a {args.size_mb} MB {'random' if args.random else 'sparse'} file, gunicorn "
            f"{args.workers} sync workers, {args.clients} clients each downloading all of it at once"
        )
        with MemoryWatch(pids) as watch:
            for label, headers, expected in (
                ("plain GET (sendfile)", {}, 200),
                ("as browsers ask, Range: bytes=0-", {"Range": "bytes=0-"}, 206),
            ):
                deadline = time.monotonic() + args.duration
                started = time.monotonic()
                downloads = run_clients(
                    download, args.clients, lambda _i, h=headers, d=deadline: (server.port, path, h, d)
                )
                print_downloads(label, downloads, expected, size, time.monotonic() - started, server)
            until = time.monotonic() + args.seek_seconds
            seeks = run_clients(seek_about, args.clients, lambda _i: (server.port, path, size, until))
        ranges = sum(s[0] for s in seeks)
        statuses = sorted({status for s in seeks for status in s[2]})
        print(
            f"  random 4 MB ranges: {ranges} in {args.seek_seconds:g} s, {sum(s[1] for s in seeks) / CHUNK:.0f} MB, "
            f"status {statuses}"
        )
        if statuses != [206]:
            raise BenchError(f"range requests answered {statuses}, expected only 206\n{server.log_tail()}")
        worst, lines = report_memory(watch)
        print("\n".join(lines))
        print(f"  ({watch.samples} memory samples, every 20 ms)")
    met = worst < GOAL_GROWTH_MB
    print(
        f"GOAL {'MET' if met else 'NOT MET'}: the worker that grew most grew by {worst:.1f} MB "
        f"(goal: less than {GOAL_GROWTH_MB} MB)"
    )
    return 0


if __name__ == "__main__":
    run(main)
