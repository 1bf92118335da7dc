"""The HTTP edge: problem+json errors, JSON with Decimal, the body limit, paging, and `handler`,
the one wrapper every function goes through (session, retries, error mapping, headers)."""
from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import azure.functions as func
import orjson
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Malformed,
    NotFound,
    Throttled,
    TooLarge,
    Unauthenticated,
    Unavailable,
    not_found,
)
from shared.schemas import validate, validate_list

log = logging.getLogger("finance.http")
M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 1024 * 1024
PROBLEM_TYPE_BASE = "https://finance-api.example/problems/"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_SLUGS = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large", 415: "unsupported-media-type", 422: "validation-error", 429: "too-many-requests",
    500: "internal-error", 503: "service-unavailable",
}


# One table from a domain error's kind to its HTTP status: the only place statuses are chosen.
STATUS_OF: dict[type[DomainError], int] = {
    Malformed: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Invalid: 422,
    Throttled: 429,
    Unavailable: 503,
}


def problem_for(exc: DomainError) -> func.HttpResponse:
    status = next((code for kind, code in STATUS_OF.items() if isinstance(exc, kind)), 422)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, (Throttled, Unavailable)):
        headers["Retry-After"] = str(exc.retry_after)
    return problem_response(status, exc.detail, title=exc.title, errors=exc.errors, headers=headers)


# --- JSON -----------------------------------------------------------------------------------

def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return iso_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def iso_timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


