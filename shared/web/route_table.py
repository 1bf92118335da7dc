"""The app's one route table: every function's name, trigger, bindings, route, methods and endpoint
declaration, read from the Function App through the library's public API (`get_functions()`, each
Function's trigger, bindings and user function). devhost routes by it, the OpenAPI document is built
from it, the tests walk it, and `host_rule_violations` checks it against what the Functions host
refuses at start.

Nothing heavy is imported here: the OpenAPI module (imported at cold start) reads this one.
"""
from __future__ import annotations

import inspect
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]  # where host.json lives
ALL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
HTTP_TRIGGER = "httpTrigger"
# A route template's parameter: `{name}`, `{name:constraint}`, optional `{name?}`, catch-all `{*name}`.
PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}")


class Segment(NamedTuple):
    """One `/`-separated part of a route template: a literal, or a parameter."""

    literal: str | None  # the text of a literal segment; None for a parameter
    name: str = ""
    constraint: str = ""
    optional: bool = False
    catch_all: bool = False


def segments(template: str) -> list[Segment]:
    """`accounts/{id:int}` -> [Segment("accounts"), Segment(None, "id", "int")]."""
    parts = []
    for part in (p for p in template.strip("/").split("/") if p):
        m = PARAM.fullmatch(part)
        if m is None:
            if "{" in part or "}" in part:
                raise ValueError(f"unsupported route segment {part!r} in {template!r}")
            parts.append(Segment(part))
            continue
        catch_all, name, constraint, optional = m.groups()
        parts.append(Segment(None, name, constraint or "", bool(optional), bool(catch_all)))
    return parts


def route_prefix(root: Path | None = None) -> str:
    """`extensions.http.routePrefix` from host.json, as the host reads it (`api` when absent)."""
    try:
        host = json.loads(((root or ROOT) / "host.json").read_text())
        return host.get("extensions", {}).get("http", {}).get("routePrefix", "api").strip("/")
    except (OSError, ValueError):
        return "api"


class Binding(NamedTuple):
    name: str
    type: str
    direction: str  # "in", "out" or "inout"


@dataclass(frozen=True)
class Function:
    """One function of the app, as the host indexes it."""

    name: str
    trigger: str  # the trigger's binding type: httpTrigger, timerTrigger, activityTrigger, ...
    bindings: tuple[Binding, ...]  # every binding, the trigger's included
    function: Callable[..., Any]  # what the worker calls
    template: str | None = None  # HTTP: the route template (the function's name when none is declared)
    methods: frozenset[str] = frozenset()  # HTTP: the methods it answers

    @property
    def is_http(self) -> bool:
        return self.trigger == HTTP_TRIGGER

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.function)

    @property
    def handler(self) -> Callable[..., Any]:
        """The code serving the function: for a function the app declared deferred (shared/web/deferred.py),
        the blueprint's own function, its module imported on first use; otherwise what the worker calls."""
        served_by = getattr(self.function, "served_by", None)
        return served_by() if served_by is not None else self.function

    @property
    def spec(self) -> Any:
        """The endpoint's declaration (shared.web.http.EndpointSpec), or None for a plain function."""
        return getattr(self.handler, "spec", None)

    def binding(self, type_: str) -> Binding | None:
        return next((b for b in self.bindings if b.type == type_), None)


_DIRECTIONS = {0: "in", 1: "out", 2: "inout"}


def _binding(raw: Any) -> Binding:
    d = raw.get_dict_repr()  # what the host reads from function metadata
    direction = d.get("direction")
    direction = _DIRECTIONS.get(getattr(direction, "value", direction), str(getattr(direction, "name", direction)))
    return Binding(str(d.get("name")), str(d.get("type")), str(direction).lower())


