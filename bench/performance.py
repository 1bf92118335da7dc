"""Portfolio performance at scale: 50 assets, 10 years of daily prices, 2,000 trades, on PostgreSQL.

    .venv/bin/python -m bench.performance            # prints the figures (and `--quick` for CI)

bench.run runs it too (PostgreSQL at $BENCH_POSTGRES_SERVER, like the rest of the benchmark).

Seeds one user in bulk (Core inserts, not the API: 182,650 price rows), then calls
GET /api/portfolios/{id}/performance through devhost's router, exactly as devhost serves it: the
default range (12 months), and the whole 10 years. It counts the SQL statements of each call at the
driver, for 50 assets and for 5 (the count must not grow with the number of assets). Target: under
300 ms for the 50-asset portfolio.
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

from bench.pg import server_from_env, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300


def _seed(session, user_id: int, assets: int, years: int, trades: int) -> int:
    from decimal import Decimal

    from sqlalchemy import insert

    from shared.data.models import Asset, AssetPrice, AssetTrade, Portfolio
    from shared.data.types import utcnow

    now = utcnow()
    today = dt.date.today()
    first = today.replace(year=today.year - years)
    days = (today - first).days + 1
    portfolio = Portfolio(user_id=user_id, name=f"{assets} assets")
    session.add(portfolio)
    session.flush()
    rows = [Asset(portfolio_id=portfolio.id, user_id=user_id, name=f"Asset {i}", type="stock",
                  quantity=Decimal(100), amount_invested=Decimal("10000.00"), purchase_date=first)
            for i in range(assets)]
    session.add_all(rows)
    session.flush()

    def price(i: int, day: int) -> Decimal:  # a deterministic wobbly path around 100
        return (Decimal(100) + Decimal((day * (i + 7)) % 97 - 40) / 4).quantize(Decimal("0.01"))

    stamps = {"created_at": now, "updated_at": now}
    prices = [{"asset_id": a.id, "date": first + dt.timedelta(days=d), "price": price(i, d), **stamps}
              for i, a in enumerate(rows) for d in range(days)]
    for start in range(0, len(prices), 20_000):
        session.execute(insert(AssetPrice), prices[start:start + 20_000])
    per_asset = trades // assets
    trade_rows = []
    for i, a in enumerate(rows):
        trade_rows.append({"asset_id": a.id, "user_id": user_id, "type": "buy", "date": first,
                           "quantity": Decimal(100), "price": None, "amount": Decimal("10000.00"), "fee": None,
                           "initial": True, **stamps})
        for k in range(1, per_asset):
            d = ((k * days) // per_asset + i * 37) % days or 1  # each asset on its own days: ~all days differ
            p = price(i, d)
            kind = ("buy", "sell", "dividend", "fee")[k % 4]
            row = {"asset_id": a.id, "user_id": user_id, "type": kind, "date": first + dt.timedelta(days=d),
                   "quantity": None, "price": None, "amount": None, "fee": None, "initial": False, **stamps}
            if kind in ("buy", "sell"):
                row.update(quantity=Decimal(5), price=p, amount=(5 * p).quantize(Decimal("0.01")))
            else:
                row.update(amount=Decimal("12.34") if kind == "dividend" else Decimal("1.50"))
            trade_rows.append(row)
    session.execute(insert(AssetTrade), trade_rows)
    return portfolio.id


def _measure_here(quick: bool) -> dict:
    """In a subprocess with DATABASE_URL set: seed, then time the route."""
    sys.path.insert(0, str(ROOT))
    import uuid

    from sqlalchemy import event

    from shared.data.db import get_engine, run_unit_of_work
    from shared.data.migrate import upgrade_to_head
    from shared.schemas.identity import RegisterIn
    from shared.services import identity

    engine = get_engine()
    upgrade_to_head(engine)
    import function_app
    from devhost import Dispatcher

    years = 2 if quick else 10

    def work(session):
        user = identity.register(session, RegisterIn(username=f"perf_{uuid.uuid4().hex[:8]}",
                                                     password="bench-password-123", first_name="B", last_name="U"))
        big = _seed(session, user.id, 50, years, 2000)
        small = _seed(session, user.id, 5, years, 200)
        return big, small, identity.start_session(session, user).access_token

    started = time.perf_counter()
    big, small, token = run_unit_of_work(work)
    seed_s = time.perf_counter() - started
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    statements: list[tuple[str, object]] = []  # (SQL, parameters) as the driver got them
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append((a[2], a[3])))
    dispatcher = Dispatcher(function_app.app)
    headers = {"authorization": f"Bearer {token}", "x-forwarded-for": "127.0.0.1"}
    first = dt.date.today().replace(year=dt.date.today().year - years)
    runs = 3 if quick else 15
    out = {"seed_s": seed_s, "years": years, "runs": runs}
    cases = {
        "50 assets, last 12 months": (big, ""),
        f"50 assets, all {years} years": (big, f"date_from={first.isoformat()}"),
        "5 assets, last 12 months": (small, ""),
    }
    for name, (portfolio_id, query) in cases.items():
        path = f"/api/portfolios/{portfolio_id}/performance"
        walls, cpus, counts = [], [], []
        for i in range(runs + 2):
            statements.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            status, _, body = dispatcher.handle("GET", path, query, headers, b"", f"http://bench{path}?{query}")
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert status == 200, body
            if i >= 2:
                walls.append(wall)
                cpus.append(cpu)
                counts.append(len(statements))
        floor = _floor(engine, list(statements), runs)
        out[name] = {"wall_ms": statistics.median(walls) * 1000, "cpu_ms": statistics.median(cpus) * 1000,
                     "wall_min_ms": min(walls) * 1000, "statements": max(counts), "floor_ms": floor * 1000,
                     "floor_ratio": statistics.median(walls) / floor, "answer": json.loads(body)}
    out["load_average"] = os.getloadavg()[0]
    return out


def _floor(engine, statements: list[tuple[str, object]], runs: int) -> float:
    """The median wall time of the same call's SQL alone: each statement, with its parameters, through the
    bare driver, every row fetched (no app, no ORM, no computation): what the database and the wire cost."""
    raw = engine.raw_connection()
    try:
        walls = []
        for i in range(runs + 2):
            t0 = time.perf_counter()
            cursor = raw.cursor()
            for sql, parameters in statements:
                cursor.execute(sql, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            cursor.close()
            raw.rollback()
            if i >= 2:
                walls.append(time.perf_counter() - t0)
        return statistics.median(walls)
    finally:
        raw.close()


def performance_bench(quick: bool, backends: list[str], postgres_server: str) -> dict | None:
    """Measure in a subprocess on a throw-away PostgreSQL database (the app reads its settings once);
    None when the run has no PostgreSQL."""
    if "postgresql" not in backends:
        return None
    with throwaway_database(postgres_server, "bench_perf") as url:
        out = Path(tempfile.mkdtemp()) / "performance.json"
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development"}
        cmd = [sys.executable, "-m", "bench.performance", "--json", str(out)] + (["--quick"] if quick else [])
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
        return json.loads(out.read_text())


def section(result: dict | None) -> list[str]:
    """Lines for bench/RESULTS.md."""
    if result is None:
        return []
    lines = ["## Portfolio performance (PostgreSQL)", "",
             f"50 assets × {result['years']} years of daily prices × 2,000 trades (and 5 assets × 200 trades), "
             f"GET /api/portfolios/{{id}}/performance, median of {result['runs']} runs. Target: under "
             f"{TARGET_MS} ms for 50 assets, statements not growing with the number of assets.", "",
             f"Load average during the run: {result.get('load_average', 0):.1f} on this 2-core machine "
             "(the database shares it): wall times are inflated by the other work; CPU is this process's.", "",
             "The floor is the same call's SQL alone (each statement through the bare driver, every row fetched, "
             "same runs): the ratio says what the app adds over the database's own cost, whatever the load.", "",
             "| case | wall ms (median) | wall ms (best) | CPU ms | SQL statements | floor ms | × floor "
             "| met (median) |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, figures in result.items():
        if isinstance(figures, dict) and "wall_ms" in figures:
            met = "yes" if figures["wall_ms"] < TARGET_MS else "no"
            lines.append(f"| {name} | {figures['wall_ms']:.1f} | {figures['wall_min_ms']:.1f} | "
                         f"{figures['cpu_ms']:.1f} | {figures['statements']} | {figures['floor_ms']:.1f} | "
                         f"{figures['floor_ratio']:.1f} | {met} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.json:
        Path(args.json).write_text(json.dumps(_measure_here(args.quick)))
        return 0
    print("\n".join(section(performance_bench(args.quick, ["postgresql"], server_from_env()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
