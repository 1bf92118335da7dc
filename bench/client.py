"""A small HTTP client for the load: one keep-alive connection, a bearer token, and a `Sample` per
request (when it started, how long it took, the status or None when no answer came)."""
from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


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
