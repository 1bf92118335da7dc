"""The scheduled summaries job against one bare GROUP BY over the same transactions.

10,000 users × 100 transactions in one closed month (1M rows; `quick`: 500 × 20), seeded in bulk
through the services; then the job for that month runs in-process, batch by batch, exactly as the
activities do (shared.services.summaries.run_locally), and is compared with a single
`SELECT user_id, SUM(...) ... GROUP BY user_id` over those rows sent bare through the driver.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pg import throwaway_database

ROOT = Path(__file__).resolve().parent.parent


def _seed_and_time(users: int, per_user: int, runs: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from decimal import Decimal

    from sqlalchemy import insert, select, text

    from shared.data.db import get_engine, run_unit_of_work
    from shared.data.migrate import upgrade_to_head
    from shared.data.models import Transaction, User
    from shared.services import balances
    from shared.services.credentials import hash_password
    from shared.services.summaries import run_locally

    engine = get_engine()
    if engine.dialect.name != "sqlite":
        upgrade_to_head(engine)
    today = dt.date.today()
    closed = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month = closed.strftime("%Y-%m")
    password = hash_password("job-bench-password", rounds=4)
    started = time.perf_counter()
    batch = 500
    for first in range(0, users, batch):
        def seed(session, first=first):
            now = dt.datetime.now(dt.timezone.utc)
            session.execute(insert(User), [
                {"username": f"job{first + i}_{os.getpid()}", "username_key": f"job{first + i}_{os.getpid()}",
                 "first_name": "J", "last_name": "B", "currency": "USD", "role": "user",
                 "password_hash": password, "token_version": 0, "failed_logins": 0, "lockouts": 0,
                 "created_at": now, "updated_at": now} for i in range(min(batch, users - first))])
            ids = session.execute(select(User.id).where(User.username.like(f"job%_{os.getpid()}"))
                                  .order_by(User.id.desc()).limit(min(batch, users - first))).scalars().all()
            for user_id in ids:
                rows = [{"user_id": user_id, "type": "income" if i % 5 == 0 else "expense",
                         "amount": Decimal(100 + i) / 10, "currency": "USD", "date": closed + dt.timedelta(days=i % 28),
                         "created_at": now, "updated_at": now} for i in range(per_user)]
                session.execute(insert(Transaction), rows)
                balances.apply_many(session, user_id, rows)
        run_unit_of_work(seed)
    seed_s = time.perf_counter() - started
    bare = text("SELECT user_id, SUM(CASE WHEN type = 'income' THEN amount END), "
                "SUM(CASE WHEN type = 'expense' THEN amount END) FROM transactions "
                "WHERE date >= :start AND date < :end GROUP BY user_id")
    end = (closed + dt.timedelta(days=32)).replace(day=1)
    bare_times, job_times = [], []
    for _ in range(runs):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            conn.execute(bare, {"start": closed, "end": end}).fetchall()
            bare_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = run_locally(month, batch_size=500)
        job_times.append(time.perf_counter() - t0)
        assert result.status == "completed" and result.users >= users, result
    return {"backend": engine.dialect.name, "users": users, "per_user": per_user, "month": month,
            "seed_s": seed_s, "job_s": statistics.median(job_times), "bare_s": statistics.median(bare_times)}


def _run_in_subprocess(url: str, users: int, per_user: int, runs: int) -> dict:
    out = Path(tempfile.mkdtemp()) / "job.json"
    code = (f"import json, bench.job as j; json.dump(j._seed_and_time({users}, {per_user}, {runs}), "
            f"open({str(out)!r}, 'w'))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url, "APP_ENV": "development"})
    return json.loads(out.read_text())


def scheduled_job(quick: bool, backends: list[str], postgres_server: str) -> dict:
    users, per_user, runs = (500, 20, 3) if quick else (10_000, 100, 3)
    results = []
    for backend in backends:
        if backend == "sqlite":
            results.append(_run_in_subprocess(f"sqlite:///{tempfile.mkdtemp()}/job.db", users, per_user, runs))
        else:
            with throwaway_database(postgres_server, "bench_job") as url:
                results.append(_run_in_subprocess(url, users, per_user, runs))
    lines = [f"{users:,} users × {per_user} transactions in one closed month; the job (every batch of 500, "
             "in-process, the activities' code) against one bare GROUP BY over the same transactions.", "",
             "| database | seed | job | bare GROUP BY | job ÷ bare (≤ 2) |", "|---|---|---|---|---|"]
    for r in results:
        ratio = r["job_s"] / r["bare_s"]
        lines.append(f"| {r['backend']} | {r['seed_s']:.1f} s | {r['job_s']:.2f} s | {r['bare_s']:.2f} s | "
                     f"{ratio:.2f} {'✅' if ratio <= 2 else '❌'} |")
    return {"results": results, "markdown": "\n".join(lines)}
