"""How many requests a second /dates serves, next to a bare Flask endpoint on the same machine.

Makes a fresh database (SQLite unless --database-url names a PostgreSQL one), runs the migrations
and `demo load`, starts two gunicorns with the same settings (2 sync workers each): one serving
wsgi:app, one serving bench/bare_app.py. Each is warmed up, then driven in turn by the same client
load. Goal: /dates is at least a third of the bare endpoint.

    .venv/bin/python bench/dates_throughput.py [--duration 10] [--clients 8] [--database-url URL]
"""

import argparse
import http.client

from _common import (
    BENCH_DIR,
    HOST,
    BenchError,
    LoadResult,
    Server,
    Workspace,
    cpu_note,
    describe_database,
    drive,
    flask_cli,
    get_request,
    measure_cpu,
    prepare_database,
    run,
    server_env,
)

GOAL_RATIO = 1 / 3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per endpoint (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument(
        "--processes", type=int, default=2, help="processes the client threads are spread over (default 2)"
    )
    parser.add_argument(
        "--max-requests", type=int, default=50_000, help="stop each measurement after this many (default 50000)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per endpoint (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server (default 2)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to wipe and use (name must start with 'bench'); default SQLite"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, gunicorn logs)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.clients < 1 or args.processes < 1 or args.max_requests < 1:
        parser.error("--duration, --clients, --processes and --max-requests must be positive")
    return args


def check_dates_page(server: Server) -> None:
    """The page we measure really lists the demo dates."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    connection.request("GET", "/dates")
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    cards = body.count('class="app-date-card"')
    if response.status != 200 or cards < 3:
        raise BenchError(f"/dates answered {response.status} with {cards} date card(s); expected 200 with 3")


def measure(server: Server, path: str, args: argparse.Namespace) -> LoadResult:
    load = get_request(path)
    warm = drive(server.port, load, clients=args.clients, processes=args.processes, total=10**9, duration=args.warmup)
    if warm.errors or set(warm.statuses) - {200}:
        raise BenchError(f"warm-up of {path}: {dict(warm.statuses)} {dict(warm.errors)}\n{server.log_tail()}")
    result = measure_cpu(
        server,
        lambda: drive(
            server.port,
            load,
            clients=args.clients,
            processes=args.processes,
            total=args.max_requests,
            duration=args.duration,
        ),
    )
    if result.errors or set(result.statuses) - {200}:
        raise BenchError(f"{path}: {dict(result.statuses)} {dict(result.errors)}\n{server.log_tail()}")
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    with Workspace(keep=args.keep) as workspace:
        database_url = prepare_database(args.database_url, workspace.path)
        env = server_env(database_url, workspace.path)
        flask_cli(env, "db", "upgrade")
        flask_cli(env, "demo", "load")
        app_server = workspace.start("app", "wsgi:app", env, workers=args.workers, ready_path="/dates")
        bare_server = workspace.start("bare", "bare_app:app", env, workers=args.workers, pythonpath=BENCH_DIR)
        check_dates_page(app_server)

        print(
            f"dates_throughput: {describe_database(database_url)}; gunicorn {args.workers} sync workers per server; "
            f"{args.clients} client threads in {args.processes} processes; {args.duration:g} s per endpoint"
        )
        results = {}
        for label, server, path in (("/dates", app_server, "/dates"), ("bare /", bare_server, "/")):
            result = measure(server, path, args)
            results[label] = result
            print(
                f"  {label:7} {result.rate:8.1f} req/s  ({result.completed} in {result.elapsed:.1f} s)  "
                f"{result.latency_text()}"
            )
            print(f"          {cpu_note(result)}")

    ratio = results["/dates"].rate / results["bare /"].rate
    met = ratio >= GOAL_RATIO
    print(f"  ratio /dates / bare = {ratio:.2f} (goal >= {GOAL_RATIO:.2f})")
    print(f"GOAL {'MET' if met else 'NOT MET'}: /dates is {'' if met else 'not '}at least a third of the bare endpoint")
    return 0


if __name__ == "__main__":
    run(main)
