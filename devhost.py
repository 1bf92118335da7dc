"""A local stand-in for the Azure Functions host's HTTP layer (Core Tools cannot be installed here).

It serves every HTTP trigger registered on `function_app.app` the way the host does: route
templates and methods come from the functions' own metadata, the route prefix from host.json,
requests and answers go through `azure.functions.HttpRequest` / `HttpResponse`. The HTTP server
is waitress (a production WSGI server); nothing here parses HTTP by hand.

    python devhost.py [--host 127.0.0.1] [--port 7071]
    python devhost.py --run-timer recurring_timer      # run one timer function now, then exit
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl

import azure.functions as func

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("devhost")

_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"(?i:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
}
_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}")


def route_prefix() -> str:
    try:
        host = json.loads((ROOT / "host.json").read_text())
        return host.get("extensions", {}).get("http", {}).get("routePrefix", "api").strip("/")
    except (OSError, ValueError):
        return "api"


@dataclass
class Route:
    template: str
    methods: frozenset[str]
    function: Callable[[func.HttpRequest], func.HttpResponse]
    name: str
    pattern: re.Pattern[str]
    literal_segments: int

    def match(self, path: str) -> dict[str, str] | None:
        m = self.pattern.fullmatch(path)
        if m is None:
            return None
        return {k: v for k, v in m.groupdict().items() if v is not None}


def compile_template(template: str) -> tuple[re.Pattern[str], int]:
    """`accounts/{id:int}` -> regex; segments like the host: constraints, optional `{x?}`, catch-all `{*x}`."""
    parts = [p for p in template.strip("/").split("/") if p]
    regex = ""
    literals = 0
    for part in parts:
        m = _PARAM.fullmatch(part)
        if m is None:
            if "{" in part:
                raise ValueError(f"unsupported route segment {part!r} in {template!r}")
            regex += "/" + re.escape(part)
            literals += 1
            continue
        catch_all, name, constraint, optional = m.groups()
        body = ".*" if catch_all else _CONSTRAINTS.get(constraint or "", r"[^/]+")
        if constraint and constraint not in _CONSTRAINTS:
            raise ValueError(f"unsupported route constraint {constraint!r} in {template!r}")
        segment = f"/(?P<{name}>{body})"
        regex += f"(?:{segment})?" if (optional or catch_all) else segment
    # The host's routing (ASP.NET Core) matches literal segments case-insensitively.
    return re.compile(regex or "/?", re.IGNORECASE), literals


_ROUTES: dict[int, list[Route]] = {}
_FUNCTIONS: dict[int, list[Any]] = {}


def functions_of(app: Any) -> list[Any]:
    """The app's functions, indexed once (the library refuses to index an app twice)."""
    if id(app) not in _FUNCTIONS:
        _FUNCTIONS[id(app)] = list(app.get_functions())
    return _FUNCTIONS[id(app)]


def http_routes(app: Any) -> list[Route]:
    """The app's HTTP functions (indexed once: the library refuses to index an app twice)."""
    if id(app) not in _ROUTES:
        _ROUTES[id(app)] = _index(app)
    return _ROUTES[id(app)]


