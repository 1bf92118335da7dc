"""Reliability run: devhost on PostgreSQL under concurrent load while its database connections are
killed and the database goes away for a few seconds; afterwards an audit proves that every balance
and total equals what the clients' own log of successful writes says (nothing lost, nothing doubled).
Then the hostile-input fuzz and the transient-error tests run, and docs/reliability.md is written.

    .venv/bin/python bench/reliability.py [--clients 32] [--duration 60]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--output docs/reliability.md]

Everything stays on the loopback interface and stops by itself. The PostgreSQL server is shared, so
it is never restarted: devhost reaches it through a small TCP proxy owned by this script, and
"the database server restarts" is simulated by closing the proxy's listener and every connection
through it for a few seconds, then listening again. Connection kills use pg_terminate_backend on
the backends whose application_name is this run's own, so nobody else's sessions are touched.
The run creates a throw-away database and drops it at the end.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import secrets
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
OUTAGE_MAX_LATENCY = 3.0  # seconds: while the database is down every answer comes faster than this
FAULT_GRACE = 2.0  # seconds after a fault during which 503s are expected
CENT = Decimal("0.01")


# --- a TCP proxy between devhost and PostgreSQL -------------------------------------------------

class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database. `down()` closes the listener and every connection
    (what a database restart looks like to the app: resets, then refused connections); `up()` listens
    again on the same port."""

    def __init__(self, target_host: str, target_port: int, port: int = 0):
        self.target = (target_host, target_port)
        self.port = port
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self.accepted = 0

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True, name="proxy-accept").start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        self.drop_connections()

    def drop_connections(self) -> int:
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for s in conns:
            _close(s)
        return len(conns)

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # went down meanwhile
                    _close(client), _close(upstream)
                    continue
                self._conns.update((client, upstream))
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for src in readable:
                    data = src.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (b if src is a else a).sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._conns.discard(a), self._conns.discard(b)
            _close(a), _close(b)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass


# --- the database: a throw-away one, and the kill switch --------------------------------------

def _pg_url_parts(server_url: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    return {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres",
            "password": url.password, "dbname": url.database or "postgres"}


def _admin_connect(server_url: str, dbname: str | None = None):
    import psycopg

    parts = _pg_url_parts(server_url)
    kwargs = {k: v for k, v in parts.items() if v is not None}
    if dbname:
        kwargs["dbname"] = dbname
    return psycopg.connect(**kwargs, autocommit=True, connect_timeout=5)


def create_database(server_url: str) -> str:
    name = f"reliability_{os.getpid()}_{secrets.token_hex(3)}"
    with _admin_connect(server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server_url: str, name: str) -> None:
    with _admin_connect(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_backends(server_url: str, application_name: str) -> int:
    """pg_terminate_backend on this run's own connections only (matched by application_name)."""
    with _admin_connect(server_url) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()", (application_name,)).fetchall()
    return sum(1 for (ok,) in rows if ok)


# --- devhost as a separate process ------------------------------------------------------------

class Devhost:
    def __init__(self, database_url: str, log_path: Path, *, bcrypt_rounds: int, jwt_secret: str, threads: int = 16):
        self.port = _free_port()
        self.log_path = log_path
        env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url, "JWT_SECRET": jwt_secret,
               "BCRYPT_ROUNDS": str(bcrypt_rounds), "PYTHONUNBUFFERED": "1"}
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "devhost.py"), "--host", "127.0.0.1", "--port", str(self.port),
             "--threads", str(threads)], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"devhost exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"devhost did not become healthy:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- HTTP client ------------------------------------------------------------------------------

@dataclass
class Sample:
    op: str
    started: float  # seconds since the load started
    latency: float
    status: int | None  # None: no answer (connection error / timeout)
    problem: bool = True  # for >= 400: was it application/problem+json?
    leaked_trace: bool = False


