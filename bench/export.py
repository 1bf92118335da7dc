"""GET /api/export for a user with 100,000 and 1,000,000 transactions on PostgreSQL: time and peak memory.

Run: `.venv/bin/python -m bench.export [--sizes 100000,1000000]`. Each size gets a throw-away
database; the user's transactions are seeded in bulk through shared.services.bulk_transactions in one
child process, and the export runs through devhost's router in a fresh child process, so its peak
resident memory (ru_maxrss) is the export's own. Writes bench/EXPORT.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed(size: int) -> None:
    sys.path.insert(0, str(ROOT))
    from shared.data.db import get_engine, run_unit_of_work
    from shared.data.migrate import upgrade_to_head
    from shared.services import identity
    from shared.schemas.identity import RegisterIn
    from shared.data.models import Account, Category
    from shared.services.bulk_transactions import insert_rows
    from sqlalchemy import select

    upgrade_to_head(get_engine())

    def make_user(session):
        user = identity.register(session, RegisterIn(username="exporter", password="bench-export-password",
                                                     first_name="E", last_name="B"))
        account = Account(user_id=user.id, name="Checking", type="checking", opening_balance=Decimal(0),
                          balance=Decimal(0))
        session.add(account)
        session.flush()
        category = session.execute(select(Category.id).where(Category.user_id == user.id,
                                                             Category.kind == "expense")).scalars().first()
        return user.id, account.id, category

    user_id, account_id, category_id = run_unit_of_work(make_user)
    start = dt.date(2020, 1, 1)
    for first in range(0, size, 50_000):
        def chunk(session, first=first):
            from shared.data.models import User

            user = session.get(User, user_id)
            rows = [{"type": "expense", "amount": Decimal(n % 5000 + 1) / 100, "date": start + dt.timedelta(days=n % 2500),
                     "description": f"purchase {n}", "payee": f"shop {n % 100}", "category_id": category_id,
                     "account_id": account_id} for n in range(first, min(size, first + 50_000))]
            insert_rows(session, user, rows)
        run_unit_of_work(chunk)


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
    started = time.perf_counter()
    status, _, zipped = dispatcher.handle("GET", "/api/export", "", {**headers, "authorization": f"Bearer {token}"},
                                          b"", "http://bench/api/export")
    seconds = time.perf_counter() - started
    assert status == 200, zipped[:300]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": round(seconds, 1), "zip_mib": round(len(zipped) / 2**20, 1),
            "peak_rss_mib": round(peak / 1024, 1), "rss_before_mib": round(before / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--child", choices=["seed", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "seed":
        seed(args.size)
        return
    if args.child == "export":
        print(json.dumps(export_once()))
        return
    from bench.pg import server_from_env, throwaway_database

    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with throwaway_database(server_from_env(), "bench_export") as url:
            env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "BCRYPT_ROUNDS": "4",
                   "JWT_SECRET": "bench-export-secret-that-is-long-enough-0123456789"}
            for step in ("seed", "export"):
                out = subprocess.run([sys.executable, "-m", "bench.export", "--child", step, "--size", str(size)],
                                     cwd=ROOT, env=env, capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    raise SystemExit(out.stderr[-3000:])
            results[size] = json.loads(out.stdout.strip().splitlines()[-1])
            print(size, results[size], flush=True)
    lines = ["# GET /api/export on PostgreSQL (`python -m bench.export`)", "",
             "One user, all transactions in one account; the export through devhost's router in a fresh process",
             "(peak RSS is the whole process: Python, the app and the export). Shared, loaded 2-core machine.", "",
             "| transactions | seconds | zip MiB | peak RSS MiB | RSS before the request MiB |", "|---|---|---|---|---|"]
    for size, r in results.items():
        lines.append(f"| {size:,} | {r['seconds']} | {r['zip_mib']} | {r['peak_rss_mib']} | {r['rss_before_mib']} |")
    (ROOT / "bench" / "EXPORT.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
