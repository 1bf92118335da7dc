"""GET /api/export for a user with many transactions (100,000 and 1,000,000): time and peak memory.

Run: `.venv/bin/python -m bench.export [--sizes 100000,1000000] [--backends postgresql,sqlite]
[--write-results]`. Each size and backend gets a throw-away database (PostgreSQL from
BENCH_POSTGRES_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres; SQLite a file in a
temporary folder); the user's transactions are seeded in bulk through shared.services.bulk_transactions
(about one in five tagged) in one child process, then ANALYZE (as autovacuum would), and the export
runs through devhost's router in a fresh child process, so its peak resident memory (ru_maxrss) is the
export's own process. The zip is opened and its transactions.csv rows counted, so a figure is never
one of a broken export.
`python -m bench.run` runs it too (2,000 transactions with --quick, 100,000 and 1,000,000 in a full
run). With --write-results the figures replace the export section of bench/RESULTS.md, and only it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Export (GET /api/export)"
SEED_CHUNK = 50_000


def seed(size: int) -> None:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from shared.data.db import get_engine, run_unit_of_work
    from shared.data.migrate import upgrade_to_head
    from shared.data.models import Account, Category, User
    from shared.schemas.identity import RegisterIn
    from shared.services import identity
    from shared.services.bulk_transactions import insert_rows

    upgrade_to_head(get_engine())

    def make_user(session):
        user = identity.register(session, RegisterIn(username="exporter", password="bench-export-password",
                                                     first_name="E", last_name="B"))
        account = Account(user_id=user.id, name="Checking", type="checking", opening_balance=Decimal(0),
                          balance=Decimal(0), currency=user.currency)
        session.add(account)
        session.flush()
        category = session.execute(select(Category.id).where(Category.user_id == user.id,
                                                             Category.kind == "expense")).scalars().first()
        return user.id, account.id, category, user.currency

    user_id, account_id, category_id, currency = run_unit_of_work(make_user)
    start = dt.date(2020, 1, 1)
    for first in range(0, size, SEED_CHUNK):
        def chunk(session, first=first):
            user = session.get(User, user_id)
            rows = [{"type": "expense", "amount": Decimal(n % 5000 + 1) / 100, "currency": currency,
                     "date": start + dt.timedelta(days=n % 2500), "description": f"purchase {n}",
                     "payee": f"shop {n % 100}", "category_id": category_id, "account_id": account_id,
                     "import_key": f"bench-seed-{n}",
                     **({"tags": ["groceries", f"week {n % 52}"]} if n % 5 == 0 else {})}
                    for n in range(first, min(size, first + SEED_CHUNK))]
            insert_rows(session, user, rows, skip_known_keys=True)  # with keys: ids come back, tags link
        run_unit_of_work(chunk)
    # What autovacuum does after a bulk load (it is off on the shared bench server): without
    # statistics a planner takes a million rows for a few and plans for that.
    with get_engine().connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def export_once() -> dict:
    sys.path.insert(0, str(ROOT))
    import function_app
    from devhost import Dispatcher

    dispatcher = Dispatcher(function_app.app)
    headers = {"x-forwarded-for": "127.0.0.1", "content-type": "application/json"}
    body = json.dumps({"username": "exporter", "password": "bench-export-password"}).encode()
    _, _, out = dispatcher.handle("POST", "/api/login", "", {**headers, "content-length": str(len(body))}, body,
                                  "http://bench/api/login")
    token = json.loads(out)["access_token"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    status, _, zipped = dispatcher.handle("GET", "/api/export", "", {**headers, "authorization": f"Bearer {token}"},
                                          b"", "http://bench/api/export")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert status == 200, zipped[:300]
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive, archive.open("transactions.csv") as raw:
        rows = sum(1 for _ in io.TextIOWrapper(raw, encoding="utf-8", newline="")) - 1  # no newline in the data
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "zip_mib": round(len(zipped) / 2**20, 1),
            "peak_rss_mib": round(peak / 1024, 1), "rss_before_mib": round(before / 1024, 1), "csv_rows": rows,
            "load": round(os.getloadavg()[0], 1)}


def _child(step: str, size: int, url: str) -> dict | None:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "BCRYPT_ROUNDS": "4",
           "JWT_SECRET": "bench-export-secret-that-is-long-enough-0123456789"}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "bench.export", "--child", step, "--size", str(size)],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    if step == "seed":
        return {"seed_seconds": round(time.perf_counter() - started, 1)}
    return json.loads(out.stdout.strip().splitlines()[-1])


def export_bench(sizes: list[int], backends: list[str], postgres_server: str) -> dict:
    """{backend: {size: figures}}, each size on its own throw-away database."""
    from bench.pg import throwaway_database

    results: dict = {}
    for backend in backends:
        for size in sizes:
            if backend == "postgresql":
                with throwaway_database(postgres_server, "bench_export") as url:
                    seeded = _child("seed", size, url)
                    figures = {**seeded, **_child("export", size, url)}
            else:
                with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
                    url = f"sqlite:///{folder}/export.db"
                    seeded = _child("seed", size, url)
                    figures = {**seeded, **_child("export", size, url)}
            assert figures["csv_rows"] == size, figures
            results.setdefault(backend, {})[size] = figures
            print(backend, size, figures, flush=True)
    return results


def section(results: dict | None) -> list[str]:
    """Lines for bench/RESULTS.md."""
    if not results:
        return []
    lines = [HEADING, "",
             f"Generated by `python -m bench.export` on {dt.date.today().isoformat()}. One user, all transactions "
             "in one account, one in five with two tags; the export through devhost's router in a fresh process. "
             "Peak RSS is that whole process (Python, the app, the request and its answer: the zip is handed to "
             "the Functions host as one body); the rows themselves are read, written and zipped 5,000 at a "
             "time, transactions by (date, id) on the owner's index. The seed is followed by ANALYZE, as "
             "autovacuum would. Shared 2-core machine: the load average is the one at the end of each export.",
             "",
             "| database | transactions | export s | app CPU s | zip MiB | peak RSS MiB | RSS before MiB | "
             "load | seed s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for backend, by_size in results.items():
        for size, r in sorted(by_size.items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {backend} | {int(size):,} | {r['seconds']} | {r.get('cpu_seconds', '')} | "
                         f"{r['zip_mib']} | {r['peak_rss_mib']} | {r['rss_before_mib']} | {r.get('load', '')} | "
                         f"{r.get('seed_seconds', '')} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> None:
    from bench.pg import server_from_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="transaction counts (default 100000,1000000)")
    parser.add_argument("--backends", default="postgresql", help="postgresql, sqlite or both, comma-separated")
    parser.add_argument("--write-results", action="store_true", help="replace the export section of RESULTS.md")
    parser.add_argument("--json", default=None, help="also write the raw figures here")
    parser.add_argument("--child", choices=["seed", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "seed":
        seed(args.size)
        return
    if args.child == "export":
        print(json.dumps(export_once()))
        return
    results = export_bench([int(s) for s in args.sizes.split(",")],
                           [b.strip() for b in args.backends.split(",") if b.strip()], server_from_env())
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print("\n".join(section(results)))
    if args.write_results:
        from bench.sections import replace_section

        replace_section(section(results))


if __name__ == "__main__":
    main()
