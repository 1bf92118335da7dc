"""A local fake of the Durable extension's HTTP API, the part azure-functions-durable's client calls:

- `POST {rpcBaseUrl}orchestrators/{name}[/{instanceId}]` with the input as JSON: start an instance
  (202 and `{"id": ...}`), which `DurableOrchestrationClient.start_new` sends;
- `GET {rpcBaseUrl}instances/{instanceId}?...`: its status (200/202), or 404 with no body when there
  is no such instance, which `get_status` sends.

It records what it was sent, and serves from its own thread: the client's aiohttp session really
connects to it, as it does to the Functions host.
"""
from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

BASE_PATH = "/runtime/webhooks/durabletask/"


@dataclass
class Started:
    name: str
    instance_id: str
    input: Any


@dataclass
class FakeDurable:
    started: list[Started] = field(default_factory=list)
    status_queries: list[str] = field(default_factory=list)
    running: set[str] = field(default_factory=set)  # instance ids reported Running

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                path = urlsplit(self.path).path
                parts = [unquote(p) for p in path.removeprefix(BASE_PATH).split("/")]
                if not path.startswith(BASE_PATH) or parts[0] != "orchestrators" or len(parts) not in (2, 3):
                    return self._answer(404)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                instance_id = parts[2] if len(parts) == 3 else uuid.uuid4().hex
                fake.started.append(Started(parts[1], instance_id, json.loads(raw) if raw else None))
                self._answer(202, {"id": instance_id})

            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                if not path.startswith(BASE_PATH + "instances/"):
                    return self._answer(404)
                instance_id = unquote(path.removeprefix(BASE_PATH + "instances/"))
                fake.status_queries.append(instance_id)
                known = {s.instance_id: s for s in fake.started}
                if instance_id not in known and instance_id not in fake.running:
                    return self._answer(404)
                self._answer(202, {"name": known[instance_id].name if instance_id in known else "orchestrator",
                                   "instanceId": instance_id, "runtimeStatus": "Running",
                                   "createdTime": "2026-11-01T02:00:00Z", "lastUpdatedTime": "2026-11-01T02:00:01Z"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-durable", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{BASE_PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
