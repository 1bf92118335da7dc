"""The audit after a load run: the API's and the database's state against the clients' own logs
(nothing lost, nothing doubled), and the server log scanned for tracebacks and secrets."""
from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from bench.client import Http
from bench.load import Ledger, effects, money
from bench.pg import admin_connect


def _all_pages(http_: Http, path: str, **params: Any) -> list[dict[str, Any]]:
    items, page = [], 1
    while True:
        status, data, _ = http_.call("audit", "GET", path, params={**params, "page": page, "page_size": 100})
        if status != 200:
            raise RuntimeError(f"audit: GET {path} answered {status} {data}")
        items += data["items"]
        if page * 100 >= data["total"]:
            return items
        page += 1


# What each kind of state is checked against, as the report names it.
_STATE_CHECKS = (
    ("transactions", "the transactions the API lists are exactly the ones the clients logged "
                     "(same ids, same amounts: none lost, none doubled)"),
    ("balances", "every account and card balance = opening + Σ effects of the logged "
                 "transactions (both legs of every transfer)"),
    ("goals", "every goal's current_savings = start + Σ logged contributions"),
    ("budgets", "every budget's spent = Σ logged expenses of its category this month"),
    ("monthly reports", "monthly report income/expense totals = Σ logged transactions"),
)


class _Tally:
    """Per kind of state (see _STATE_CHECKS): how many things were checked, how many differed from the
    clients' logs, and what the differences were."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.mismatches: Counter[str] = Counter()
        self.details: dict[str, list[str]] = defaultdict(list)

    def count(self, kind: str, ok: bool, detail: str, checked: int = 1) -> None:
        self.totals[kind] += checked
        if not ok:
            self.mismatches[kind] += 1
            self.details[kind].append(detail)

    def checks(self) -> list[tuple[str, bool, str]]:
        return [(f"{what} [{self.totals[kind]} checked]", not self.mismatches[kind], "; ".join(self.details[kind][:5]))
                for kind, what in _STATE_CHECKS if self.totals[kind]]


def audit(port: int, server_url: str, database: str, ledgers: list[Ledger]) -> list[tuple[str, bool, str]]:
    """Compare the API's and the database's state with the clients' logs."""
    http_ = Http(port, time.monotonic(), [])
    status, _, _ = http_.call("audit", "GET", "/api/health")
    checks = [("health answers 200 after the faults, devhost never restarted", status == 200, f"{status}")]
    tally = _Tally()
    month = dt.date.today().strftime("%Y-%m")
    for led in ledgers:
        _, data, _ = http_.call("audit", "POST", "/api/login", {"username": led.username, "password": led.password})
        http_.token = data["access_token"]
        _audit_transactions(http_, led, tally)
        _audit_balances(http_, led, tally)
        _audit_goal(http_, led, tally)
        _audit_budget(http_, led, month, tally)
        _audit_monthly_report(http_, led, month, tally)
    http_.close()
    return checks + tally.checks() + _audit_database(server_url, database, ledgers)


def _audit_transactions(http_: Http, led: Ledger, tally: _Tally) -> None:
    listed = {t["id"]: t for t in _all_pages(http_, "/api/transactions")}
    logged = led.transactions
    missing, extra = set(logged) - set(listed), set(listed) - set(logged)
    changed = [i for i in set(logged) & set(listed) if money(listed[i]["amount"]) != money(logged[i]["amount"])]
    tally.count("transactions", not (missing or extra or changed),
                f"{led.username}: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}, "
                f"amount differs {changed[:5]}", checked=len(logged))


def _audit_balances(http_: Http, led: Ledger, tally: _Tally) -> None:
    expected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for acc_id, opening in led.accounts.items():
        expected[("account", acc_id)] += opening
    for t in led.transactions.values():
        for k, v in effects(t).items():
            expected[k] += v
    for kind, path in (("account", "/api/accounts"), ("card", "/api/credit-cards")):
        for item in _all_pages(http_, path):
            want = expected[(kind, item["id"])]
            tally.count("balances", money(item["balance"]) == want,
                        f"{kind} {item['id']}: API {item['balance']} log {want}")


def _audit_goal(http_: Http, led: Ledger, tally: _Tally) -> None:
    _, goal, _ = http_.call("audit", "GET", f"/api/goals/{led.goal_id}")
    want = led.goal_start + sum(led.contributions.values(), Decimal(0))
    tally.count("goals", money(goal["current_savings"]) == want,
                f"goal {led.goal_id}: API {goal['current_savings']} log {want}")


