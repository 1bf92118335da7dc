"""The load: simulated users, each with a log of what its clients know they wrote (from answers they
received). Every write is retried with the same Idempotency-Key (or, for PATCH/DELETE, the same
request) until its outcome is known, so the final state is exactly determined by the logs."""
from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.client import Http, Sample

CENT = Decimal("0.01")


@dataclass
class Ledger:
    """What one user's clients know they wrote, from answers they received (the source of truth)."""

    username: str
    password: str
    accounts: dict[int, Decimal] = field(default_factory=dict)  # id -> opening balance
    cards: list[int] = field(default_factory=list)
    expense_categories: list[int] = field(default_factory=list)
    income_category: int = 0
    budget_category: int = 0
    goal_id: int = 0
    goal_start: Decimal = Decimal(0)
    transactions: dict[int, dict[str, Any]] = field(default_factory=dict)
    contributions: dict[str, Decimal] = field(default_factory=dict)  # idempotency key -> amount
    transaction_keys: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Anomaly:
    what: str
    detail: str


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def effects(t: dict[str, Any]) -> dict[tuple[str, int], Decimal]:
    amount, kind = money(t["amount"]), t["type"]
    out: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    if kind == "income" and t.get("account_id"):
        out[("account", t["account_id"])] += amount
    elif kind == "expense":
        if t.get("account_id"):
            out[("account", t["account_id"])] -= amount
        if t.get("credit_card_id"):
            out[("card", t["credit_card_id"])] += amount
    elif kind == "transfer":
        out[("account", t["account_id"])] -= amount
        if t.get("to_account_id"):
            out[("account", t["to_account_id"])] += amount
        if t.get("to_credit_card_id"):
            out[("card", t["to_credit_card_id"])] -= amount
    return out


