"""The benchmark: where the time goes, and whether the targets hold.

    .venv/bin/python -m bench.run --quick                  # small sizes, a smoke run (what CI runs)
    .venv/bin/python -m bench.run --write-results          # full run, recorded in bench/RESULTS.md (+ .json)

What it needs: PostgreSQL reachable at $BENCH_POSTGRES_SERVER (default
postgresql://postgres@127.0.0.1:5432/postgres) as a role that may create databases, unless
`--backends sqlite`. It checks that first and stops with one line saying what is missing. Each
PostgreSQL measurement runs in a throw-away database that is dropped afterwards, also when the run
fails. The results go to a scratch file (its path is printed) unless `--output FILE` is given;
the committed bench/RESULTS.md is written only with `--write-results`.

Seeds data in bulk through the services (shared.services.bulk_transactions), then invokes the real
function handlers in-process (through devhost's router, exactly as devhost serves them), and runs
devhost over HTTP beside the bare floor (bench/floor.py). Every figure is a median of many runs; the
machines are noisy, so compare ratios, not absolute times. Each database backend runs in its own
subprocess (the app reads its settings once).

The parts, each readable on its own: cold.py (cold start), inprocess.py (scale, CPU and SQL per
request), throughput.py (many clients), job.py (scheduled summaries), performance.py (portfolio
performance at 50 assets x 10 years), export.py (GET /api/export at 100k and 1M transactions: time
and peak memory), imports.py (a 10,000-line OFX import with 20 rules beside its floor), results.py
(the report).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.cold import cold_start
from bench.pg import reachable, server_from_env, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp()) / "result.json"
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development"}
    env.pop("BCRYPT_ROUNDS", None)  # measure logins at the configured default
    cmd = [sys.executable, "-m", "bench.run", "--backend-json", str(out), "--runs", str(args.runs),
           "--sizes", ",".join(map(str, args.sizes))]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return json.loads(out.read_text())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the function handlers",
                                     epilog="Needs PostgreSQL at $BENCH_POSTGRES_SERVER unless --backends sqlite.")
    parser.add_argument("--quick", action="store_true", help="small sizes and few runs (CI smoke)")
    parser.add_argument("--sizes", default=None, help="comma-separated transaction counts")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-server", default=server_from_env(),
                        help="a PostgreSQL URL whose role may create databases (default: $BENCH_POSTGRES_SERVER "
                             "or postgresql://postgres@127.0.0.1:5432/postgres)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", default=None, help="write the results here (default: a scratch file)")
    where.add_argument("--write-results", action="store_true",
                       help=f"record the results in the committed {RESULTS.relative_to(ROOT)} (and .json)")
    parser.add_argument("--render", default=None, metavar="RESULTS.json",
                        help="only write the markdown again from a run's raw figures")
    parser.add_argument("--export-sizes", default=None,
                        help="transaction counts for GET /api/export (default 2000 with --quick, else 100000,1000000)")
    parser.add_argument("--import-lines", type=int, default=None,
                        help="OFX lines for POST /api/imports (default 1000 with --quick, else 10000)")
    parser.add_argument("--backend-json", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.export_sizes = [int(s) for s in (args.export_sizes or ("2000" if args.quick else "100000,1000000")).split(",")]
    args.import_lines = args.import_lines or (1000 if args.quick else 10_000)
    args.sizes = [int(s) for s in (args.sizes or ("200,2000" if args.quick else "1000,100000,1000000")).split(",")]
    args.runs = args.runs or (5 if args.quick else 30)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}: choose from sqlite, postgresql")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.backend_json:
        from bench.inprocess import backend_run

        Path(args.backend_json).write_text(json.dumps(backend_run(args)))
        return 0
    if args.render:
        from bench.results import write_results

        raw = json.loads(Path(args.render).read_text())
        args.quick = raw["quick"]
        output = RESULTS if args.write_results else Path(args.output or Path(args.render).with_suffix(".md"))
        output.write_text(write_results(args, raw["cold"], raw["backends"], raw.get("beside", {}), raw["http"],
                                        raw["job"]))
        print(f"results written to {output}")
        return 0
    if "postgresql" in args.backends:
        problem = reachable(args.postgres_server)
        if problem:
            print(f"bench.run needs PostgreSQL ({problem}). Start it, point $BENCH_POSTGRES_SERVER or "
                  "--postgres-server at a server whose role may create databases, or run with --backends sqlite.",
                  file=sys.stderr)
            return 2
    from bench.job import scheduled_job
    from bench.results import write_results
    from bench.sidebyside import side_by_side
    from bench.throughput import http_throughput

    cold = cold_start(3 if args.quick else min(15, args.runs))
    backends, http_results, beside = [], None, {}
    rounds, requests = (2, 20) if args.quick else (5, 100)
    for backend in args.backends:
        if backend == "sqlite":
            backends.append(run_backend(f"sqlite:///{tempfile.mkdtemp()}/bench.db", args))
            beside[backend] = side_by_side(f"sqlite:///{tempfile.mkdtemp()}/side.db", rounds=rounds,
                                           requests=requests)
            continue
        with throwaway_database(args.postgres_server, "bench") as url:
            backends.append(run_backend(url, args))
        with throwaway_database(args.postgres_server, "bench_side") as url:
            beside[backend] = side_by_side(url, rounds=rounds, requests=requests)
        with throwaway_database(args.postgres_server, "bench_http") as url:
            http_results = http_throughput(url, 16, 3 if args.quick else 20)
    # The job's size follows the run's: 1M rows only in a run that goes to 1M transactions.
    job = scheduled_job(args.quick or max(args.sizes) < 1_000_000, args.backends, args.postgres_server)
    from bench.performance import performance_bench
    from bench.performance import section as performance_section

    performance = performance_bench(args.quick, args.backends, args.postgres_server)
    from bench.export import export_bench
    from bench.export import section as export_section
    from bench.imports import imports_bench
    from bench.imports import section as imports_section

    export = export_bench(args.export_sizes, args.backends, args.postgres_server)
    imports = (imports_bench(args.import_lines, 20, 2 if args.quick else 7, args.postgres_server)
               if "postgresql" in args.backends else None)
    output = RESULTS if args.write_results else Path(args.output or Path(tempfile.mkdtemp(prefix="bench-")) /
                                                                       "RESULTS.md")
    raw = {"cold": cold, "backends": backends, "beside": beside, "http": http_results, "job": job,
           "quick": args.quick, "performance": performance, "export": export, "imports": imports}
    output.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    text = write_results(args, cold, backends, beside, http_results, job) + "\n".join(
        ["", *performance_section(performance), *export_section(export), *imports_section(imports)])
    output.write_text(text)
    print(text)
    print(f"results written to {output}" + ("" if args.write_results else
                                            " (the committed bench/RESULTS.md is written with --write-results)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