def _audit_budget(http_: Http, led: Ledger, month: str, tally: _Tally) -> None:
    budgets = _all_pages(http_, "/api/budgets", month=month)
    spent = sum((money(t["amount"]) for t in led.transactions.values()
                 if t["type"] == "expense" and t["category_id"] == led.budget_category), Decimal(0))
    budget = next((b for b in budgets if b["category_id"] == led.budget_category), None)
    tally.count("budgets", budget is not None and money(budget["spent"]) == spent,
                f"budget of {led.username}: API {budget and budget['spent']} log {spent}")


def _audit_monthly_report(http_: Http, led: Ledger, month: str, tally: _Tally) -> None:
    status, report, _ = http_.call("audit", "GET", "/api/reports/monthly", params={"month": month})
    if status != 200:
        return
    logged = led.transactions.values()
    income = sum((money(t["amount"]) for t in logged if t["type"] == "income"), Decimal(0))
    expenses = sum((money(t["amount"]) for t in logged if t["type"] == "expense"), Decimal(0))
    answered = (money(report["total_income"]), money(report["total_expenses"]))
    tally.count("monthly reports", answered == (income, expenses),
                f"{led.username}: API {report['total_income']}/{report['total_expenses']} log {income}/{expenses}")


def _audit_database(server_url: str, database: str, ledgers: list[Ledger]) -> list[tuple[str, bool, str]]:
    """The database itself, read directly (not through the app or the proxy)."""
    checks = []
    with admin_connect(server_url, database) as conn:
        bad = conn.execute("""
            SELECT a.id, a.balance, a.opening_balance + COALESCE((
                SELECT SUM(CASE WHEN t.type = 'income' AND t.account_id = a.id THEN t.amount
                                WHEN t.type = 'expense' AND t.account_id = a.id THEN -t.amount
                                WHEN t.type = 'transfer' AND t.account_id = a.id THEN -t.amount
                                WHEN t.type = 'transfer' AND t.to_account_id = a.id THEN t.amount ELSE 0 END)
                FROM transactions t WHERE t.account_id = a.id OR t.to_account_id = a.id), 0)
            FROM accounts a""").fetchall()
        wrong = [r for r in bad if r[1] != r[2]]
        checks.append((f"database: every stored account balance equals opening + Σ its transactions' legs "
                       f"[{len(bad)} accounts]", not wrong, str(wrong[:5])))
        cards = conn.execute("""
            SELECT c.id, c.balance, COALESCE((
                SELECT SUM(CASE WHEN t.type = 'expense' AND t.credit_card_id = c.id THEN t.amount
                                WHEN t.type = 'transfer' AND t.to_credit_card_id = c.id THEN -t.amount ELSE 0 END)
                FROM transactions t WHERE t.credit_card_id = c.id OR t.to_credit_card_id = c.id), 0)
            FROM credit_cards c""").fetchall()
        wrong = [r for r in cards if r[1] != r[2]]
        checks.append((f"database: every card balance equals Σ charges − payments [{len(cards)} cards]", not wrong,
                       str(wrong[:5])))
        rows = dict(conn.execute("SELECT goal_id, COUNT(*) FROM goal_contributions GROUP BY goal_id").fetchall())
        wrong = [(led.goal_id, rows.get(led.goal_id, 0), len(led.contributions)) for led in ledgers
                 if rows.get(led.goal_id, 0) != len(led.contributions)]
        checks.append(("database: one goal_contributions row per logged contribution (no retry wrote twice)",
                       not wrong, str(wrong[:5])))
        keys = dict(conn.execute("SELECT u.username, COUNT(*) FROM idempotency_records r JOIN users u "
                                 "ON u.id = r.user_id WHERE r.scope = 'POST transactions' GROUP BY u.username"))
        wrong = [(led.username, keys.get(led.username, 0), led.transaction_keys) for led in ledgers
                 if keys.get(led.username, 0) != led.transaction_keys]
        checks.append(("database: one idempotency record per transaction the clients created", not wrong,
                       str(wrong[:5])))
    return checks


def scan_devhost_log(text: str, ledgers: list[Ledger], jwt_secret: str) -> list[str]:
    findings = []
    if "Traceback" in text:
        first = text.index("Traceback")
        findings.append("a traceback in the server log: " + text[first:first + 800].replace("\n", " | "))
    secrets_ = {"JWT secret": jwt_secret, **{f"password of {led.username}": led.password for led in ledgers}}
    for what, value in secrets_.items():
        if value and value in text:
            findings.append(f"{what} appears in the server log")
    if re.search(r"\$2[aby]\$\d\d\$", text):
        findings.append("a bcrypt hash appears in the server log")
    if re.search(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.", text):
        findings.append("a JWT appears in the server log")
    return findings