# orjson writes the same compact UTF-8 JSON as json.dumps(ensure_ascii=False, separators=(",", ":")),
# about ten times faster (a page of 100 transactions: 0.62 -> 0.05 ms). Dates and times go through
# `_default` as before (its RFC 3339 "Z" form, not orjson's own); int keys become strings as json's do.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def json_bytes(data: Any) -> bytes:
    """`data` as compact UTF-8 JSON (Decimal, dates and models through `_default`)."""
    try:
        return orjson.dumps(data, default=_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson refuses and json takes (an int past 64 bits) answers as before; what neither
        # takes raises json's TypeError as before.
        return json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(data: Any) -> str:
    return json_bytes(data).decode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    if isinstance(data, BaseModel):
        body = data.model_dump_json()
    else:
        body = json_bytes(data)
    return func.HttpResponse(body, status_code=status, mimetype="application/json", charset="utf-8",
                             headers=headers)


def problem_response(status: int, detail: str, *, title: str | None = None,
                     errors: list[dict[str, str]] | None = None,
                     headers: dict[str, str] | None = None) -> func.HttpResponse:
    body = problem_body(status, detail, title=title, errors=errors)
    return func.HttpResponse(json_bytes(body), status_code=status, mimetype="application/problem+json",
                             charset="utf-8", headers=dict(headers or {}))


def problem_body(status: int, detail: str, *, title: str | None = None,
                 errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The RFC 9457 body of a problem answer (also what the OpenAPI document shows as each status's example)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + _SLUGS.get(status, str(status)),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise Malformed(f"The JSON body repeats the key {key!r}; each key may appear once.")
        result[key] = value
    return result


def _constant(name: str) -> Decimal:
    # NaN / Infinity are not JSON; keep them as values validation refuses with a field error (422).
    return Decimal(name.replace("Infinity", "Inf"))


def parse_json_bytes(raw: bytes, limit: int = MAX_BODY_BYTES) -> Any:
    if len(raw) > limit:
        raise TooLarge(f"The body is larger than {limit} bytes.")
    if not raw.strip():
        raise Malformed("The request body is empty; a JSON document is expected.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("The body is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_constant,
                          object_pairs_hook=_reject_duplicates)
    except RecursionError:
        raise Malformed("The JSON body is nested too deeply.") from None
    except ValueError as exc:
        raise Malformed(f"The body is not valid JSON: {exc.args[0] if exc.args else 'parse error'}.") from None
    where = _nul_in(data)
    if where is not None:
        raise nul_refused(where)
    return data


def _nul_in(data: Any) -> str | None:
    """Where a NUL character hides in a parsed body, if anywhere (an explicit stack: no recursion limit).

    No field accepts one: PostgreSQL text cannot store it, so it would otherwise reach the driver and
    fail there (a 500) for every string field without its own control-character rule."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return where.replace("\x00", "")
                stack.append((where, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


def nul_refused(where: str) -> Invalid:
    return Invalid(f"{where}: must not contain NUL characters.",
                    errors=[{"field": where, "message": "must not contain NUL characters"}])


# --- the request context handed to every handler ------------------------------------------

@dataclass(frozen=True)
class EndpointSpec:
    """An endpoint's declaration: what its handler takes and answers. It validates requests, feeds the
    OpenAPI document and the route table (shared/web/route_table.py), and sits once on the function
    the worker calls, as its `spec`."""

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None  # a pydantic model, list[Model], or None for no content
    status: int = 200
    summary: str = ""
    auth: bool = True
    extra_statuses: tuple[int, ...] = ()
    body_is_list: type[BaseModel] | None = None  # also accepts a JSON array of this model (bulk)
    headers: tuple[str, ...] = ()  # request headers honoured (e.g. Idempotency-Key)
    endpoint: Callable[..., Any] | None = None  # the handler as written, `fn(ctx)` (its name, doc and module)
    path_params: dict[str, Any] = field(default_factory=dict)  # route parameter -> openapi.PathParam
    admin: bool = False  # for admins only; everyone else gets the unknown-route 404
    max_body: int = MAX_BODY_BYTES  # this endpoint's body limit (a bank file import takes more)
    # What a personal access token needs to reach this route: "read", "write" or "identity" (no token
    # ever). None: derived from the method (GET/HEAD read, anything else write). Checked in shared/web/auth.py.
    scope: str | None = None


@dataclass
class Context:
    req: func.HttpRequest
    session: Session
    user: Any = None
    data: Any = None  # the validated body, when the endpoint declares one
    params: Any = None  # the validated query string, when the endpoint declares one
    max_body: int = MAX_BODY_BYTES
    _json: Any = field(default=None, repr=False)
    _json_loaded: bool = field(default=False, repr=False)

    def json(self) -> Any:
        if not self._json_loaded:
            self._json = parse_json_bytes(self.req.get_body() or b"", self.max_body)
            self._json_loaded = True
        return self._json

    def body(self, model: type[M]) -> M:
        data = self.json()
        if not isinstance(data, dict):
            raise Malformed("The body must be a JSON object.")
        return validate(model, data)

    def query(self, model: type[M]) -> M:
        params = self.req.params
        data: dict[str, Any] = {}
        for key in params:
            data[key] = params.get(key)
            if "\x00" in key or "\x00" in (data[key] or ""):
                raise nul_refused(key.replace("\x00", ""))
        return validate(model, data, location="query")

    def route_int(self, name: str = "id") -> int:
        raw = self.req.route_params.get(name, "")
        # ASCII digits only: int() also reads "１" and "१" as 1, so /accounts/１ would be account 1.
        if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10):
            raise not_found()
        value = int(raw)
        if not 0 < value < 2**31:
            raise not_found()
        return value


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


NO_CONTENT = Reply(None, 204)

Authenticator = Callable[[func.HttpRequest, Session], Any]


_SECURITY_HEADERS_FOLDED = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS.items())


def _finish(response: func.HttpResponse, *, private: bool) -> func.HttpResponse:
    headers = response.headers
    # One pass over what the answer already has (the header map compares names case-insensitively by
    # scanning, so checking each name on its own costs a scan per name).
    present = {name.lower() for name in headers.keys()}
    for folded, name, value in _SECURITY_HEADERS_FOLDED:
        if folded not in present:
            headers.add(name, value)
    if "cache-control" not in present:
        headers.add("Cache-Control", "no-store")
    elif private:
        headers["Cache-Control"] = "no-store"
    return response


def to_response(result: Any, status: int = 200) -> func.HttpResponse:
    """A handler may return an HttpResponse, a Reply, None (204), or a body for the declared status."""
    if isinstance(result, func.HttpResponse):
        return result
    if isinstance(result, Reply):
        if result.status == 204 or result.body is None and result.status != 200:
            return func.HttpResponse(status_code=result.status, headers=result.headers)
        return json_response(result.body, result.status, result.headers)
    if result is None:
        return func.HttpResponse(status_code=204)
    return json_response(result, status)


def handler(fn: Callable[[Context], Any] | None = None, *, authenticate: Authenticator | None = None,
            wrap: Iterable[Callable] = (), body: type[BaseModel] | None = None,
            query: type[BaseModel] | None = None, response: Any = None, status: int = 200,
            extra_statuses: tuple[int, ...] = (), body_is_list: type[BaseModel] | None = None,
            headers: tuple[str, ...] = (), max_body: int = MAX_BODY_BYTES, path_params: dict[str, Any] | None = None,
            admin: bool = False, scope: str | None = None):
    """Turn `fn(ctx)` into an Azure Functions HTTP handler `(req) -> HttpResponse`.

    The declared `body` / `query` models are validated before `fn` runs (`ctx.data`, `ctx.params`).
    One database session per invocation, committed when `fn` returns, rolled back on any error,
    and retried on transient database errors that happened before the commit was sent.
    """
    if fn is None:
        return lambda f: handler(f, authenticate=authenticate, wrap=wrap, body=body, query=query,
                                 response=response, status=status, extra_statuses=extra_statuses,
                                 body_is_list=body_is_list, headers=headers, max_body=max_body,
                                 path_params=path_params, admin=admin, scope=scope)
    spec = EndpointSpec(body=body, query=query, response=response, status=status,
                        auth=authenticate is not None, extra_statuses=extra_statuses,
                        body_is_list=body_is_list, headers=headers, max_body=max_body, endpoint=fn,
                        path_params=dict(path_params or {}), admin=admin, scope=scope)

    from shared.data.db import DatabaseUnavailable, run_unit_of_work

    inner = fn
    for layer in wrap:
        inner = layer(inner)

    def http_function(req: func.HttpRequest) -> func.HttpResponse:
        try:
            declared = req.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_body:
                raise TooLarge(f"The body is larger than {max_body} bytes.")

            def work(session: Session) -> func.HttpResponse:
                ctx = Context(req=req, session=session, max_body=max_body)
                if authenticate is not None:
                    ctx.user = authenticate(req, session)
                return to_response(_run(ctx, inner, query, body, body_is_list), status)

            response = run_unit_of_work(work, reads_only=req.method in _READS)
        except DomainError as exc:
            response = problem_for(exc)
        except DatabaseUnavailable:
            log.warning("database unavailable for %s %s", loggable(req.method or ""), _path(req))
            response = problem_response(503, "The database is unavailable right now; try again shortly.",
                                        headers={"Retry-After": "5"})
        except Exception:
            log.exception("unhandled error in %s %s", loggable(req.method or ""), _path(req))
            response = problem_response(500, "Something went wrong on our side; it has been logged.")
        return _finish(response, private=authenticate is not None)

    http_function.__name__ = fn.__name__
    http_function.__qualname__ = fn.__qualname__
    http_function.__doc__ = fn.__doc__
    http_function.__module__ = fn.__module__
    # The Functions worker reads the signature to bind `req`; keep it exactly (req) -> HttpResponse.
    http_function.__signature__ = inspect.Signature(
        [inspect.Parameter("req", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=func.HttpRequest)],
        return_annotation=func.HttpResponse,
    )
    http_function.__annotations__ = {"req": func.HttpRequest, "return": func.HttpResponse}
    http_function.spec = spec  # the endpoint's one declaration (route table, OpenAPI document)
    return http_function


def _run(ctx: Context, inner: Callable[[Context], Any], query: type[BaseModel] | None,
         body: type[BaseModel] | None, body_is_list: type[BaseModel] | None) -> Any:
    """The query and body read, then the handler; its result once the caller's check has run (a read's
    may still be waiting): a caller whose check fails gets 401, not what the handler answered or raised."""
    try:
        if query is not None:
            ctx.params = ctx.query(query)
        if body is not None:
            ctx.data = _read_body(ctx, body, body_is_list)
        result = inner(ctx)
    except DBAPIError:
        raise  # the connection may be gone: the unit of work's retry rule decides
    except BaseException:
        _settle(ctx.user)
        raise
    _settle(ctx.user)
    return result


def _settle(user: Any) -> None:
    """A read's caller not yet checked by one of its statements is checked now (401 when the check
    fails), before anything the handler made or raised is answered."""
    from shared.services.callers import pending  # not at import: indexing never loads the models

    waiting = pending(user)
    if waiting is not None:
        waiting.confirm()


def declared(spec: EndpointSpec) -> Callable[[Callable], Callable]:
    """Put an endpoint's declaration on a function the worker calls that `handler` did not make (an
    async function around a handler, say), so the route table and the OpenAPI document read it."""
    def attach(fn: Callable) -> Callable:
        fn.spec = spec  # type: ignore[attr-defined]
        return fn
    return attach


def _read_body(ctx: Context, model: type[BaseModel], list_model: type[BaseModel] | None) -> Any:
    data = ctx.json()
    if list_model is not None and isinstance(data, list):
        return validate_list(list_model, data)
    if not isinstance(data, dict):
        expected = "a JSON object or array" if list_model is not None else "a JSON object"
        raise Malformed(f"The body must be {expected}.")
    return validate(model, data)


def _path(req: func.HttpRequest) -> str:
    url = req.url or ""
    return loggable(url.split("?", 1)[0][-200:])


# C0 and C1 control characters, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def loggable(text: str) -> str:
    """`text` safe to write into a log line: control characters escaped (a newline becomes the two
    characters \\n), so nothing a client sends can start a line of its own in the log."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


public = handler
_READS = frozenset({"GET", "HEAD"})


# --- paging ---------------------------------------------------------------------------------

def page_of(items: list[Any], page: int, page_size: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "page_size": page_size, "total": total}
