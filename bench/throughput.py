"""HTTP throughput: devhost on a database, many concurrent clients, a mixed workload."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import threading
import time

from bench.harness import Devhost
from bench.stats import percentile


def http_throughput(database_url: str, clients: int, seconds: float) -> dict[str, float]:
    with Devhost(database_url, threads=clients) as server:
        port = server.port

        def call(conn, method, path, body=None, token=None):
            headers = {"content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()

        setup = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        tokens = []
        for i in range(clients):
            name = f"tp_{i}_{int(time.time())}"
            call(setup, "POST", "/api/register", {"username": name, "password": "bench-password-123",
                                                   "first_name": "T", "last_name": "P"})
            status, body = call(setup, "POST", "/api/login", {"username": name, "password": "bench-password-123"})
            token = json.loads(body)["access_token"]
            _, acc = call(setup, "POST", "/api/accounts", {"name": "A", "type": "checking"}, token)
            tokens.append((token, json.loads(acc)["id"]))
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop = time.time() + seconds

        def worker(token: str, account_id: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            rng = random.Random(account_id)
            local, bad = [], 0
            while time.time() < stop:
                roll = rng.random()
                t0 = time.perf_counter()
                if roll < 0.3:
                    status, _ = call(conn, "POST", "/api/transactions",
                                     {"type": "expense", "amount": "3.50", "date": dt.date.today().isoformat(),
                                      "account_id": account_id}, token)
                elif roll < 0.7:
                    status, _ = call(conn, "GET", "/api/transactions?page_size=20", token=token)
                elif roll < 0.85:
                    status, _ = call(conn, "GET", f"/api/accounts/{account_id}", token=token)
                else:
                    status, _ = call(conn, "GET", f"/api/reports/monthly?month={dt.date.today():%Y-%m}", token=token)
                local.append(time.perf_counter() - t0)
                bad += status >= 500
            with lock:
                latencies.extend(local)
                errors[0] += bad

        threads = [threading.Thread(target=worker, args=t) for t in tokens]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        return {"clients": clients, "seconds": elapsed, "requests": len(latencies),
                "rps": len(latencies) / elapsed, "p50_ms": percentile(latencies, 0.5) * 1000,
                "p99_ms": percentile(latencies, 0.99) * 1000, "errors_5xx": errors[0]}
