"""A local stand-in for the Azure Functions host's HTTP layer (Core Tools cannot be installed here).

It serves every HTTP trigger registered on `function_app.app` the way the host does: route
templates and methods come from the functions' own metadata, the route prefix from host.json,
requests and answers go through `azure.functions.HttpRequest` / `HttpResponse`. The HTTP server is
the standard library's (`http.server.ThreadingHTTPServer`, HTTP/1.1 keep-alive; a thread reads each
connection) and the functions run on a bounded thread pool, `--threads` at a time, as the Python
worker runs sync functions on its pool; async functions run on one long-lived event loop.

    python devhost.py [--host 127.0.0.1] [--port 7071]
    python devhost.py --run-timer recurring_timer      # run one timer function now, then exit
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import logging
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit

import azure.functions as func

from shared.web import route_table
from shared.web.http import loggable

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("devhost")

_CONSTRAINTS = {
    "int": r"-?[0-9]+",  # ASCII digits only (\d would take "१" and "１" too)
    "long": r"-?[0-9]+",
    "bool": r"(?i:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
}


@dataclass
class Route:
    """A row of the app's route table (shared/web/route_table.py) with the regex devhost matches by."""

    template: str
    methods: frozenset[str]
    function: Callable[..., Any]
    name: str
    pattern: re.Pattern[str]
    literal_segments: int
    row: route_table.Function | None = None

    @property
    def is_async(self) -> bool:
        return self.row.is_async if self.row is not None else inspect.iscoroutinefunction(self.function)

    @property
    def request_arg(self) -> str:
        """The parameter the request is bound to (the trigger binding's name)."""
        trigger = self.row.binding(route_table.HTTP_TRIGGER) if self.row is not None else None
        return trigger.name if trigger is not None else "req"

    def inputs(self) -> list[route_table.Binding]:
        """The input bindings besides the trigger (a Durable client, say)."""
        if self.row is None:
            return []
        return [b for b in self.row.bindings if b.direction == "in" and b.type != route_table.HTTP_TRIGGER]

    @property
    def first(self) -> str | None:
        """The template's first segment case-folded when it is a literal (host routing ignores case)."""
        segments = route_table.segments(self.template)
        return segments[0].literal.casefold() if segments and segments[0].literal is not None else None

    def match(self, path: str) -> dict[str, str] | None:
        m = self.pattern.fullmatch(path)
        if m is None:
            return None
        return {k: v for k, v in m.groupdict().items() if v is not None}


def compile_template(template: str) -> tuple[re.Pattern[str], int]:
    """`accounts/{id:int}` -> regex; segments like the host: constraints, optional `{x?}`, catch-all `{*x}`."""
    regex = ""
    literals = 0
    for segment in route_table.segments(template):
        if segment.literal is not None:
            regex += "/" + re.escape(segment.literal)
            literals += 1
            continue
        if segment.constraint and segment.constraint not in _CONSTRAINTS:
            raise ValueError(f"unsupported route constraint {segment.constraint!r} in {template!r}")
        body = ".*" if segment.catch_all else _CONSTRAINTS.get(segment.constraint, r"[^/]+")
        part = f"/(?P<{segment.name}>{body})"
        regex += f"(?:{part})?" if (segment.optional or segment.catch_all) else part
    # The host's routing (ASP.NET Core) matches literal segments case-insensitively.
    return re.compile(regex or "/?", re.IGNORECASE), literals


class HostRulesBroken(RuntimeError):
    """The app has functions the Functions host would refuse at start."""


def http_routes(app: Any) -> list[Route]:
    """The app's HTTP functions, most specific template first (the host's preference: more literal
    segments first). Refuses an app the Functions host would refuse."""
    table = route_table.functions(app)
    problems = route_table.host_rule_violations(table)
    if problems:
        raise HostRulesBroken("the Functions host would refuse this app:\n  " + "\n  ".join(problems))
    routes = []
    for row in table:
        if row.is_http:
            pattern, literals = compile_template(row.template)
            routes.append(Route(row.template, row.methods, row.function, row.name, pattern, literals, row))
    routes.sort(key=lambda r: -r.literal_segments)
    return routes