def _index(app: Any) -> list[Route]:
    routes = []
    for fn in functions_of(app):
        trigger = fn.get_trigger()
        if trigger is None or trigger.get_binding_name() != "httpTrigger":
            continue
        template = trigger.route or fn.get_function_name()
        methods = frozenset(str(getattr(m, "value", m)).upper() for m in (trigger.methods or [])) or frozenset(
            {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
        pattern, literals = compile_template(template)
        routes.append(Route(template, methods, fn.get_user_function(), fn.get_function_name(), pattern, literals))
    # The host prefers the most specific template: more literal segments first.
    routes.sort(key=lambda r: -r.literal_segments)
    return routes


def _problem(status: int, detail: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"type": "about:blank", "title": "Not found" if status == 404 else "Error",
                       "status": status, "detail": detail}).encode()
    return status, {"Content-Type": "application/problem+json; charset=utf-8",
                    "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}, body


class Dispatcher:
    def __init__(self, app: Any, prefix: str | None = None):
        self.routes = http_routes(app)
        self.prefix = "/" + (route_prefix() if prefix is None else prefix).strip("/")

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        if self.prefix != "/":
            folded = path.lower()
            if folded != self.prefix.lower() and not folded.startswith(self.prefix.lower() + "/"):
                return None
            path = path[len(self.prefix):] or "/"
        path = "/" + path.strip("/") if path.strip("/") else ""
        for route in self.routes:
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
        try:
            response = route.function(request)
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


def make_wsgi_app(app: Any) -> Callable:
    dispatcher = Dispatcher(app)

    def wsgi(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        started = time.perf_counter()
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "") or "/"
        try:
            path = path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
        query = environ.get("QUERY_STRING", "")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        peer = environ.get("REMOTE_ADDR", "")
        headers["x-forwarded-for"] = ", ".join(x for x in (headers.get("x-forwarded-for"), peer) if x)
        # Read at most one byte past the limit: the function answers 413 without buffering more.
        length = int(environ.get("CONTENT_LENGTH") or 0) if (environ.get("CONTENT_LENGTH") or "").isdigit() else 0
        body = environ["wsgi.input"].read(min(length, MAX_BODY + 1)) if length else b""
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
        status, out_headers, out_body = dispatcher.handle(method, path, query, headers, body, url)
        if method == "HEAD":
            out_body = b""
        out_headers["Content-Length"] = str(len(out_body))
        start_response(f"{status} {_REASONS.get(status, 'Status')}", list(out_headers.items()))
        if log.isEnabledFor(logging.INFO):
            log.info("%s %s %s %d %.1fms", peer, method, path, status, (time.perf_counter() - started) * 1000)
        return [out_body]

    return wsgi


# --- timers on demand (local testing; the host runs them on their NCRONTAB schedules) ----------

class _DueNow:
    """What a timer function gets from the host: a TimerRequest that is not past due."""

    past_due = False


def run_timer(app: Any, name: str) -> int:
    """Run the timer function `name` once, now, in this process; 2 when there is no such timer or it
    needs a binding only the host provides (a Durable client: use its scripts/ command instead)."""
    import inspect

    timers = {fn.get_function_name(): fn for fn in functions_of(app)
              if fn.get_trigger() is not None and fn.get_trigger().get_binding_name() == "timerTrigger"}
    fn = timers.get(name)
    if fn is None:
        log.error("no timer function %r; timers: %s", name, ", ".join(sorted(timers)) or "none")
        return 2
    user_function = fn.get_user_function()
    if len(inspect.signature(user_function).parameters) != 1 or inspect.iscoroutinefunction(user_function):
        log.error("timer %r needs bindings only the Functions host provides", name)
        return 2
    user_function(_DueNow())
    log.info("ran timer %s", name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--run-timer", metavar="NAME", help="run this timer function once now, then exit")
    args = parser.parse_args(argv)
    # LOG_LEVEL as the app reads it (WARNING: no line per request, as on the platform).
    level = getattr(logging, os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO", logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    sys.path.insert(0, str(ROOT))
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    engine = get_engine()
    if engine.dialect.name != "sqlite":  # SQLite is migrated by get_engine() itself
        upgrade_to_head(engine)
    import function_app

    if args.run_timer:
        return run_timer(function_app.app, args.run_timer)
    import waitress

    wsgi = make_wsgi_app(function_app.app)
    log.info("serving %d HTTP functions at http://%s:%d/%s", len(http_routes(function_app.app)),
             args.host, args.port, route_prefix())
    waitress.serve(wsgi, host=args.host, port=args.port, threads=args.threads, ident="devhost",
                   max_request_body_size=16 * 1024 * 1024, clear_untrusted_proxy_headers=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