def _row(fn: Any) -> Function:
    trigger = fn.get_trigger()
    trigger_type = _binding(trigger).type if trigger is not None else ""
    row = dict(name=fn.get_function_name(), trigger=trigger_type, function=fn.get_user_function(),
               bindings=tuple(_binding(b) for b in fn.get_bindings()))
    if trigger_type == HTTP_TRIGGER:
        methods = frozenset(str(getattr(m, "value", m)).upper() for m in (trigger.methods or [])) or ALL_METHODS
        row.update(template=trigger.route or fn.get_function_name(), methods=methods)
    return Function(**row)


_TABLES: dict[int, tuple[Any, list[Function]]] = {}
_LOCK = threading.Lock()


def functions(app: Any) -> list[Function]:
    """Every function of `app` (indexed once per process, then kept)."""
    with _LOCK:
        if id(app) not in _TABLES or _TABLES[id(app)][0] is not app:
            _TABLES[id(app)] = (app, [_row(fn) for fn in _index(app)])
        return _TABLES[id(app)][1]


def _index(app: Any) -> list[Any]:
    """`app.get_functions()`, whether or not the worker has already called it.

    The library remembers the names it has validated in the app's `functions_bindings` and refuses a
    second call; reading the table must neither fail after the worker's indexing nor make the
    worker's later indexing fail, so that record is left as it was found.
    """
    seen = getattr(app, "functions_bindings", None)
    app.functions_bindings = None
    try:
        return app.get_functions()
    finally:
        app.functions_bindings = seen


def routes(app: Any) -> list[Function]:
    """The app's HTTP functions."""
    return [f for f in functions(app) if f.is_http]


def function_named(app: Any, name: str) -> Function:
    for f in functions(app):
        if f.name == name:
            return f
    raise KeyError(name)


# --- what the Functions host refuses when it indexes an app -------------------------------------

FUNCTION_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_\-]{0,127}")
RESERVED_ROUTE_PREFIXES = ("admin", "runtime")


def _route_key(template: str) -> tuple[str, ...]:
    """A template as routing sees it: literals without case, parameters without their names."""
    return tuple(s.literal.lower() if s.literal is not None else "{" + s.constraint + ("?" if s.optional else "") + "}"
                 for s in segments(template))


def _is_binding_name(name: str) -> bool:
    return name == "$return" or (name.isascii() and name.isidentifier())


def host_rule_violations(table: list[Function]) -> list[str]:
    """What the Functions host would refuse in this table (an empty list when it would start):
    a route beginning with `admin` or `runtime` (any case, whatever the routePrefix: the host's own
    routes), a function name outside `^[a-zA-Z][a-zA-Z0-9_\\-]{0,127}$` or repeated (ignoring case),
    two functions on one route and method, a binding name that is not an identifier."""
    problems = []
    names: dict[str, str] = {}
    for f in table:
        if not FUNCTION_NAME.fullmatch(f.name or ""):
            problems.append(f"function name {f.name!r} is not ^[a-zA-Z][a-zA-Z0-9_\\-]{{0,127}}$")
        if (f.name or "").lower() in names:
            problems.append(f"function name {f.name!r} repeats {names[f.name.lower()]!r} (names ignore case)")
        names.setdefault((f.name or "").lower(), f.name)
        for b in f.bindings:
            if not _is_binding_name(b.name):
                problems.append(f"function {f.name!r}: binding name {b.name!r} is not an identifier")
        if f.is_http and f.template is not None and f.template.strip("/").lower().startswith(RESERVED_ROUTE_PREFIXES):
            problems.append(f"function {f.name!r}: route {f.template!r} begins with a prefix the host reserves "
                            f"({' or '.join(RESERVED_ROUTE_PREFIXES)})")
    served: dict[tuple[tuple[str, ...], str], str] = {}
    for f in table:
        if not f.is_http or f.template is None:
            continue
        try:
            key = _route_key(f.template)
        except ValueError as exc:
            problems.append(f"function {f.name!r}: {exc}")
            continue
        for method in sorted(f.methods):
            if (key, method) in served:
                problems.append(f"functions {served[key, method]!r} and {f.name!r} both serve {method} {f.template!r}")
            served.setdefault((key, method), f.name)
    return problems