def _problem(status: int, detail: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"type": "about:blank", "title": "Not found" if status == 404 else "Error",
                       "status": status, "detail": detail}).encode()
    return status, {"Content-Type": "application/problem+json; charset=utf-8",
                    "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}, body


class EventLoop:
    """One long-lived event loop in its own thread, as the Python worker keeps one: every async
    function of the process runs on it, invocation after invocation (libraries such as
    azure-functions-durable keep per-process clients bound to the loop they first ran on)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coroutine: Any) -> Any:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="devhost-event-loop", daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()


EVENT_LOOP = EventLoop()


def invoke(function: Callable[..., Any], **arguments: Any) -> Any:
    """Call a function as the worker does: an async one on the process's one event loop, a sync one
    right here, on the calling thread (under the server, one of its pool's threads)."""
    if inspect.iscoroutinefunction(function):
        return EVENT_LOOP.run(function(**arguments))
    return function(**arguments)


def durable_client_binding(base_url: str, task_hub: str = "devhost") -> str:
    """The Durable client binding's JSON, as the Durable extension hands it to a function, for the
    extension's HTTP API at `base_url` (e.g. http://127.0.0.1:7071/runtime/webhooks/durabletask/)."""
    base = base_url.rstrip("/") + "/"
    instance = base + "instances/INSTANCEID"
    return json.dumps({
        "taskHubName": task_hub,
        "creationUrls": {"createNewInstancePostUri": base + "orchestrators/{functionName}[/{instanceId}]",
                         "createAndWaitOnNewInstancePostUri": base + "orchestrators/{functionName}[/{instanceId}]"
                                                                     "?timeout={timeoutInSeconds}"},
        "managementUrls": {"id": "INSTANCEID", "statusQueryGetUri": instance,
                           "sendEventPostUri": instance + "/raiseEvent/{eventName}",
                           "terminatePostUri": instance + "/terminate?reason={text}",
                           "rewindPostUri": instance + "/rewind?reason={text}",
                           "purgeHistoryDeleteUri": instance},
        "rpcBaseUrl": base,
    })


class Dispatcher:
    def __init__(self, app: Any, prefix: str | None = None, durable_url: str | None = None):
        self.routes = http_routes(app)
        self.prefix = "/" + (route_table.route_prefix(ROOT) if prefix is None else prefix).strip("/")
        # Values devhost can give an input binding, by binding type; a function whose binding has none
        # gets the parameter's default.
        self.bindings = {"durableClient": durable_client_binding(durable_url)} if durable_url else {}
        # Candidates by the path's first segment (the routes starting with that literal, and those
        # starting with a parameter), in the table's order: a request tries a handful of patterns, not all.
        firsts = {route.first for route in self.routes}
        self._open = [route for route in self.routes if route.first is None]
        self._by_first = {first: [r for r in self.routes if r.first in (first, None)] for first in firsts if first}

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        if self.prefix != "/":
            folded = path.lower()
            if folded != self.prefix.lower() and not folded.startswith(self.prefix.lower() + "/"):
                return None
            path = path[len(self.prefix):] or "/"
        path = "/" + path.strip("/") if path.strip("/") else ""
        first = path[1:].split("/", 1)[0].casefold()
        for route in self._by_first.get(first, self._open):
            params = route.match(path)
            if params is not None and method in route.methods:
                return route, params
        return None

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
               url: str) -> tuple[int, dict[str, str], bytes]:
        found = self.resolve(method.upper(), path)
        if found is None:
            return _problem(404, "No route matches this method and path.")
        route, params = found
        request = func.HttpRequest(
            method=method.upper(), url=url, headers=headers,
            params=dict(parse_qsl(query, keep_blank_values=True)), route_params=params, body=body,
        )
        arguments = {b.name: self.bindings[b.type] for b in route.inputs() if b.type in self.bindings}
        arguments[route.request_arg] = request
        try:
            response = invoke(route.function, **arguments)
        except Exception:  # the host answers 500 when a function raises; ours never should
            log.exception("function %s raised", route.name)
            return 500, {"Content-Type": "application/problem+json"}, b'{"status":500,"title":"Internal error"}'
        out_headers = {k: v for k, v in response.headers.items()}
        if response.mimetype and "content-type" not in {k.lower() for k in out_headers}:
            ctype = response.mimetype
            if response.charset and not ctype.startswith(("image/", "font/")):
                ctype += f"; charset={response.charset}"
            out_headers["Content-Type"] = ctype
        return response.status_code, out_headers, response.get_body() or b""


_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "Unauthorized", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large",
            422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}