class LoadClient(threading.Thread):
    """One simulated app user session: a realistic mix, and every write retried with the same
    Idempotency-Key (or, for PATCH/DELETE, the same request) until its outcome is known."""

    MIX = (("list_transactions", 24), ("create_transaction", 30), ("patch_transaction", 9),
           ("delete_transaction", 3), ("accounts", 10), ("report", 8), ("budgets", 4), ("contribute", 8),
           ("goal", 2), ("login", 2))

    def __init__(self, index: int, ledger: Ledger, port: int, zero: float, stop_at: float,
                 samples: list[Sample], anomalies: list[Anomaly], reports: list[tuple[str, dict]], seed: int):
        super().__init__(daemon=True, name=f"client-{index}")
        self.ledger, self.stop_at, self.anomalies, self.reports = ledger, stop_at, anomalies, reports
        self.http = Http(port, zero, samples)
        self.random = random.Random(seed)
        self.own: list[int] = []
        self.ops, self.weights = zip(*self.MIX, strict=True)
        self.month = dt.date.today().strftime("%Y-%m")
        self.replays = 0
        self.unknown_outcomes = 0

    # the retry loop that makes every outcome known
    def write(self, op: str, method: str, path: str, body: Any = None, key: str | None = None,
              give_up_after: float = 90.0) -> tuple[int | None, Any, bool]:
        headers = {"Idempotency-Key": key} if key else None
        uncertain = False
        deadline = time.monotonic() + give_up_after
        while True:
            status, data, out_headers = self.http.call(op, method, path, body, headers)
            if status == 401:
                self.login()
                continue
            if status is not None and status < 500:
                if out_headers.get("idempotent-replayed") == "true":
                    self.replays += 1
                return status, data, uncertain
            uncertain = True
            self.unknown_outcomes += 1
            if time.monotonic() > deadline:
                self.anomalies.append(Anomaly("outcome never known", f"{method} {path} {body} key={key}"))
                return None, None, uncertain
            time.sleep(0.1 + self.random.random() * 0.3)

    def login(self) -> None:
        self.http.token = None
        for _ in range(600):
            status, data, _ = self.http.call("login", "POST", "/api/login",
                                             {"username": self.ledger.username, "password": self.ledger.password})
            if status == 200:
                self.http.token = data["access_token"]
                return
            if status is not None and status < 500:
                self.anomalies.append(Anomaly("login refused", f"{status} {data}"))
                return
            time.sleep(0.2)

    def run(self) -> None:
        self.login()
        while time.monotonic() < self.stop_at:
            op = self.random.choices(self.ops, self.weights)[0]
            getattr(self, op)()
        self.http.close()

    def _expect(self, op: str, status: int | None, wanted: tuple[int, ...], data: Any) -> bool:
        if status in wanted:
            return True
        if status is not None and status < 500:  # a valid request refused: a bug
            self.anomalies.append(Anomaly(f"unexpected {status} on {op}", json.dumps(data)[:300]))
        return False

    def _amount(self) -> str:
        return f"{self.random.randint(1, 50000) / 100:.2f}"

    def _date(self) -> str:
        return dt.date.today().replace(day=self.random.randint(1, 28)).isoformat()

    def create_transaction(self) -> None:
        led, r = self.ledger, self.random
        accounts = list(led.accounts)
        kind = r.choice(("expense", "expense", "card_expense", "income", "transfer", "card_payment"))
        body: dict[str, Any] = {"amount": self._amount(), "date": self._date(), "description": f"load {kind}"}
        if kind == "expense":
            body.update(type="expense", category_id=r.choice(led.expense_categories), account_id=r.choice(accounts))
        elif kind == "card_expense":
            body.update(type="expense", category_id=r.choice(led.expense_categories), credit_card_id=led.cards[0])
        elif kind == "income":
            body.update(type="income", category_id=led.income_category, account_id=r.choice(accounts))
        elif kind == "transfer":
            source, target = r.sample(accounts, 2)
            body.update(type="transfer", account_id=source, to_account_id=target)
        else:
            body.update(type="transfer", account_id=r.choice(accounts), to_credit_card_id=led.cards[0])
        key = uuid.uuid4().hex
        status, data, _ = self.write("create_transaction", "POST", "/api/transactions", body, key)
        if self._expect("create_transaction", status, (201,), data):
            with led.lock:
                if data["id"] in led.transactions:
                    self.anomalies.append(Anomaly("two keys, one id", f"{data['id']}"))
                led.transactions[data["id"]] = {k: data.get(k) for k in (
                    "type", "amount", "date", "category_id", "account_id", "credit_card_id", "to_account_id",
                    "to_credit_card_id")}
                led.transaction_keys += 1
            self.own.append(data["id"])

    def patch_transaction(self) -> None:
        if not self.own:
            return self.create_transaction()
        tid = self.random.choice(self.own)
        body = {"amount": self._amount(), "description": f"patched {self.random.randint(0, 999)}"}
        status, data, _ = self.write("patch_transaction", "PATCH", f"/api/transactions/{tid}", body)
        if self._expect("patch_transaction", status, (200,), data):
            with self.ledger.lock:
                self.ledger.transactions[tid]["amount"] = data["amount"]

    def delete_transaction(self) -> None:
        if not self.own:
            return
        tid = self.own.pop(self.random.randrange(len(self.own)))
        status, data, uncertain = self.write("delete_transaction", "DELETE", f"/api/transactions/{tid}")
        if status == 204 or (status == 404 and uncertain):  # a retried delete that had already happened
            with self.ledger.lock:
                self.ledger.transactions.pop(tid, None)
        else:
            self._expect("delete_transaction", status, (204,), data)
            if status is None:
                self.own.append(tid)

    def contribute(self) -> None:
        amount = self._amount()
        key = uuid.uuid4().hex
        status, data, _ = self.write("contribute", "POST", f"/api/goals/{self.ledger.goal_id}/contributions",
                                     {"amount": amount}, key)
        if self._expect("contribute", status, (201,), data):
            with self.ledger.lock:
                self.ledger.contributions[key] = money(amount)

    def _read(self, op: str, path: str, params: dict[str, Any] | None = None) -> None:
        status, data, _ = self.http.call(op, "GET", path, params=params)
        if status == 401:
            self.login()
        elif status is not None and status < 500 and status != 200:
            self._expect(op, status, (200,), data)

    def list_transactions(self) -> None:
        r = self.random
        params: dict[str, Any] = {"page_size": r.choice((10, 20, 50))}
        if r.random() < 0.3:
            params["account_id"] = r.choice(list(self.ledger.accounts))
        if r.random() < 0.2:
            params["type"] = r.choice(("income", "expense", "transfer"))
        if r.random() < 0.2:
            params["sort"] = r.choice(("date", "-amount"))
        self._read("list_transactions", "/api/transactions", params)

    def accounts(self) -> None:
        self._read("accounts", "/api/accounts")

    def budgets(self) -> None:
        self._read("budgets", "/api/budgets", {"month": self.month})

    def goal(self) -> None:
        self._read("goal", f"/api/goals/{self.ledger.goal_id}")

    def report(self) -> None:
        path, params = self.random.choice(self.reports)
        self._read("report", path, params)


