"""Benchmark entries for recurring transactions: GET /api/recurring/suggestions (bounded work in SQL:
the answer must not slow down with the length of the history) and GET /api/forecast (kept balances
plus the schedules, never the history).

`operations(fixture)` adds both to the main benchmark's table of operations (bench.inprocess); the first
call gives the fixture's user a few repeating series (weekly coffee, monthly rent) in recent history
and two schedules, so the suggestions have something to find and the forecast something to walk. The table's
`items` column shows how many series each size found: the suggestions read at most the 2,000 most recent
transactions (shared/services/suggestions.py), so at this benchmark's density (1,000 a month) a larger history
finds only the series whose payments fall in its last two months.
Standalone, without the rest of the benchmark:

    .venv/bin/python -m bench.recurring                   # 1k and 1M transactions on SQLite
    .venv/bin/python -m bench.recurring --quick           # 1k and 10k (past the suggestions' 2,000-row bound)
    .venv/bin/python -m bench.recurring --sizes 1000,100000 --runs 20
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def seed_series(fixture: dict[str, Any]) -> None:
    """Repeating payments and two schedules for the fixture's user, through the services."""
    from shared.data.db import run_unit_of_work
    from shared.data.models import User
    from shared.schemas.money import TransactionIn
    from shared.schemas.recurring import RecurringIn
    from shared.services.bulk_transactions import import_transactions
    from shared.services.recurring import RecurringSchedules

    today = dt.date.today()
    account = fixture["account_id"]
    items = [{"type": "expense", "amount": "4.80", "date": (today - dt.timedelta(days=7 * k)).isoformat(),
              "description": "Corner coffee", "account_id": account} for k in range(1, 13)]
    # Rent on the 1st of this month and the five before (this month's is paid: a series that missed its last
    # due day by more than a week counts as stopped), and a yearly insurance paid three times.
    months = [(today.year * 12 + today.month - 1 - k) for k in range(6)]
    items += [{"type": "expense", "amount": "950.00", "date": dt.date(m // 12, m % 12 + 1, 1).isoformat(),
               "description": "Rent", "account_id": account} for m in months]
    insured = today - dt.timedelta(days=100)
    items += [{"type": "expense", "amount": "480.00", "description": "Home insurance", "account_id": account,
               "date": insured.replace(year=insured.year - k, day=min(insured.day, 28)).isoformat()} for k in range(3)]
    schedules = [{"name": "Gym", "type": "expense", "amount": "35.00", "frequency": "weekly",
                  "start_date": today.isoformat(), "account_id": account},
                 {"name": "Salary", "type": "income", "amount": "2500.00", "frequency": "monthly",
                  "start_date": today.isoformat(), "account_id": account}]

    def work(session):
        user = session.get(User, fixture["user_id"])
        import_transactions(session, user, [TransactionIn.model_validate(i) for i in items])
        for body in schedules:
            RecurringSchedules().create(session, user, RecurringIn.model_validate(body))

    run_unit_of_work(work)


def operations(fixture: dict[str, Any]) -> list[tuple[str, str, str, Any, dict[str, str]]]:
    if not fixture.get("recurring_seeded"):
        seed_series(fixture)
        fixture["recurring_seeded"] = True
    return [
        ("recurring suggestions", "GET", "/api/recurring/suggestions", None, {}),
        ("forecast, 90 days", "GET", "/api/forecast?days=90", None, {}),
    ]


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    """In a subprocess with DATABASE_URL set: seed every size, then time the two operations on each size in
    turn."""
    sys.path.insert(0, str(ROOT))
    from bench.inprocess import _call, seed_user
    from bench.stats import median
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    if get_engine().dialect.name != "sqlite":
        upgrade_to_head(get_engine())
    import function_app
    from devhost import Dispatcher

    dispatcher = Dispatcher(function_app.app)
    fixtures = {size: seed_user(size) for size in args.sizes}
    plans = {size: operations(fixture) for size, fixture in fixtures.items()}
    out: dict[str, Any] = {}
    for index, (name, *_rest) in enumerate(plans[args.sizes[0]]):
        walls: dict[int, list[float]] = {size: [] for size in args.sizes}
        answers: dict[int, bytes] = {}
        for run in range(args.runs + 2):  # the sizes in turn, so machine noise hits them alike
            for size in args.sizes:
                _name, method, path, body, headers = plans[size][index]
                started = time.perf_counter()
                status, _, answers[size] = _call(dispatcher, method, path, fixtures[size]["token"], body, headers)
                if run >= 2:
                    walls[size].append(time.perf_counter() - started)
                assert status == 200, answers[size][:300]
        out[name] = {size: {"wall_ms": median(walls[size]) * 1000,
                            "items": len(json.loads(answers[size]).get("items", []))} for size in args.sizes}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark suggestions and forecast at two history sizes")
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--quick", action="store_true", help="sizes 1000,10000: already past the suggestions' "
                                                               "bound of 2,000 rows, minutes less seeding")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md (this "
                                                               "database's section only)")
    parser.add_argument("--json", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if args.json:
        Path(args.json).write_text(json.dumps(_measure(args)))
        return 0
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    raw = Path(tempfile.mkdtemp()) / "recurring.json"
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "bench.recurring", "--sizes", ",".join(map(str, args.sizes)),
                    "--runs", str(args.runs), "--json", str(raw)], cwd=ROOT, env=env, check=True)
    results = json.loads(raw.read_text())
    print(f"{'operation':<24}" + "".join(f"{s:>14,}" for s in args.sizes) + "   largest / smallest")
    for name, by_size in results.items():
        walls = [by_size[str(s)]["wall_ms"] for s in args.sizes]
        print(f"{name:<24}" + "".join(f"{w:>11.2f} ms" for w in walls) + f"   {walls[-1] / walls[0]:.2f}"
              + f"   (items: {', '.join(str(by_size[str(s)]['items']) for s in args.sizes)})")
    if args.write:
        from bench.sections import replace_section

        replace_section(section("postgresql" if url.startswith("postgresql") else "sqlite", args, results))
    return 0