# The largest body any function accepts (POST /api/imports: 6 MiB); each function enforces its own
# limit (1 MiB for the others) and answers 413 past it.
MAX_BODY = 6 * 1024 * 1024


@dataclass
class Incoming:
    """One HTTP request as a server read it, before devhost turns it into an HttpRequest."""

    method: str
    path: str  # percent-decoded, as bytes read as latin-1 (WSGI's PATH_INFO)
    query: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    peer: str
    host: str
    scheme: str = "http"


def answer(dispatcher: Dispatcher, incoming: Incoming) -> tuple[int, dict[str, str], bytes]:
    """The host's part around a function call: the path read as UTF-8, the peer added as the last
    X-Forwarded-For hop, the function called, HEAD's body dropped, Content-Length set, one log line."""
    started = time.perf_counter()
    path = incoming.path or "/"
    try:
        path = path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    headers = incoming.headers
    headers["x-forwarded-for"] = ", ".join(x for x in (headers.get("x-forwarded-for"), incoming.peer) if x)
    query = incoming.query
    url = f"{incoming.scheme}://{incoming.host}{path}" + (f"?{query}" if query else "")
    status, out_headers, out_body = dispatcher.handle(incoming.method, path, query, headers, incoming.body, url)
    if incoming.method == "HEAD":
        out_body = b""
    out_headers["Content-Length"] = str(len(out_body))
    if log.isEnabledFor(logging.INFO):  # every part of the line but the numbers comes from the request
        log.info("%s %s %s %d %.1fms", loggable(incoming.peer), loggable(incoming.method), loggable(path), status,
                 (time.perf_counter() - started) * 1000)
    return status, out_headers, out_body


def make_wsgi_app(app: Any, durable_url: str | None = None) -> Callable:
    """The same host layer as a WSGI application (in-process clients: tests, schemathesis, profiling)."""
    dispatcher = Dispatcher(app, durable_url=durable_url)

    def wsgi(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        # Read at most one byte past the limit: the function answers 413 without buffering more.
        length = int(environ.get("CONTENT_LENGTH") or 0) if (environ.get("CONTENT_LENGTH") or "").isdigit() else 0
        body = environ["wsgi.input"].read(min(length, MAX_BODY + 1)) if length else b""
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        status, out_headers, out_body = answer(dispatcher, Incoming(
            environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), headers, body,
            environ.get("REMOTE_ADDR", ""), host, environ.get("wsgi.url_scheme", "http")))
        start_response(f"{status} {_REASONS.get(status, 'Status')}", list(out_headers.items()))
        return [out_body]

    return wsgi


_MAX_LINE, _MAX_HEADERS = 65536, 100  # the stdlib's (http.client) limits
_DATE: list[Any] = [None, ""]  # (the second, its Date header text)


class Headers:
    """A request's header lines: `get` by name in any case (the first), `items` in their order."""

    __slots__ = ("_fields", "_first")

    def __init__(self, fields: list[tuple[str, str]]):
        self._fields = fields
        self._first: dict[str, str] = {}
        for name, value in fields:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: Any = None) -> Any:
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