def setup_user(port: int, index: int, anomalies: list[Anomaly]) -> Ledger:
    http_ = Http(port, time.monotonic(), [])
    led = Ledger(username=f"load{index}_{secrets.token_hex(3)}", password=f"pw-{secrets.token_urlsafe(12)}")

    def must(status, data, wanted=(200, 201)):
        if status not in wanted:
            raise RuntimeError(f"setup failed: {status} {data}")
        return data

    must(*http_.call("setup", "POST", "/api/register", {
        "username": led.username, "password": led.password, "first_name": "Load", "last_name": f"User{index}"})[:2])
    http_.token = must(*http_.call("setup", "POST", "/api/login",
                                   {"username": led.username, "password": led.password})[:2])["access_token"]
    for name, kind, opening in (("Checking", "checking", "5000.00"), ("Savings", "savings", "1000.00"),
                                ("Wallet", "cash", "200.00")):
        acc = must(*http_.call("setup", "POST", "/api/accounts",
                               {"name": name, "type": kind, "opening_balance": opening})[:2])
        led.accounts[acc["id"]] = money(opening)
    card = must(*http_.call("setup", "POST", "/api/credit-cards", {
        "name": "Card", "credit_limit": "100000.00", "statement_day": 1, "due_day": 20})[:2])
    led.cards.append(card["id"])
    categories = must(*http_.call("setup", "GET", "/api/categories", params={"page_size": 100})[:2])["items"]
    expense = [c["id"] for c in categories if c["kind"] == "expense"]
    led.expense_categories = expense[:2]
    led.budget_category = expense[0]
    led.income_category = next(c["id"] for c in categories if c["kind"] == "income")
    must(*http_.call("setup", "POST", "/api/budgets", {
        "category_id": led.budget_category, "month": dt.date.today().strftime("%Y-%m"), "amount": "1000.00"})[:2])
    goal = must(*http_.call("setup", "POST", "/api/goals", {
        "title": "Rainy day", "target_amount": "1000000.00", "current_savings": "100.00"})[:2])
    led.goal_id, led.goal_start = goal["id"], money(goal["current_savings"])
    http_.close()
    return led


def report_routes(port: int, ledger: Ledger) -> list[tuple[str, dict]]:
    """Report endpoints the app has (others build them concurrently); budgets stand in otherwise."""
    http_ = Http(port, time.monotonic(), [])
    status, data, _ = http_.call("setup", "POST", "/api/login",
                                 {"username": ledger.username, "password": ledger.password})
    http_.token = data["access_token"]
    today = dt.date.today()
    month = today.strftime("%Y-%m")
    candidates = [("/api/reports/monthly", {"month": month}),
                  ("/api/reports/summary", {"date_from": today.replace(day=1).isoformat(),
                                            "date_to": today.isoformat()}),
                  ("/api/reports/trend", {"granularity": "month", "date_from": f"{today.year}-01-01",
                                          "date_to": today.isoformat()})]
    found = [(p, q) for p, q in candidates if http_.call("setup", "GET", p, params=q)[0] == 200]
    http_.close()
    return found or [("/api/budgets", {"month": month})]