def section(backend: str, args: argparse.Namespace, results: dict[str, Any]) -> list[str]:
    """bench/RESULTS.md's section for one database: median wall time per size, the ratio the issue sets
    (largest history within 1.5x of the smallest), and how many items each size answered."""
    sizes = args.sizes
    lines = [f"## Recurring suggestions and forecast ({backend})", "",
             f"Generated by `python -m bench.recurring --sizes {','.join(map(str, sizes))} --write` on "
             f"{dt.date.today().isoformat()} (load average {os.getloadavg()[0]:.1f} on 2 cores): one user per size "
             "at 1,000 transactions a month, seeded through the services, plus a weekly coffee, a monthly rent "
             "and a yearly insurance; the sizes requested in turn, medians of "
             f"{args.runs} runs in-process through devhost's router. `items`: suggestions found, forecast items.",
             "", "| operation | " + " | ".join(f"{s:,} txns (ms)" for s in sizes)
             + f" | {sizes[-1]:,} ÷ {sizes[0]:,} (≤ 1.5) | items |",
             "|---|" + "---:|" * len(sizes) + "---|---|"]
    for name, by_size in results.items():
        walls = [by_size[str(s)]["wall_ms"] for s in sizes]
        ratio = walls[-1] / walls[0]
        lines.append(f"| {name} | " + " | ".join(f"{w:.2f}" for w in walls)
                     + f" | {ratio:.2f} {'✅' if ratio <= 1.5 else '❌'} | "
                     + ", ".join(str(by_size[str(s)]["items"]) for s in sizes) + " |")
    found = [results["recurring suggestions"][str(s)]["items"] for s in sizes]
    if len(set(found)) > 1:
        lines += ["", f"The suggestions' time stays flat because their work is bounded: they read at most the "
                      f"2,000 most recent transactions of the last three years and a month. At this density that is "
                      f"the last two months, so the larger histories find {found[-1]} series of the "
                      f"{found[0]} the smallest finds (the rent and insurance paid earlier fall outside it)."]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
