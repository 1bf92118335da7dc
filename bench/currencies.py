"""Reports in three currencies at every history size (issue 17): a user whose transactions are a third
in their own currency (USD), a third in EUR and a third in GBP, with daily EUR reference rates over
the whole history (GBP converts through the euro). The reports must answer within 1.5x of the same
report over the smallest history, with a SQL statement count that does not grow.

    .venv/bin/python -m bench.currencies                        # SQLite, 1,000 and 1,000,000 transactions
    .venv/bin/python -m bench.currencies --sizes 200,2000 --runs 5
    DATABASE_URL=postgresql://... .venv/bin/python -m bench.currencies

The same density as bench/inprocess.py (1,000 transactions a month: history grows by adding months),
except that every size fills at least the last 12 months: the reports below cover those 12 months, so
each size answers the same report over the same months and only the history around them grows (at
1,000 transactions in one month, the 12-month summary and trend of the smallest user read one month's
kept totals and the largest twelve: that measured the range, not the history). Each report is invoked
through devhost's router, as devhost serves it; figures are medians.
`bench.run` calls `measure` from each backend's subprocess (the hook in bench/inprocess.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.inprocess import PER_MONTH, Recorder, _call, spread_date
from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
CURRENCIES = ("USD", "EUR", "GBP")


def seed(size: int) -> dict[str, Any]:
    """A USD user with `size` transactions spread over three currencies, and the rates they need."""
    import uuid

    from sqlalchemy import select

    from shared.data.db import run_unit_of_work
    from shared.data.models import Account, Budget, Category
    from shared.schemas.identity import RegisterIn
    from shared.schemas.money import TransactionIn
    from shared.services import identity
    from shared.services.bulk_transactions import import_transactions
    from shared.services.fx_rates import store_reference_rates

    today = dt.date.today()
    months = max(12, -(-size // PER_MONTH))  # the reports' 12 months always hold data

    def work(session):
        user = identity.register(session, RegisterIn(
            username=f"fx_{size}_{uuid.uuid4().hex[:8]}", password="bench-password-123", first_name="Bench",
            last_name="Currencies", currency="USD"))
        holders = [Account(user_id=user.id, name=c, type="checking", currency=c, opening_balance=Decimal(0),
                           balance=Decimal(0)) for c in CURRENCIES]
        session.add_all(holders)
        session.flush()
        cats = dict(session.execute(select(Category.name, Category.id).where(Category.user_id == user.id)).all())
        spend = [cats[n] for n in ("Groceries", "Rent", "Utilities", "Transport", "Dining", "Shopping")]
        items = []
        first_day = today
        for i in range(size):
            date = spread_date(i, size, months, today)
            first_day = min(first_day, date)
            kind = "income" if i % 10 == 0 else "expense"
            items.append(TransactionIn.model_validate({
                "type": kind, "amount": Decimal(1 + (i * 37) % 5000) / 100 + 1, "date": date.isoformat(),
                "account_id": holders[i % 3].id, "category_id": cats["Salary"] if kind == "income" else spend[i % 6]}))
        import_transactions(session, user, items)
        month = today.replace(day=1)
        session.add(Budget(user_id=user.id, category_id=spend[0], month=f"{today:%Y-%m}", start_date=month,
                           end_date=(month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
                           amount=Decimal("500")))
        # Reference rates are shared by every user, whatever their history: daily over the last two
        # years (and back to this user's first transaction when that is earlier).
        since = min(first_day, today - dt.timedelta(days=730))
        rates = [(since + dt.timedelta(days=d), "EUR", quote, Decimal(base) + Decimal(d % 97) / 1000)
                 for d in range((today - since).days + 1) for quote, base in (("USD", "1.05"), ("GBP", "0.85"))]
        store_reference_rates(session, rates)
        return {"token": identity.start_session(session, user).access_token, "user_id": user.id}

    started = time.perf_counter()
    fixture = run_unit_of_work(work)
    fixture["seed_s"] = time.perf_counter() - started
    return fixture


def _analyze() -> None:
    """Fresh statistics after the bulk seeding, as autovacuum would gather them (the benchmark's PostgreSQL
    may run without autovacuum: net worth at 1,000,000 read 2.2x slower on the stale plan, 1.0x after)."""
    from shared.data.db import get_engine

    engine = get_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def operations() -> list[tuple[str, str]]:
    today = dt.date.today()
    first = today.replace(day=1)
    year_ago = (first - dt.timedelta(days=335)).replace(day=1)
    return [
        ("monthly report", f"/api/reports/monthly?month={today:%Y-%m}"),
        ("summary, 12 months", f"/api/reports/summary?date_from={year_ago}&date_to={today}"),
        ("trend, 12 months", f"/api/reports/trend?granularity=month&date_from={year_ago}&date_to={today}"),
        ("budgets of the month", f"/api/budgets?month={today:%Y-%m}"),
        ("net worth", "/api/net-worth"),
    ]


def measure(dispatcher, recorder: Recorder, sizes: list[int], runs: int) -> dict[str, Any]:
    """Every size seeded first; then each report's requests alternate between the sizes, so a noisy
    moment of the machine falls on all of them alike (medians of `runs`, after two warm-ups each)."""
    fixtures = {size: seed(size) for size in sizes}
    _analyze()
    out: dict[str, Any] = {"sizes": {size: {"seed_s": fixtures[size]["seed_s"]} for size in sizes}}
    for name, path in operations():
        walls: dict[int, list[float]] = {size: [] for size in sizes}
        counts: dict[int, list[int]] = {size: [] for size in sizes}
        last: dict[int, tuple[int, bytes]] = {}
        for i in range(runs + 2):
            for size in sizes:
                recorder.statements, recorder.active = [], True
                t0 = time.perf_counter()
                status, _, body = _call(dispatcher, "GET", path, fixtures[size]["token"])
                elapsed = time.perf_counter() - t0
                recorder.active = False
                last[size] = (status, body)
                if i >= 2:  # the first two warm the caches
                    walls[size].append(elapsed)
                    counts[size].append(len(recorder.statements))
        for size in sizes:
            status, body = last[size]
            answer = json.loads(body) if status == 200 else {}
            out["sizes"][size][name] = {"status": status, "wall_ms": median(walls[size]) * 1000,
                                        "statements": max(counts[size]),
                                        "missing_rates": answer.get("missing_rates", [])}
    return out


def table(result: dict[str, Any]) -> str:
    sizes = sorted(result["sizes"], key=int)
    small, large = sizes[0], sizes[-1]
    lines = ["| report (USD user, USD/EUR/GBP) | " + " | ".join(f"{int(s):,} txns (ms)" for s in sizes)
             + f" | {int(large):,} ÷ {int(small):,} (≤ 1.5) | SQL statements |",
             "|---|" + "---|" * (len(sizes) + 2)]
    for name, _ in operations():
        walls = [result["sizes"][s][name]["wall_ms"] for s in sizes]
        counts = sorted({result["sizes"][s][name]["statements"] for s in sizes})
        ratio = walls[-1] / walls[0] if walls[0] else float("nan")
        lines.append(f"| {name} | " + " | ".join(f"{w:.2f}" for w in walls)
                     + f" | {ratio:.2f} {'✅' if ratio <= 1.5 else '❌'} | {' / '.join(map(str, counts))} |")
    seeds = ", ".join(f"{int(s):,} in {result['sizes'][s]['seed_s']:.1f} s" for s in sizes)
    return "\n".join(lines) + f"\n\nSeeding through the services: {seeds}.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reports over three currencies at growing history sizes.")
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench-fx.db")
    os.environ.setdefault("APP_ENV", "development")
    sys.path.insert(0, str(ROOT))
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    engine = get_engine()
    if engine.dialect.name != "sqlite":
        upgrade_to_head(engine)
    import function_app
    from devhost import Dispatcher

    result = measure(Dispatcher(function_app.app), Recorder(engine), [int(s) for s in args.sizes.split(",")],
                     args.runs)
    print(f"## {engine.dialect.name}: reports in three currencies\n\n" + table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
