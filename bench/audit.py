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


def audit(port: int, server_url: str, database: str, ledgers: list[Ledger]) -> list[tuple[str, bool, str]]:
    """Compare the API's and the database's state with the clients' logs."""
    checks: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        checks.append((name, ok, detail))

    http_ = Http(port, time.monotonic(), [])
    status, _, _ = http_.call("audit", "GET", "/api/health")
    check("health answers 200 after the faults, devhost never restarted", status == 200, f"{status}")
    mismatches = Counter()
    details: dict[str, list[str]] = defaultdict(list)
    totals = Counter()
    month = dt.date.today().strftime("%Y-%m")
    for led in ledgers:
        status, data, _ = http_.call("audit", "POST", "/api/login", {"username": led.username, "password": led.password})
        http_.token = data["access_token"]
        listed = {t["id"]: t for t in _all_pages(http_, "/api/transactions")}
        logged = led.transactions
        totals["transactions"] += len(logged)
        missing, extra = set(logged) - set(listed), set(listed) - set(logged)
        changed = [i for i in set(logged) & set(listed) if money(listed[i]["amount"]) != money(logged[i]["amount"])]
        if missing or extra or changed:
            mismatches["transactions"] += 1
            details["transactions"].append(f"{led.username}: missing {sorted(missing)[:5]}, extra "
                                           f"{sorted(extra)[:5]}, amount differs {changed[:5]}")
        expected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for acc_id, opening in led.accounts.items():
            expected[("account", acc_id)] += opening
        for t in logged.values():
            for k, v in effects(t).items():
                expected[k] += v
        for acc in _all_pages(http_, "/api/accounts"):
            totals["balances"] += 1
            if money(acc["balance"]) != expected[("account", acc["id"])]:
                mismatches["balances"] += 1
                details["balances"].append(f"account {acc['id']}: API {acc['balance']} log "
                                           f"{expected[('account', acc['id'])]}")
        for card in _all_pages(http_, "/api/credit-cards"):
            totals["balances"] += 1
            if money(card["balance"]) != expected[("card", card["id"])]:
                mismatches["balances"] += 1
                details["balances"].append(f"card {card['id']}: API {card['balance']} log {expected[('card', card['id'])]}")
        _, goal, _ = http_.call("audit", "GET", f"/api/goals/{led.goal_id}")
        want = led.goal_start + sum(led.contributions.values(), Decimal(0))
        totals["goals"] += 1
        if money(goal["current_savings"]) != want:
            mismatches["goals"] += 1
            details["goals"].append(f"goal {led.goal_id}: API {goal['current_savings']} log {want}")
        budgets = _all_pages(http_, "/api/budgets", month=month)
        spent = sum((money(t["amount"]) for t in logged.values()
                     if t["type"] == "expense" and t["category_id"] == led.budget_category), Decimal(0))
        totals["budgets"] += 1
        budget = next((b for b in budgets if b["category_id"] == led.budget_category), None)
        if budget is None or money(budget["spent"]) != spent:
            mismatches["budgets"] += 1
            details["budgets"].append(f"budget of {led.username}: API {budget and budget['spent']} log {spent}")
        status, report, _ = http_.call("audit", "GET", "/api/reports/monthly", params={"month": month})
        if status == 200:
            income = sum((money(t["amount"]) for t in logged.values() if t["type"] == "income"), Decimal(0))
            expenses = sum((money(t["amount"]) for t in logged.values() if t["type"] == "expense"), Decimal(0))
            totals["monthly reports"] += 1
            if (money(report["total_income"]), money(report["total_expenses"])) != (income, expenses):
                mismatches["monthly reports"] += 1
                details["monthly reports"].append(f"{led.username}: API {report['total_income']}/"
                                                  f"{report['total_expenses']} log {income}/{expenses}")
    http_.close()
    for name, what in (("transactions", "the transactions the API lists are exactly the ones the clients logged "
                                        "(same ids, same amounts: none lost, none doubled)"),
                       ("balances", "every account and card balance = opening + Σ effects of the logged "
                                    "transactions (both legs of every transfer)"),
                       ("goals", "every goal's current_savings = start + Σ logged contributions"),
                       ("budgets", "every budget's spent = Σ logged expenses of its category this month"),
                       ("monthly reports", "monthly report income/expense totals = Σ logged transactions")):
        if totals[name]:
            check(f"{what} [{totals[name]} checked]", not mismatches[name], "; ".join(details[name][:5]))
    # The database itself, read directly (not through the app or the proxy).
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
        check(f"database: every stored account balance equals opening + Σ its transactions' legs "
              f"[{len(bad)} accounts]", not wrong, str(wrong[:5]))
        cards = conn.execute("""
            SELECT c.id, c.balance, COALESCE((
                SELECT SUM(CASE WHEN t.type = 'expense' AND t.credit_card_id = c.id THEN t.amount
                                WHEN t.type = 'transfer' AND t.to_credit_card_id = c.id THEN -t.amount ELSE 0 END)
                FROM transactions t WHERE t.credit_card_id = c.id OR t.to_credit_card_id = c.id), 0)
            FROM credit_cards c""").fetchall()
        wrong = [r for r in cards if r[1] != r[2]]
        check(f"database: every card balance equals Σ charges − payments [{len(cards)} cards]", not wrong, str(wrong[:5]))
        rows = dict(conn.execute("SELECT goal_id, COUNT(*) FROM goal_contributions GROUP BY goal_id").fetchall())
        wrong = [(led.goal_id, rows.get(led.goal_id, 0), len(led.contributions)) for led in ledgers
                 if rows.get(led.goal_id, 0) != len(led.contributions)]
        check("database: one goal_contributions row per logged contribution (no retry wrote twice)", not wrong,
              str(wrong[:5]))
        keys = dict(conn.execute("SELECT u.username, COUNT(*) FROM idempotency_records r JOIN users u "
                                 "ON u.id = r.user_id WHERE r.scope = 'POST transactions' GROUP BY u.username"))
        wrong = [(led.username, keys.get(led.username, 0), led.transaction_keys) for led in ledgers
                 if keys.get(led.username, 0) != led.transaction_keys]
        check("database: one idempotency record per transaction the clients created", not wrong, str(wrong[:5]))
    return checks


def scan_devhost_log(text: str, ledgers: list[Ledger], jwt_secret: str) -> list[str]:
    findings = []
    if "Traceback" in text:
        first = text.index("Traceback")
        findings.append("a traceback in the server log: " + text[first:first + 800].replace("\n", " | "))
    secrets_ = {"JWT secret": jwt_secret, **{f"password of {l.username}": l.password for l in ledgers}}
    for what, value in secrets_.items():
        if value and value in text:
            findings.append(f"{what} appears in the server log")
    if re.search(r"\$2[aby]\$\d\d\$", text):
        findings.append("a bcrypt hash appears in the server log")
    if re.search(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.", text):
        findings.append("a JWT appears in the server log")
    return findings