class _Connection(BaseHTTPRequestHandler):
    """One client connection (HTTP/1.1 keep-alive) of the stdlib server; each request's function runs on
    the server's bounded pool, as the Python worker runs sync functions on its thread pool."""

    protocol_version = "HTTP/1.1"
    server_version = "devhost"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection is closed after two minutes
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.warning("%s %s", loggable(self.address_string()), loggable(format % args))

    def parse_request(self) -> bool:
        """The stdlib's request line rules, with the header block read by a plain loop: the stdlib hands
        it to the email package's parser, which was a third of the server's CPU on a small request.
        Same limits and answers (431 past 100 headers or a 64 KiB line); a folded (obs-fold) or
        colon-less header line is a 400, as the host's Kestrel answers it."""
        if not self._request_line():
            return False
        headers = self._header_block()
        if headers is None:
            return False
        self.headers = headers  # type: ignore[assignment] - what the stdlib's code reads: get() and items()
        connection = headers.get("connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        if (headers.get("expect", "").lower() == "100-continue" and self.protocol_version >= "HTTP/1.1"
                and self.request_version >= "HTTP/1.1"):
            return self.handle_expect_100()
        return True

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header: the stdlib's text, made once a second rather than once a request."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        cached = _DATE
        if cached[0] != second:
            cached = _DATE[:] = [second, super().date_time_string(second)]
        return cached[1]

    def _request_line(self) -> bool:
        """BaseHTTPRequestHandler.parse_request's request-line part (Python 3.11), unchanged."""
        self.command = None
        self.request_version = version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                numbers = version.split("/", 1)[1].split(".")
                if len(numbers) != 2 or any(not n.isdigit() or len(n) > 10 for n in numbers):
                    raise ValueError
                number = int(numbers[0]), int(numbers[1])
            except (ValueError, IndexError):
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({'.'.join(numbers)})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):  # gh-87389: the rest of the path is not a host
            self.path = "/" + self.path.lstrip("/")
        return True

    def _header_block(self) -> Headers | None:
        """The header lines up to the blank one (latin-1, as the stdlib reads them); None after answering
        a block the host would refuse."""
        fields: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return None
            if line in (b"\r\n", b"\n", b""):
                return Headers(fields)
            if len(fields) >= _MAX_HEADERS:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return None
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon or not name or name != name.strip() or name[0] in " \t":
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line")
                return None
            fields.append((name, value.strip(" \t\r\n")))

    def _body(self) -> bytes:
        """The request body, at most one byte past the largest any function takes; the connection is
        closed after the answer when more was sent (what is left unread cannot start the next request)."""
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._chunked_body()
        declared = (self.headers.get("content-length") or "").strip()
        length = int(declared) if declared.isascii() and declared.isdigit() else 0
        if length > MAX_BODY + 1:
            self.close_connection = True
        return self.rfile.read(min(length, MAX_BODY + 1)) if length else b""

    def _chunked_body(self) -> bytes:
        parts, size = [], 0
        while size <= MAX_BODY:
            line = self.rfile.readline(1026).split(b";", 1)[0].strip()
            try:
                chunk = int(line, 16)
            except ValueError:
                self.close_connection = True
                break
            if chunk == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(min(chunk, MAX_BODY + 1 - size)))
            size += len(parts[-1])
            if size > MAX_BODY:
                break
            self.rfile.readline(3)  # the CRLF after the chunk
        self.close_connection = True
        return b"".join(parts)[:MAX_BODY + 1]

    def _serve(self) -> None:
        declared = (self.headers.get("content-length") or "").strip()
        if declared and not (declared.isascii() and declared.isdigit()):
            # As the host's server does: a length that is not a number is a bad request, and the rest
            # of the connection cannot be read, so it closes.
            self.close_connection = True
            status, headers, body = _problem(400, "Content-Length must be a whole number of bytes.")
            self._send(status, headers, body)
            return
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            target = urlsplit(target)._replace(scheme="", netloc="").geturl() or "/"
        raw_path, _, query = target.partition("?")
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if "chunked" in headers.get("transfer-encoding", "").lower():
            headers.pop("content-length", None)
        incoming = Incoming(self.command, unquote_to_bytes(raw_path).decode("latin-1"), query, headers,
                            self._body(), self.client_address[0], headers.get("host") or self.server.host_name)
        status, out_headers, out_body = self.server.pool.call(answer, self.server.dispatcher, incoming)
        self._send(status, out_headers, out_body, head=self.command == "HEAD")

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool = False) -> None:
        """The status line, the headers and the body in one write (the stdlib's send_response and
        send_header write the same bytes, the body in a second send): one system call per answer."""
        lines = [f"{self.protocol_version} {status} {_REASONS.get(status, 'Status')}\r\n"
                 f"Server: {self.version_string()}\r\nDate: {self.date_time_string()}\r\n"]
        for name, value in headers.items():
            folded = name.lower()
            if folded == "content-length":
                continue
            if folded == "connection" and value.lower() == "close":  # as send_header reads it
                self.close_connection = True
            lines.append(f"{name}: {value}\r\n")
        lines.append(f"Content-Length: {headers.get('Content-Length', len(body))}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        # An HTTP/0.9 request gets the body alone, as the stdlib answers it.
        head_bytes = b"" if self.request_version == "HTTP/0.9" else "".join(lines).encode("latin-1", "strict")
        self.wfile.write(head_bytes + body if body and not head else head_bytes)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass  # answer() writes the request's line


_STOP = object()


class _Call:
    """One function call handed to the pool, and its outcome; `done` is released once it is known."""

    __slots__ = ("fn", "args", "result", "error", "done")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]):
        self.fn, self.args, self.result, self.error = fn, args, None, None
        self.done = threading.Lock()
        self.done.acquire()


