"""The app beside the bare floor over HTTP, one client, in one run: devhost (APP_ENV=production,
LOG_LEVEL=WARNING) and bench/floor.py on the same database, the same requests, rounds interleaved
(app then floor, floor then app, ...) so machine noise hits both alike; medians of the rounds.

Per request: requests per second as the client sees them, and the server's CPU per request read
from /proc/<pid>/stat (user + system time of the whole server process, every thread) before and
after each round.
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import Devhost, free_port
from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
_TICK = os.sysconf("SC_CLK_TCK")
OPERATIONS = ("create a transaction", "get one", "list of 100", "monthly report")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of the line)


class Client:
    def __init__(self, port: int, headers: dict[str, str]):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = headers

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)


def _must(answer: tuple[int, Any], *wanted: int) -> Any:
    status, data = answer
    if status not in wanted:
        raise RuntimeError(f"benchmark setup: answered {status}: {data}")
    return data


def _setup(port: int, make_client: Any = None) -> dict[str, Any]:
    """A user with an account and 120 transactions this month, through the API (`make_client(headers)`:
    another way to reach the app than HTTP on `port`, such as bench/profile.py's in-process client)."""
    make_client = make_client or (lambda headers: Client(port, headers))
    anonymous = make_client({})
    name = f"side_{os.getpid()}_{int(time.time())}"
    _must(anonymous.call("POST", "/api/register", {"username": name, "password": "bench-password-123",
                                                   "first_name": "Side", "last_name": "By"}), 201)
    token = _must(anonymous.call("POST", "/api/login", {"username": name, "password": "bench-password-123"}),
                  200)["access_token"]
    client = make_client({"Authorization": f"Bearer {token}"})
    me = _must(client.call("GET", "/api/me"), 200)
    account = _must(client.call("POST", "/api/accounts", {"name": "Checking", "type": "checking",
                                                          "opening_balance": "100000.00"}), 201)
    categories = _must(client.call("GET", "/api/categories?page_size=100"), 200)["items"]
    groceries = next(c["id"] for c in categories if c["kind"] == "expense")
    today = dt.date.today()
    body = {"type": "expense", "amount": "12.34", "date": today.isoformat(), "category_id": groceries,
            "account_id": account["id"], "description": "side by side"}
    first = None
    for _ in range(120):
        created = _must(client.call("POST", "/api/transactions", body), 201)
        first = first or created["id"]
    return {"token": token, "user_id": me["id"], "body": body, "txn": first, "month": today.strftime("%Y-%m")}


def _requests(fixture: dict[str, Any]) -> dict[str, tuple[str, str, Any]]:
    return {
        "create a transaction": ("POST", "/api/transactions", fixture["body"]),
        "get one": ("GET", f"/api/transactions/{fixture['txn']}", None),
        "list of 100": ("GET", "/api/transactions?page_size=100", None),
        "monthly report": ("GET", f"/api/reports/monthly?month={fixture['month']}", None),
    }


def _round(client: Client, pid: int, method: str, path: str, body: Any, n: int) -> tuple[float, float]:
    """(requests per second, server CPU seconds per request) over n requests."""
    wanted = 201 if method == "POST" else 200
    c0, w0 = cpu_seconds(pid), time.perf_counter()
    for _ in range(n):
        status, data = client.call(method, path, body)
        if status != wanted:
            raise RuntimeError(f"{method} {path} answered {status}: {data}")
    w1, c1 = time.perf_counter(), cpu_seconds(pid)
    return n / (w1 - w0), (c1 - c0) / n


def side_by_side(database_url: str, *, rounds: int, requests: int) -> dict[str, Any]:
    """Both servers on `database_url` (already migrated by devhost); figures per operation."""
    app = Devhost(database_url, threads=4, env={"APP_ENV": "production", "LOG_LEVEL": "WARNING",
                                                "JWT_SECRET": os.urandom(48).hex()})
    floor_port = free_port()
    floor = subprocess.Popen([sys.executable, "-m", "bench.floor", "--port", str(floor_port),
                              "--database-url", database_url], cwd=ROOT)
    try:
        app.wait_ready()
        fixture = _setup(app.port)
        clients = {"app": (Client(app.port, {"Authorization": f"Bearer {fixture['token']}"}), app.pid),
                   "floor": (Client(floor_port, {"X-User": str(fixture["user_id"])}), floor.pid)}
        _wait_for(clients["floor"][0])
        figures: dict[str, dict[str, list[float]]] = {op: {"app_rps": [], "floor_rps": [], "app_cpu": [],
                                                           "floor_cpu": []} for op in OPERATIONS}
        for method, path, body in _requests(fixture).values():  # warm both
            for client, pid in clients.values():
                _round(client, pid, method, path, body, 5)
        for r in range(rounds):
            order = ("app", "floor") if r % 2 == 0 else ("floor", "app")
            for op, (method, path, body) in _requests(fixture).items():
                for who in order:
                    client, pid = clients[who]
                    rps, cpu = _round(client, pid, method, path, body, requests)
                    figures[op][f"{who}_rps"].append(rps)
                    figures[op][f"{who}_cpu"].append(cpu)
        out = {}
        for op, f in figures.items():
            app_rps, floor_rps = median(f["app_rps"]), median(f["floor_rps"])
            app_cpu, floor_cpu = median(f["app_cpu"]), median(f["floor_cpu"])
            out[op] = {"app_rps": app_rps, "floor_rps": floor_rps, "rps_ratio": app_rps / floor_rps,
                       "app_cpu_ms": app_cpu * 1000, "floor_cpu_ms": floor_cpu * 1000,
                       "cpu_ratio": app_cpu / floor_cpu if floor_cpu else float("nan")}
        return {"rounds": rounds, "requests": requests, "operations": out}
    finally:
        app.stop()
        floor.terminate()
        floor.wait(10)


def _wait_for(client: Client, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.call("GET", "/api/none")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            client.conn.close()
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    """Only the side-by-side part, printed as a table (for before/after comparisons while profiling):

        python -m bench.sidebyside [--backends sqlite,postgresql] [--rounds 5] [--requests 100]
    """
    import argparse
    import tempfile

    from bench.pg import server_from_env, throwaway_database

    parser = argparse.ArgumentParser(description="The app beside the bare floor over HTTP, one client")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)
    print("| database | request | app req/s | floor req/s | app ÷ floor | app CPU ms | floor CPU ms | CPU ÷ floor |")
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            result = side_by_side(f"sqlite:///{tempfile.mkdtemp()}/side.db", rounds=args.rounds,
                                  requests=args.requests)
        else:
            with throwaway_database(server_from_env(), "bench_side") as url:
                result = side_by_side(url, rounds=args.rounds, requests=args.requests)
        for op, f in result["operations"].items():
            print(f"| {backend} | {op} | {f['app_rps']:.0f} | {f['floor_rps']:.0f} | {f['rps_ratio']:.2f} | "
                  f"{f['app_cpu_ms']:.2f} | {f['floor_cpu_ms']:.2f} | {f['cpu_ratio']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