class Http:
    def __init__(self, port: int, clock_zero: float, samples: list[Sample], timeout: float = 30):
        self.port, self.zero, self.samples, self.timeout = port, clock_zero, samples, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.token: str | None = None

    def call(self, op: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             params: dict[str, Any] | None = None, record: bool = True) -> tuple[int | None, Any, dict[str, str]]:
        if params:
            path += "?" + urlencode(params)
        all_headers = {"Accept": "application/json", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        started = time.monotonic()
        status, data, out_headers, problem, trace = None, None, {}, True, False
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=payload, headers=all_headers)
            response = self.conn.getresponse()
            raw = response.read()
            status = response.status
            out_headers = {k.lower(): v for k, v in response.getheaders()}
            if status >= 400:
                problem = out_headers.get("content-type", "").startswith("application/problem+json")
            trace = b"Traceback" in raw or b'File "' in raw
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = None
            if out_headers.get("connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
        if record:
            self.samples.append(Sample(op, started - self.zero, time.monotonic() - started, status, problem, trace))
        return status, data, out_headers

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None


# --- the users' world and the clients' own log -----------------------------------------------

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


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _effects(t: dict[str, Any]) -> dict[tuple[str, int], Decimal]:
    amount, kind = _money(t["amount"]), t["type"]
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
        self.ops, self.weights = zip(*self.MIX)
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
                self.ledger.contributions[key] = _money(amount)

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


# --- the run ----------------------------------------------------------------------------------

@dataclass
class FaultEvent:
    kind: str  # "kill" or "outage"
    at: float
    until: float
    detail: str = ""


@dataclass
class LoadResult:
    clients: int
    users: int
    duration: float
    bcrypt_rounds: int
    samples: list[Sample]
    faults: list[FaultEvent]
    anomalies: list[Anomaly]
    checks: list[tuple[str, bool, str]]
    log_findings: list[str]
    replays: int
    unknown_outcomes: int
    failures: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def _setup_user(port: int, index: int, anomalies: list[Anomaly]) -> Ledger:
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
        led.accounts[acc["id"]] = _money(opening)
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
    led.goal_id, led.goal_start = goal["id"], _money(goal["current_savings"])
    http_.close()
    return led


def _report_routes(port: int, ledger: Ledger) -> list[tuple[str, dict]]:
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


def run_load(*, server_url: str = DEFAULT_SERVER, clients: int = 32, duration: float = 60.0,
             users: int | None = None, outage_seconds: float | None = None, bcrypt_rounds: int = 8,
             work_dir: Path | None = None, keep_database: bool = False, progress=print) -> LoadResult:
    """Start proxy + devhost on a fresh database, drive the load with faults, audit, tear down."""
    users = users or max(2, clients // 4)
    outage_seconds = outage_seconds if outage_seconds is not None else min(5.0, max(2.0, duration / 12))
    work_dir = work_dir or Path(tempfile.mkdtemp(prefix="reliability-"))
    parts = _pg_url_parts(server_url)
    database = create_database(server_url)
    app_name = f"reliability_{os.getpid()}_{secrets.token_hex(3)}"
    proxy = TcpProxy(parts["host"], parts["port"])
    proxy.up()
    credentials = parts["user"] + (f":{parts['password']}" if parts["password"] else "")
    database_url = (f"postgresql+psycopg://{credentials}@127.0.0.1:{proxy.port}/{database}"
                    f"?application_name={app_name}")
    jwt_secret = secrets.token_urlsafe(48)
    devhost = Devhost(database_url, work_dir / "devhost.log", bcrypt_rounds=bcrypt_rounds, jwt_secret=jwt_secret)
    samples: list[Sample] = []
    anomalies: list[Anomaly] = []
    faults: list[FaultEvent] = []
    try:
        devhost.wait_ready()
        progress(f"devhost on :{devhost.port}, database {database} through proxy :{proxy.port}")
        ledgers = [_setup_user(devhost.port, i, anomalies) for i in range(users)]
        reports = _report_routes(devhost.port, ledgers[0])
        zero = time.monotonic()
        stop_at = zero + duration
        workers = [LoadClient(i, ledgers[i % users], devhost.port, zero, stop_at, samples, anomalies, reports,
                              seed=1000 + i) for i in range(clients)]
        for w in workers:
            w.start()
        progress(f"{clients} clients on {users} users for {duration:.0f} s; reports via "
                 f"{', '.join(p for p, _ in reports)}")

        def at(fraction: float) -> None:
            time.sleep(max(0.0, zero + duration * fraction - time.monotonic()))

        for fraction, kind in ((0.25, "kill"), (0.45, "outage"), (0.75, "kill")):
            at(fraction)
            start = time.monotonic() - zero
            if kind == "kill":
                killed = terminate_backends(server_url, app_name)
                faults.append(FaultEvent("kill", start, time.monotonic() - zero,
                                         f"pg_terminate_backend ended {killed} backend(s)"))
            else:
                proxy.down()
                time.sleep(outage_seconds)
                proxy.up()
                faults.append(FaultEvent("outage", start, time.monotonic() - zero,
                                         f"database unreachable for {outage_seconds:.1f} s"))
            progress(f"t={start:5.1f}s {faults[-1].kind}: {faults[-1].detail}")
        for w in workers:
            w.join(duration + 180)
        hung = [w.name for w in workers if w.is_alive()]
        if hung:
            anomalies.append(Anomaly("client never finished", ", ".join(hung)))
        checks = audit(devhost.port, server_url, database, ledgers)
        findings = scan_devhost_log(devhost.log_text(), ledgers, jwt_secret)
        result = LoadResult(clients, users, duration, bcrypt_rounds, samples, faults, anomalies, checks, findings,
                            replays=sum(w.replays for w in workers),
                            unknown_outcomes=sum(w.unknown_outcomes for w in workers))
        evaluate(result)
        return result
    finally:
        devhost.stop()
        proxy.down()
        if not keep_database:
            drop_database(server_url, database)


# --- the audit ---------------------------------------------------------------------------------

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
        changed = [i for i in set(logged) & set(listed) if _money(listed[i]["amount"]) != _money(logged[i]["amount"])]
        if missing or extra or changed:
            mismatches["transactions"] += 1
            details["transactions"].append(f"{led.username}: missing {sorted(missing)[:5]}, extra "
                                           f"{sorted(extra)[:5]}, amount differs {changed[:5]}")
        expected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for acc_id, opening in led.accounts.items():
            expected[("account", acc_id)] += opening
        for t in logged.values():
            for k, v in _effects(t).items():
                expected[k] += v
        for acc in _all_pages(http_, "/api/accounts"):
            totals["balances"] += 1
            if _money(acc["balance"]) != expected[("account", acc["id"])]:
                mismatches["balances"] += 1
                details["balances"].append(f"account {acc['id']}: API {acc['balance']} log "
                                           f"{expected[('account', acc['id'])]}")
        for card in _all_pages(http_, "/api/credit-cards"):
            totals["balances"] += 1
            if _money(card["balance"]) != expected[("card", card["id"])]:
                mismatches["balances"] += 1
                details["balances"].append(f"card {card['id']}: API {card['balance']} log {expected[('card', card['id'])]}")
        _, goal, _ = http_.call("audit", "GET", f"/api/goals/{led.goal_id}")
        want = led.goal_start + sum(led.contributions.values(), Decimal(0))
        totals["goals"] += 1
        if _money(goal["current_savings"]) != want:
            mismatches["goals"] += 1
            details["goals"].append(f"goal {led.goal_id}: API {goal['current_savings']} log {want}")
        budgets = _all_pages(http_, "/api/budgets", month=month)
        spent = sum((_money(t["amount"]) for t in logged.values()
                     if t["type"] == "expense" and t["category_id"] == led.budget_category), Decimal(0))
        totals["budgets"] += 1
        budget = next((b for b in budgets if b["category_id"] == led.budget_category), None)
        if budget is None or _money(budget["spent"]) != spent:
            mismatches["budgets"] += 1
            details["budgets"].append(f"budget of {led.username}: API {budget and budget['spent']} log {spent}")
        status, report, _ = http_.call("audit", "GET", "/api/reports/monthly", params={"month": month})
        if status == 200:
            income = sum((_money(t["amount"]) for t in logged.values() if t["type"] == "income"), Decimal(0))
            expenses = sum((_money(t["amount"]) for t in logged.values() if t["type"] == "expense"), Decimal(0))
            totals["monthly reports"] += 1
            if (_money(report["total_income"]), _money(report["total_expenses"])) != (income, expenses):
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
    with _admin_connect(server_url, database) as conn:
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


# --- judging the run -----------------------------------------------------------------------------

def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def evaluate(result: LoadResult) -> None:
    windows = [(f.at, f.until + FAULT_GRACE) for f in result.faults]
    outage = next((f for f in result.faults if f.kind == "outage"), None)

    def in_fault(s: Sample) -> bool:
        end = s.started + s.latency
        return any(s.started <= b and end >= a for a, b in windows)

    steady = [s for s in result.samples if not in_fault(s)]
    faulty = [s for s in result.samples if in_fault(s)]
    fails = result.failures
    non_503 = [s for s in result.samples if s.status is not None and s.status >= 500 and s.status != 503]
    if non_503:
        fails.append(f"{len(non_503)} answers were 5xx other than 503: {Counter(s.status for s in non_503)}")
    steady_5xx = [s for s in steady if s.status is None or s.status >= 500]
    if steady_5xx:
        fails.append(f"{len(steady_5xx)} requests outside the fault windows failed (5xx or no answer): "
                     f"{Counter((s.op, s.status) for s in steady_5xx).most_common(5)}")
    no_answer = [s for s in result.samples if s.status is None]
    if no_answer:
        fails.append(f"{len(no_answer)} requests got no HTTP answer at all (connection error or timeout)")
    not_problem = [s for s in result.samples if s.status is not None and s.status >= 400 and not s.problem]
    if not_problem:
        fails.append(f"{len(not_problem)} error answers were not application/problem+json")
    traces = [s for s in result.samples if s.leaked_trace]
    if traces:
        fails.append(f"{len(traces)} answers contained traceback text")
    during = []
    if outage is not None:
        # Requests sent while the database was down (after the in-flight ones were cut off): each answers
        # fast; those answered before it came back are 503s (later ones may succeed: retried in time).
        sent = [s for s in result.samples if outage.at + 0.3 <= s.started <= outage.until]
        during = [s for s in sent if s.started + s.latency <= outage.until]
        slow = [s for s in sent if s.latency >= OUTAGE_MAX_LATENCY]
        if not during:
            fails.append("no request was answered while the database was down")
        if slow:
            fails.append(f"{len(slow)} requests sent during the outage took ≥ {OUTAGE_MAX_LATENCY} s "
                         f"(max {max(s.latency for s in slow):.2f} s)")
        wrong = [s for s in during if s.status != 503]
        if wrong:
            fails.append(f"{len(wrong)} requests during the outage were not 503: {Counter(s.status for s in wrong)}")
        after = sorted((s for s in result.samples if s.started >= outage.until and s.status is not None
                        and s.status < 500), key=lambda s: s.started)
        recovered = (after[0].started + after[0].latency - outage.until) if after else None
        if recovered is None:
            fails.append("no request succeeded after the outage")
    else:
        recovered = None
    for a in result.anomalies:
        fails.append(f"client anomaly: {a.what}: {a.detail}")
    for name, ok, detail in result.checks:
        if not ok:
            fails.append(f"audit failed: {name}: {detail}")
    fails.extend(f"server log: {f}" for f in result.log_findings)

    lat = [s.latency for s in steady if s.status is not None]
    by_op: dict[str, list[float]] = defaultdict(list)
    for s in steady:
        if s.status is not None:
            by_op[s.op].append(s.latency)
    result.figures = {
        "requests": len(result.samples),
        "throughput": len(result.samples) / result.duration if result.duration else 0,
        "steady_requests": len(steady),
        "p50_ms": _percentile(lat, 0.50) * 1000, "p95_ms": _percentile(lat, 0.95) * 1000,
        "p99_ms": _percentile(lat, 0.99) * 1000, "max_ms": max(lat, default=0) * 1000,
        "by_op": {op: (len(v), _percentile(v, 0.5) * 1000, _percentile(v, 0.99) * 1000) for op, v in sorted(by_op.items())},
        "statuses": Counter(s.status for s in result.samples),
        "steady_5xx": len(steady_5xx),
        "fault_requests": len(faulty),
        "fault_503": sum(1 for s in faulty if s.status == 503),
        "outage_requests": len(during),
        "outage_max_latency_ms": max((s.latency for s in during), default=0) * 1000,
        "outage_p50_latency_ms": _percentile([s.latency for s in during], 0.5) * 1000,
        "recovery_s": recovered,
    }


# --- the other parts: hostile input and transient-error tests (pytest), and the report ------------

def run_pytest_parts(server_url: str, progress=print) -> dict[str, Any]:
    """Run tests/reliability (without the load test) on a throw-away database; collect their stats."""
    database = create_database(server_url)
    stats_path = Path(tempfile.mkdtemp(prefix="reliability-stats-")) / "stats.json"
    parts = _pg_url_parts(server_url)
    credentials = parts["user"] + (f":{parts['password']}" if parts["password"] else "")
    env = {**os.environ, "TEST_DATABASE_URL": f"postgresql+psycopg://{credentials}@{parts['host']}:{parts['port']}/"
                                              f"{database}", "RELIABILITY_STATS": str(stats_path)}
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "tests/reliability", "-k", "not load_and_faults",
                               "-p", "no:randomly", "-rs"], cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        drop_database(server_url, database)
    lines = proc.stdout.strip().splitlines()
    summary = next((line.strip(" =") for line in reversed(lines) if " passed" in line or " failed" in line),
                   lines[-1] if lines else "no output")
    progress(f"pytest tests/reliability: {summary}")
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return {"returncode": proc.returncode, "summary": summary, "stats": stats, "seconds": time.monotonic() - started,
            "output": proc.stdout[-4000:] if proc.returncode else ""}


def render_report(result: LoadResult, tests: dict[str, Any] | None, command: str) -> str:
    f = result.figures
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Reliability and security under load, faults and hostile input",
        "",
        f"<!-- Generated by bench/reliability.py; do not edit by hand. Regenerate with: {command} -->",
        f"Generated by `bench/reliability.py` on {now} ({platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()}). Command: `{command}`.",
        "",
        f"**Verdict: {'PASSED' if result.ok and (not tests or tests['returncode'] == 0) else 'FAILED'}.**",
        "",
        "## 1. Load held",
        "",
        f"devhost (waitress, 16 threads, one process) on a throw-away PostgreSQL database, driven over loopback "
        f"by **{result.clients} concurrent clients** (sharing {result.users} users, so several clients write the "
        f"same balances at once) for **{result.duration:.0f} s**; bcrypt cost {result.bcrypt_rounds}. "
        "Mix: list transactions 24 %, create transaction 30 % (expenses, card charges, income, transfers, card "
        "payments; each with an Idempotency-Key), patch 9 %, delete 3 %, accounts 10 %, reports 8 %, budgets 4 %, "
        "goal contributions 8 % (Idempotency-Key), goal 2 %, login 2 %.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests | {f['requests']} ({f['throughput']:.0f}/s) |",
        f"| latency outside the fault windows p50 / p95 / p99 / max | {f['p50_ms']:.0f} / {f['p95_ms']:.0f} / "
        f"{f['p99_ms']:.0f} / {f['max_ms']:.0f} ms |",
        f"| 5xx outside the fault windows | {f['steady_5xx']} |",
        f"| answers by status | {', '.join(f'{k}: {v}' for k, v in sorted(f['statuses'].items(), key=lambda kv: str(kv[0])))} |",
        f"| writes whose outcome was unknown and were retried (same Idempotency-Key) | {result.unknown_outcomes} |",
        f"| retries answered from the idempotency record (Idempotent-Replayed) | {result.replays} |",
        "",
        "| operation | requests | p50 ms | p99 ms |",
        "|---|---|---|---|",
        *[f"| {op} | {n} | {p50:.0f} | {p99:.0f} |" for op, (n, p50, p99) in f["by_op"].items()],
        "",
        "## 2. Faults survived",
        "",
        "The PostgreSQL server is shared with other work, so it is not restarted for real. devhost's "
        "`DATABASE_URL` points at a TCP proxy inside the runner, with `application_name` set to a name unique "
        "to the run. Two kinds of fault were injected during the load:",
        "",
        "- **connections killed**: `pg_terminate_backend` on every backend whose `application_name` is the run's;",
        "- **database down and back**: the proxy closes its listener and every connection through it (in-flight "
        "queries see a reset, new connections are refused), stays down, then listens again on the same port. "
        "devhost is not restarted; it must recover by itself.",
        "",
        "| t (s) | fault | detail |",
        "|---|---|---|",
        *[f"| {e.at:.1f}–{e.until:.1f} | {e.kind} | {e.detail} |" for e in result.faults],
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests overlapping a fault window (fault + {FAULT_GRACE:.0f} s) | {f['fault_requests']}, of which "
        f"503 problem+json: {f['fault_503']} |",
        f"| requests answered while the database was down | {f['outage_requests']}, all 503 problem+json |",
        f"| their latency p50 / max (must stay under {OUTAGE_MAX_LATENCY:.0f} s) | {f['outage_p50_latency_ms']:.0f} / "
        f"{f['outage_max_latency_ms']:.0f} ms |",
        f"| first success after the database came back | "
        f"{'%.2f s' % f['recovery_s'] if f['recovery_s'] is not None else 'never'} |",
        f"| answers with traceback text / 5xx other than 503 | "
        f"{sum(1 for s in result.samples if s.leaked_trace)} / "
        f"{sum(1 for s in result.samples if s.status and s.status >= 500 and s.status != 503)} |",
        "",
        "Clients treat a 503 or a lost connection as *outcome unknown* and repeat the same request (the same "
        "Idempotency-Key for creates and contributions), so the final state is exactly determined by their log. "
        "The audit afterwards, through the API and directly in the database:",
        "",
        "| check | result |",
        "|---|---|",
        *[f"| {name} | {'ok' if ok else 'FAILED: ' + detail} |" for name, ok, detail in result.checks],
        f"| server log: no traceback, password, bcrypt hash, JWT or JWT secret | "
        f"{'ok' if not result.log_findings else 'FAILED: ' + '; '.join(result.log_findings)} |",
        "",
    ]
    if result.failures:
        out += ["Failures:", "", *[f"- {x}" for x in result.failures], ""]
    out += ["## 3. Hostile input, isolation, secrets (tests/reliability)", ""]
    if tests is None:
        out += ["Not run (`--skip-tests`).", ""]
    else:
        stats = tests.get("stats", {})
        out += [f"`pytest tests/reliability` on a throw-away PostgreSQL database: **{tests['summary']}** "
                f"({tests['seconds']:.0f} s).", ""]
        fuzz = stats.get("fuzz", {})
        if fuzz:
            total = sum(v["tried"] for v in fuzz.values())
            kinds = Counter()
            statuses = Counter()
            for v in fuzz.values():
                kinds.update(v.get("kinds", {}))
                statuses.update(v.get("statuses", {}))
            out += [f"Hostile inputs tried: **{total}** requests over {len(fuzz)} route × method × input-kind "
                    "combinations (every JSON body and every query string the app declares), each followed by a "
                    "check that no answer is 5xx, every refusal is a 4xx problem+json, and a refused request "
                    "left every table's rows unchanged.", "",
                    "| hostile value kind | requests |", "|---|---|",
                    *[f"| {k} | {n} |" for k, n in kinds.most_common()], "",
                    f"Answers: {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}.", "",
                    "| route | tried | answers |", "|---|---|---|",
                    *[f"| {name} | {v['tried']} | {', '.join(f'{k}: {n}' for k, n in sorted(v['statuses'].items()))} |"
                      for name, v in sorted(fuzz.items())], ""]
        for key, title in (("isolation", "Authorization"), ("retry", "Transient-error retry injected at the driver"),
                           ("secrets", "Secrets and headers")):
            if stats.get(key):
                out += [f"{title}: " + "; ".join(f"{k}: {v}" for k, v in stats[key].items()) + ".", ""]
        if tests["returncode"]:
            out += ["```", tests["output"], "```", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=None, help="default: clients / 4")
    parser.add_argument("--outage", type=float, default=None, help="seconds the database stays down")
    parser.add_argument("--bcrypt-rounds", type=int, default=8,
                        help="bcrypt cost in the server (8 by default: the mix measures the API, not bcrypt)")
    parser.add_argument("--server", default=os.environ.get("RELIABILITY_SERVER", DEFAULT_SERVER),
                        help="a PostgreSQL URL with rights to create databases")
    parser.add_argument("--output", default=str(ROOT / "docs" / "reliability.md"))
    parser.add_argument("--skip-tests", action="store_true", help="load and faults only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    command = "python bench/reliability.py" + (
        f" --clients {args.clients}" if args.clients != 32 else "") + (
        f" --duration {args.duration:g}" if args.duration != 60 else "")
    result = run_load(server_url=args.server, clients=args.clients, duration=args.duration, users=args.users,
                      outage_seconds=args.outage, bcrypt_rounds=args.bcrypt_rounds)
    f = result.figures
    print(f"load: {f['requests']} requests, p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, "
          f"steady 5xx {f['steady_5xx']}, outage max {f['outage_max_latency_ms']:.0f} ms, "
          f"recovery {f['recovery_s']}")
    tests = None if args.skip_tests else run_pytest_parts(args.server)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(result, tests, command) + "\n")
    print(f"wrote {output}")
    for failure in result.failures:
        print("FAIL:", failure)
    ok = result.ok and (tests is None or tests["returncode"] == 0)
    if tests and tests["returncode"]:
        print(tests["output"])
    print("reliability run", "PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
