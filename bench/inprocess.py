"""In-process measurements, run inside one backend's subprocess (the app reads its settings once):
a user seeded in bulk at each size, then every operation invoked through devhost's router exactly
as devhost serves it, its wall and CPU time, its SQL statements counted at the driver boundary, and
the floor: the same SQL sent bare through the driver plus `json.dumps` of the same answer."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
PER_MONTH = 1000  # transactions a month: history grows by adding months, as a real user's does


class Recorder:
    """Counts and keeps the SQL statements the app sends, at the driver boundary."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append((statement, parameters))


def backend_run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed and measure one backend; called in a subprocess with DATABASE_URL already set."""
    sys.path.insert(0, str(ROOT))
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    engine = get_engine()
    if engine.dialect.name != "sqlite":
        upgrade_to_head(engine)
    import function_app
    from devhost import Dispatcher

    dispatcher = Dispatcher(function_app.app)
    recorder = Recorder(engine)
    results: dict[str, Any] = {"backend": engine.dialect.name, "sizes": {}}
    for size in args.sizes:
        fixture = seed_user(size)
        results["sizes"][size] = measure_operations(dispatcher, recorder, engine, fixture, args.runs)
    results["login"] = measure_login(dispatcher, args.runs)
    from bench.currencies import measure as measure_currencies  # issue 17: reports over three currencies

    results["currencies"] = measure_currencies(dispatcher, recorder, sorted({args.sizes[0], args.sizes[-1]}),
                                               args.runs)
    return results


def _call(dispatcher, method: str, path: str, token: str | None = None, body: Any = None,
          headers: dict[str, str] | None = None):
    from urllib.parse import urlsplit

    parts = urlsplit(path)
    all_headers = {"x-forwarded-for": "127.0.0.1", **(headers or {})}
    if token:
        all_headers["authorization"] = f"Bearer {token}"
    raw = json.dumps(body).encode() if body is not None else b""
    if raw:
        all_headers["content-type"] = "application/json"
    return dispatcher.handle(method, parts.path, parts.query, all_headers, raw, "http://bench" + path)


def spread_date(i: int, size: int, months: int, today: dt.date) -> dt.date:
    """The date of the i-th of `size` transactions spread evenly over the last `months` months (never after
    today): the same density at every size, so history grows by adding months."""
    month_back = (i * months) // size
    year, month = today.year, today.month - month_back
    while month < 1:
        year, month = year - 1, month + 12
    day = 1 + (i * 7) % 28
    return dt.date(year, month, min(day, today.day) if month_back == 0 else day)


def seed_user(size: int) -> dict[str, Any]:
    """A user with `size` transactions at a fixed monthly density, seeded through the services."""
    import uuid
    from decimal import Decimal

    from sqlalchemy import select

    from shared.data.db import run_unit_of_work
    from shared.data.models import Account, Category, Goal, User
    from shared.schemas.identity import RegisterIn
    from shared.schemas.money import TransactionIn
    from shared.services import identity
    from shared.services.bulk_transactions import import_transactions

    today = dt.date.today()
    months = max(1, -(-size // PER_MONTH))

    def work(session):
        user = identity.register(session, RegisterIn(
            username=f"bench_{size}_{uuid.uuid4().hex[:8]}", password="bench-password-123",
            first_name="Bench", last_name="User"))
        checking = Account(user_id=user.id, name="Checking", type="checking", opening_balance=Decimal("1000.00"),
                           balance=Decimal("1000.00"))
        savings = Account(user_id=user.id, name="Savings", type="savings", opening_balance=Decimal(0),
                          balance=Decimal(0))
        goal = Goal(user_id=user.id, title="Trip", target_amount=Decimal("5000"), current_savings=Decimal(0))
        session.add_all([checking, savings, goal])
        session.flush()
        cats = dict(session.execute(select(Category.name, Category.id).where(Category.user_id == user.id)).all())
        expense_cats = [cats[n] for n in ("Groceries", "Rent", "Utilities", "Transport", "Dining", "Shopping")]
        items = []
        for i in range(size):
            date = spread_date(i, size, months, today)
            kind = "income" if i % 10 == 0 else ("transfer" if i % 25 == 1 else "expense")
            # 20 transactions at every size name "Zanzibar": what a text search finds stays the same
            # while the history around it grows.
            description = f"Zanzibar trip {i}" if i % max(1, size // 20) == 0 else f"bench item {i}"
            fields: dict[str, Any] = {"type": kind, "amount": Decimal(1 + (i * 37) % 5000) / 100 + 1,
                                      "date": date.isoformat(), "description": description,
                                      "account_id": checking.id}
            if kind == "income":
                fields["category_id"] = cats["Salary"]
            elif kind == "expense":
                fields["category_id"] = expense_cats[i % len(expense_cats)]
            else:
                fields["to_account_id"] = savings.id
            items.append(TransactionIn.model_validate(fields))
        import_transactions(session, user, items)
        token = identity.start_session(session, user).access_token
        some_txn = session.execute(select(User.id)).first()  # warm the connection
        del some_txn
        return {"user_id": user.id, "token": token, "account_id": checking.id, "savings_id": savings.id,
                "goal_id": goal.id, "groceries": cats["Groceries"], "username": user.username}

    started = time.perf_counter()
    fixture = run_unit_of_work(work)
    fixture["seed_s"] = time.perf_counter() - started
    return fixture


def operations(fixture: dict[str, Any]) -> list[tuple[str, str, str, Any, dict[str, str]]]:
    from bench import recurring

    today = dt.date.today()
    month = today.strftime("%Y-%m")
    first = today.replace(day=1)
    year_ago = (first - dt.timedelta(days=335)).replace(day=1)
    new_txn = {"type": "expense", "amount": "12.34", "date": today.isoformat(), "category_id": fixture["groceries"],
               "account_id": fixture["account_id"], "description": "bench create"}
    return [
        ("list (page of 50)", "GET", "/api/transactions?page_size=50", None, {}),
        ("list (filtered)", "GET", f"/api/transactions?page_size=50&type=expense&date_from={first}&date_to={today}"
                                   "&min_amount=5", None, {}),
        ("text search (q=zanzibar)", "GET", "/api/transactions?page_size=50&q=zanzibar", None, {}),
        ("get", "GET", "/api/transactions/{txn}", None, {}),
        ("create", "POST", "/api/transactions", new_txn, {}),
        ("patch", "PATCH", "/api/transactions/{txn}", {"description": "bench patch"}, {}),
        ("monthly report", "GET", f"/api/reports/monthly?month={month}", None, {}),
        ("trend, 12 months", "GET", f"/api/reports/trend?granularity=month&date_from={year_ago}&date_to={today}",
         None, {}),
        ("account balance", "GET", f"/api/accounts/{fixture['account_id']}", None, {}),
        ("goal contribution", "POST", f"/api/goals/{fixture['goal_id']}/contributions", {"amount": "1.00"}, {}),
        *recurring.operations(fixture),
    ]


def measure_operations(dispatcher, recorder: Recorder, engine, fixture: dict[str, Any], runs: int) -> dict:
    status, _, body = _call(dispatcher, "GET", "/api/transactions?page_size=1", fixture["token"])
    txn_id = json.loads(body)["items"][0]["id"] if status == 200 else 1
    out: dict[str, Any] = {"seed_s": fixture["seed_s"]}
    for name, method, path, body_in, headers in operations(fixture):
        path = path.replace("{txn}", str(txn_id))
        walls, cpus, counts = [], [], []
        last_status, answer, statements = 0, b"", []
        for i in range(runs + 2):
            recorder.statements = []
            recorder.active = True
            w0, c0 = time.perf_counter(), time.process_time()
            last_status, _, answer = _call(dispatcher, method, path, fixture["token"], body_in, headers)
            c1, w1 = time.process_time(), time.perf_counter()
            recorder.active = False
            if i >= 2:  # the first two warm the caches
                walls.append(w1 - w0)
                cpus.append(c1 - c0)
                counts.append(len(recorder.statements))
            statements = list(recorder.statements)
        floor = measure_floor(engine, statements, answer, runs)
        out[name] = {
            "status": last_status, "wall_ms": median(walls) * 1000, "cpu_ms": median(cpus) * 1000,
            "floor_cpu_ms": floor * 1000, "cpu_ratio": median(cpus) / floor if floor else float("nan"),
            "statements": max(counts) if counts else 0, "statements_min": min(counts) if counts else 0,
        }
    return out


def measure_floor(engine, statements: list[tuple[str, Any]], answer: bytes, runs: int) -> float:
    """CPU time of the same SQL sent bare through the driver, plus json.dumps of the same answer."""
    data = json.loads(answer) if answer else None
    cpus = []
    for _ in range(runs):
        raw = engine.raw_connection()
        try:
            c0 = time.process_time()
            cursor = raw.cursor()
            for statement, params in statements:
                if statement.strip().upper() in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
                    continue
                cursor.execute(statement, params)
                if cursor.description:
                    cursor.fetchall()
            json.dumps(data)
            cpus.append(time.process_time() - c0)
            cursor.close()
        finally:
            raw.rollback()
            raw.close()
    return median(cpus)


def measure_login(dispatcher, runs: int) -> dict[str, float]:
    import bcrypt

    from shared.data.config import get_settings

    rounds = get_settings().bcrypt_rounds
    salt = bcrypt.gensalt(rounds)
    hashed = bcrypt.hashpw(b"x" * 44, salt)
    times = []
    for _ in range(max(3, runs // 3)):
        t0 = time.perf_counter()
        bcrypt.checkpw(b"x" * 44, hashed)
        times.append(time.perf_counter() - t0)
    username = f"login_bench_{int(time.time() * 1000)}"
    _call(dispatcher, "POST", "/api/register", body={"username": username, "password": "bench-password-123",
                                                      "first_name": "B", "last_name": "U"})
    logins = []
    for i in range(max(3, runs // 3)):
        t0 = time.perf_counter()
        status, _, _ = _call(dispatcher, "POST", "/api/login", body={"username": username,
                                                                      "password": "bench-password-123"},
                             headers={"x-forwarded-for": f"10.9.{i}.1"})
        logins.append(time.perf_counter() - t0)
        assert status == 200, status
    return {"rounds": rounds, "bcrypt_ms": median(times) * 1000, "login_p50_ms": median(logins) * 1000}