class FunctionPool:
    """The bounded pool sync functions run on, `threads` at a time, as the Python worker runs them on
    its thread pool: each call is handed to a pool thread and its caller waits for the outcome.

    Leaner than `concurrent.futures.ThreadPoolExecutor` for a caller that always waits: one lock
    released each way, no Future and its condition variable (profiled over HTTP, the executor's
    machinery was about a tenth of the server's CPU for a get by id). The thread that went idle last
    takes the next call (a stack of idle threads, not a shared queue), so one warm thread serves a
    quiet server and any state a function wrongly keeps per thread meets many callers at once. Calls
    past `threads` wait their turn, first come first served."""

    def __init__(self, threads: int, name: str = "devhost-worker"):
        if threads < 1:
            raise ValueError("a pool needs at least one thread")
        self._max, self._name = threads, name
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._waiting: deque[_Call] = deque()
        self._started = 0
        self._closed = False

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` on a pool thread: its result, or its exception raised here."""
        job = _Call(fn, args)
        with self._lock:
            if self._closed:
                raise RuntimeError("the function pool is shut down")
            if self._idle:
                self._idle.pop().give(job)
            elif self._started < self._max:
                self._started += 1
                _Worker(self, f"{self._name}_{self._started - 1}").give(job)
            else:
                self._waiting.append(job)
        job.done.acquire()
        if job.error is not None:
            raise job.error
        return job.result

    def _next(self, worker: _Worker) -> Any:
        """A worker's next call when one is waiting; otherwise None with the worker put on the idle
        stack, or _STOP once the pool is shut down."""
        with self._lock:
            if self._waiting:
                return self._waiting.popleft()
            if self._closed:
                return _STOP
            self._idle.append(worker)
            return None

    def shutdown(self) -> None:
        """No new calls; idle threads end, and calls still waiting for a thread are refused."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            waiting, self._waiting = list(self._waiting), deque()
        for worker in idle:
            worker.give(None)
        for job in waiting:
            job.error = RuntimeError("the function pool is shut down")
            job.done.release()


class _Worker:
    def __init__(self, pool: FunctionPool, name: str):
        self._pool = pool
        self._job: _Call | None = None
        self._wake = threading.Lock()
        self._wake.acquire()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def give(self, job: _Call | None) -> None:
        """Wake the (idle or new) worker with `job`; None ends it."""
        self._job = job
        self._wake.release()

    def _run(self) -> None:
        while True:
            self._wake.acquire()
            job, self._job = self._job, None  # cleared before it can be given another
            if job is None:
                return
            while isinstance(job, _Call):
                try:
                    job.result = job.fn(*job.args)
                except BaseException as exc:  # handed to the caller, raised there
                    job.error = exc
                job.done.release()
                job = self._pool._next(self)
            if job is _STOP:
                return


class Server(ThreadingHTTPServer):
    """The stdlib's threading HTTP server (one thread reads each connection) with a bounded pool that
    runs the functions, `threads` at a time."""

    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: many clients connecting at once are queued, not refused

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher, threads: int):
        self.dispatcher = dispatcher
        self.pool = FunctionPool(threads)
        super().__init__(address, _Connection)
        self.host_name = f"{address[0]}:{self.server_address[1]}"

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown()


# --- timers on demand (local testing; the host runs them on their NCRONTAB schedules) ----------

class _DueNow:
    """What a timer function gets from the host: a TimerRequest that is not past due."""

    past_due = False


def run_timer(app: Any, name: str) -> int:
    """Run the timer function `name` once, now, in this process; 2 when there is no such timer or it
    needs a binding only the host provides (a Durable client: use its scripts/ command instead)."""
    timers = {f.name: f for f in route_table.functions(app) if f.trigger == "timerTrigger"}
    row = timers.get(name)
    if row is None:
        log.error("no timer function %r; timers: %s", name, ", ".join(sorted(timers)) or "none")
        return 2
    trigger = row.binding("timerTrigger")
    if trigger is None or any(b.direction == "in" and b is not trigger for b in row.bindings):
        log.error("timer %r needs bindings only the Functions host provides", name)
        return 2
    invoke(row.function, **{trigger.name: _DueNow()})
    log.info("ran timer %s", name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--durable-url", default=None,
                        help="the Durable extension's HTTP API (…/runtime/webhooks/durabletask/) for functions "
                             "that take a Durable client; without it they get none")
    parser.add_argument("--run-timer", metavar="NAME", help="run this timer function once now, then exit")
    args = parser.parse_args(argv)
    from shared.data.config import ConfigError, check_settings

    try:
        settings = check_settings()
    except ConfigError as exc:  # one line saying which setting and why, not a traceback
        print(f"devhost: cannot start: {exc}", file=sys.stderr)
        return 2
    level = settings.log_level  # LOG_LEVEL, as the app reads it
    known = isinstance(logging.getLevelName(level), int)
    logging.basicConfig(level=level if known else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not known:
        log.warning("LOG_LEVEL %r is not a log level; logging at INFO", loggable(level))


    import function_app

    try:  # refuse to start on what the Functions host would refuse, before touching the database
        dispatcher = Dispatcher(function_app.app, durable_url=args.durable_url)
    except HostRulesBroken as exc:
        log.error("%s", exc)
        return 1
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    engine = get_engine()
    if engine.dialect.name != "sqlite":  # SQLite is migrated by get_engine() itself
        upgrade_to_head(engine)
    if args.run_timer:
        return run_timer(function_app.app, args.run_timer)
    with Server((args.host, args.port), dispatcher, args.threads) as server:
        log.info("serving %d HTTP functions at http://%s:%d/%s", len(dispatcher.routes), args.host,
                 server.server_address[1], route_table.route_prefix(ROOT))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
