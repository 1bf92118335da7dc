"""Reliability run: devhost on PostgreSQL under concurrent load while its database connections are
killed and the database goes away for a few seconds; afterwards an audit proves that every balance
and total equals what the clients' own log of successful writes says (nothing lost, nothing doubled).
Then the hostile-input fuzz and the transient-error tests run, and docs/reliability.md is written.

    .venv/bin/python bench/reliability.py [--clients 32] [--duration 60]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--output docs/reliability.md]

Everything stays on the loopback interface and stops by itself. The PostgreSQL server is shared, so
it is never restarted: devhost reaches it through a small TCP proxy owned by this script, and
"the database server restarts" is simulated by closing the proxy's listener and every connection
through it for a few seconds, then listening again. Connection kills use pg_terminate_backend on
the backends whose application_name is this run's own, so nobody else's sessions are touched.
The run creates a throw-away database and drops it at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python bench/reliability.py`
    sys.path.insert(0, str(ROOT))

from bench.audit import audit, scan_devhost_log  # noqa: E402
from bench.client import Sample  # noqa: E402
from bench.harness import Devhost  # noqa: E402
from bench.load import Anomaly, LoadClient, report_routes, setup_user  # noqa: E402
from bench.pg import DEFAULT_SERVER, create_database, drop_database, sqlalchemy_url, terminate_backends, url_parts  # noqa: E402
from bench.proxy import TcpProxy  # noqa: E402
from bench.reliability_report import render_report  # noqa: E402
from bench.verdict import FaultEvent, LoadResult, evaluate  # noqa: E402


def run_load(*, server_url: str = DEFAULT_SERVER, clients: int = 32, duration: float = 60.0,
             users: int | None = None, outage_seconds: float | None = None, bcrypt_rounds: int = 8,
             work_dir: Path | None = None, keep_database: bool = False, progress=print) -> LoadResult:
    """Start proxy + devhost on a fresh database, drive the load with faults, audit, tear down."""
    users = users or max(2, clients // 4)
    outage_seconds = outage_seconds if outage_seconds is not None else min(5.0, max(2.0, duration / 12))
    work_dir = work_dir or Path(tempfile.mkdtemp(prefix="reliability-"))
    parts = url_parts(server_url)
    database = create_database(server_url)
    app_name = f"reliability_{os.getpid()}_{secrets.token_hex(3)}"
    proxy = TcpProxy(parts["host"], parts["port"])
    proxy.up()
    database_url = sqlalchemy_url(server_url, database, "127.0.0.1", proxy.port) + f"?application_name={app_name}"
    jwt_secret = secrets.token_urlsafe(48)
    devhost = Devhost(database_url, work_dir / "devhost.log", bcrypt_rounds=bcrypt_rounds, jwt_secret=jwt_secret)
    samples: list[Sample] = []
    anomalies: list[Anomaly] = []
    faults: list[FaultEvent] = []
    try:
        devhost.wait_ready()
        progress(f"devhost on :{devhost.port}, database {database} through proxy :{proxy.port}")
        ledgers = [setup_user(devhost.port, i, anomalies) for i in range(users)]
        reports = report_routes(devhost.port, ledgers[0])
        zero = time.monotonic()
        stop_at = zero + duration
        workers = [LoadClient(i, ledgers[i % users], devhost.port, zero, stop_at, samples, anomalies, reports,
                              seed=1000 + i) for i in range(clients)]
        for w in workers:
            w.start()
        progress(f"{clients} clients on {users} users for {duration:.0f} s; reports via "
                 f"{', '.join(p for p, _ in reports)}")

        def at(fraction: float) -> None:
            time.sleep(max(0.0, zero + duration * fraction - time.monotonic()))

        for fraction, kind in ((0.25, "kill"), (0.45, "outage"), (0.75, "kill")):
            at(fraction)
            start = time.monotonic() - zero
            if kind == "kill":
                killed = terminate_backends(server_url, app_name)
                faults.append(FaultEvent("kill", start, time.monotonic() - zero,
                                         f"pg_terminate_backend ended {killed} backend(s)"))
            else:
                proxy.down()
                time.sleep(outage_seconds)
                proxy.up()
                faults.append(FaultEvent("outage", start, time.monotonic() - zero,
                                         f"database unreachable for {outage_seconds:.1f} s"))
            progress(f"t={start:5.1f}s {faults[-1].kind}: {faults[-1].detail}")
        for w in workers:
            w.join(duration + 180)
        hung = [w.name for w in workers if w.is_alive()]
        if hung:
            anomalies.append(Anomaly("client never finished", ", ".join(hung)))
        checks = audit(devhost.port, server_url, database, ledgers)
        findings = scan_devhost_log(devhost.log_text(), ledgers, jwt_secret)
        result = LoadResult(clients, users, duration, bcrypt_rounds, samples, faults, anomalies, checks, findings,
                            replays=sum(w.replays for w in workers),
                            unknown_outcomes=sum(w.unknown_outcomes for w in workers))
        evaluate(result)
        return result
    finally:
        devhost.stop()
        proxy.down()
        if not keep_database:
            drop_database(server_url, database)



def run_pytest_parts(server_url: str, progress=print) -> dict[str, Any]:
    """Run tests/reliability (without the load test) on a throw-away database; collect their stats."""
    database = create_database(server_url)
    stats_path = Path(tempfile.mkdtemp(prefix="reliability-stats-")) / "stats.json"
    env = {**os.environ, "TEST_DATABASE_URL": sqlalchemy_url(server_url, database),
           "RELIABILITY_STATS": str(stats_path)}
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "tests/reliability", "-k", "not load_and_faults",
                               "-p", "no:randomly", "-rs"], cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        drop_database(server_url, database)
    lines = proc.stdout.strip().splitlines()
    summary = next((line.strip(" =") for line in reversed(lines) if " passed" in line or " failed" in line),
                   lines[-1] if lines else "no output")
    progress(f"pytest tests/reliability: {summary}")
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return {"returncode": proc.returncode, "summary": summary, "stats": stats, "seconds": time.monotonic() - started,
            "output": proc.stdout[-4000:] if proc.returncode else ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=None, help="default: clients / 4")
    parser.add_argument("--outage", type=float, default=None, help="seconds the database stays down")
    parser.add_argument("--bcrypt-rounds", type=int, default=8,
                        help="bcrypt cost in the server (8 by default: the mix measures the API, not bcrypt)")
    parser.add_argument("--server", default=os.environ.get("RELIABILITY_SERVER", DEFAULT_SERVER),
                        help="a PostgreSQL URL with rights to create databases")
    parser.add_argument("--output", default=str(ROOT / "docs" / "reliability.md"))
    parser.add_argument("--skip-tests", action="store_true", help="load and faults only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    command = "python bench/reliability.py" + (
        f" --clients {args.clients}" if args.clients != 32 else "") + (
        f" --duration {args.duration:g}" if args.duration != 60 else "")
    result = run_load(server_url=args.server, clients=args.clients, duration=args.duration, users=args.users,
                      outage_seconds=args.outage, bcrypt_rounds=args.bcrypt_rounds)
    f = result.figures
    print(f"load: {f['requests']} requests, p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, "
          f"steady 5xx {f['steady_5xx']}, outage max {f['outage_max_latency_ms']:.0f} ms, "
          f"recovery {f['recovery_s']}")
    tests = None if args.skip_tests else run_pytest_parts(args.server)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(result, tests, command) + "\n")
    print(f"wrote {output}")
    for failure in result.failures:
        print("FAIL:", failure)
    ok = result.ok and (tests is None or tests["returncode"] == 0)
    if tests and tests["returncode"]:
        print(tests["output"])
    print("reliability run", "PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
