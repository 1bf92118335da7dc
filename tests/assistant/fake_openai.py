"""A local stand-in for Azure OpenAI's chat-completions endpoint, for tests of the optional model mode.

Each request takes the next scripted step (a tool call, a plain answer, an HTTP error, a delay
longer than the client waits, or a body that is not JSON) and is recorded with its path, headers and
JSON body, so a test can check what was sent (and that nothing it must not see was).

    with FakeOpenAI() as fake:
        fake.tool_call("spending", {"category_id": 1}).text("You spent $300.00.")
        ... AZURE_OPENAI_ENDPOINT=fake.url ...
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _Step:
    kind: str  # tool_call | text | error | delay | garbage
    payload: Any = None
    status: int = 200
    seconds: float = 0.0


@dataclass
class FakeOpenAI:
    steps: deque = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)

    # --- the script --------------------------------------------------------------------------
    def tool_call(self, name: str, arguments: dict[str, Any] | str) -> FakeOpenAI:
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        self.steps.append(_Step("tool_call", (name, text)))
        return self

    def text(self, content: str) -> FakeOpenAI:
        self.steps.append(_Step("text", content))
        return self

    def error(self, status: int = 500) -> FakeOpenAI:
        self.steps.append(_Step("error", status=status))
        return self

    def delay(self, seconds: float) -> FakeOpenAI:
        self.steps.append(_Step("delay", seconds=seconds))
        return self

    def garbage(self) -> FakeOpenAI:
        self.steps.append(_Step("garbage"))
        return self

    # --- the server --------------------------------------------------------------------------
    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                fake.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()},
                                              json.loads(raw or b"{}")))
                step = fake.steps.popleft() if fake.steps else _Step("error", status=500)
                if step.kind == "delay":
                    time.sleep(step.seconds)
                    return self._send(200, _completion(message={"role": "assistant", "content": "late"}))
                if step.kind == "error":
                    return self._send(step.status, {"error": {"code": str(step.status), "message": "scripted"}})
                if step.kind == "garbage":
                    return self._send_raw(200, b"<html>not json</html>")
                if step.kind == "text":
                    return self._send(200, _completion({"role": "assistant", "content": step.payload}, "stop"))
                name, arguments = step.payload
                call = {"id": f"call_{len(fake.requests)}", "type": "function",
                        "function": {"name": name, "arguments": arguments}}
                return self._send(200, _completion({"role": "assistant", "content": None, "tool_calls": [call]},
                                                   "tool_calls"))

            def _send(self, status: int, body: dict[str, Any]) -> None:
                self._send_raw(status, json.dumps(body).encode())

            def _send_raw(self, status: int, raw: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"


def _completion(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": finish_reason, "message": message}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
