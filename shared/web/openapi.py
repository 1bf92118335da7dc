"""The OpenAPI 3.1 document, built from what the app already knows: its route table
(shared/web/route_table.py, which devhost routes by) and each endpoint's `EndpointSpec` (the same pydantic models
that validate requests and shape answers). A route added anywhere shows up here without anyone editing a spec.

Built on the first request that asks for it and cached per app; nothing heavy runs at import.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from shared.web import route_table

TITLE = "Personal Finance API"
VERSION = "1.0.0"
SECURITY_SCHEME = "bearerAuth"
COMPONENT_REF = "#/components/schemas/{model}"

# Why each error status can come back; the contract's table, in the words a client reads.
ERROR_REASONS = {
    400: "The body is not valid JSON, or not a JSON object where one is expected.",
    401: "Missing, malformed, expired, wrongly signed or revoked access token; or bad credentials.",
    403: "A personal access token whose scopes do not reach this route (read: every GET and the assistant's "
         "questions; write: also the money routes; identity routes: no token).",
    404: "No such resource for this caller (another user's id answers 404 too).",
    409: "Uniqueness conflict, or a delete that would orphan data.",
    413: "The body is over 1 MiB.",
    422: "Well-formed JSON, query string or header that fails validation; field errors are listed.",
    429: "Too many failed password checks (login, password change, account deletion) or registrations from "
         "one address; wait for the number of seconds in Retry-After.",
    503: "The database is unreachable right now; retry after Retry-After seconds.",
}
# What each status's answer looks like: the app's own words for a typical case of it.
_PROBLEM_EXAMPLES: dict[int, tuple[str, list[dict[str, str]] | None]] = {
    400: ("The body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 18 "
          "(char 17).", None),
    401: ("The access token has expired; refresh it or log in again.", None),
    403: ("This personal access token has the scopes read; this route needs write.", None),
    404: ("No such account.", None),
    409: ("You already have a category named 'Groceries'.",
          [{"field": "name", "message": "You already have a category named 'Groceries'."}]),
    413: ("The body is larger than 1048576 bytes.", None),
    422: ("The request is not valid: amount must be greater than 0.",
          [{"field": "amount", "message": "amount must be greater than 0", "in": "body"}]),
    429: ("Too many failed logins from this address; try again later.", None),
    503: ("The database is unavailable right now; try again shortly.", None),
}
_PATH_TYPES = {"int": {"type": "integer"}, "long": {"type": "integer"}, "bool": {"type": "boolean"},
               "guid": {"type": "string", "format": "uuid"}, "alpha": {"type": "string", "pattern": "^[A-Za-z]+$"}}


# NamedTuples rather than dataclasses: cheaper to define, and this module is imported at cold start.
class Raw(NamedTuple):
    """A declared answer that is not JSON from a model (a page, a script): media type -> schema."""

    media_types: dict[str, dict[str, Any]]
    description: str = "OK"


class PathParam(NamedTuple):
    """Extra facts about a route parameter (an enum of names, a description) for the document."""

    schema: dict[str, Any]
    description: str = ""


class _Components:
    """Collects the models the operations use, then renders them all in one pydantic pass so that
    shared models become one `$ref`, whether they are read (validation) or written (serialization)."""

    def __init__(self, extra: dict[str, dict[str, Any]]):
        self.wanted: list[tuple[Any, str]] = []
        self.extra = extra

    def ref(self, model: Any, mode: str) -> dict[str, Any]:
        key = (model, mode)
        if key not in self.wanted:
            self.wanted.append(key)
        return {"$ref": f"#/x-pending/{self.wanted.index(key)}"}

    def render(self) -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, Any]]]:
        from pydantic.json_schema import models_json_schema

        if not self.wanted:
            return dict(self.extra), {}
        mapping, top = models_json_schema(self.wanted, ref_template=COMPONENT_REF)
        schemas = dict(top.get("$defs", {}))
        refs = {index: mapping[key] for index, key in enumerate(self.wanted)}
        schemas.update(self.extra)
        return schemas, refs


def _resolve_pending(node: Any, refs: dict[int, dict[str, Any]]) -> Any:
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#/x-pending/"):
            return dict(refs[int(target.rsplit("/", 1)[1])])
        return {k: _resolve_pending(v, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_pending(v, refs) for v in node]
    return node


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "examples": ["https://finance-api.example/problems/validation-error"]},
            "title": {"type": "string", "examples": ["Validation failed"]},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "examples": [422]},
            "detail": {"type": "string", "examples": ["The request has invalid fields: amount."]},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string", "examples": ["amount"]},
                                   "message": {"type": "string",
                                               "examples": ["amount must be greater than 0"]},
                                   "in": {"enum": ["body", "query", "path", "header"],
                                          "description": "Where the field was sent."}},
                },
            },
        },
    }


def openapi_path(template: str) -> tuple[str, list[tuple[str, dict[str, Any], bool]]]:
    """`accounts/{id:int}` -> (`/accounts/{id}`, [(name, schema, required)])."""
    parts, params = [], []
    for segment in route_table.segments(template):
        if segment.literal is not None:
            parts.append(segment.literal)
            continue
        parts.append("{" + segment.name + "}")
        params.append((segment.name, dict(_PATH_TYPES.get(segment.constraint, {"type": "string"})),
                       not segment.optional))
    return "/" + "/".join(parts), params


def _query_parameters(model: Any) -> list[dict[str, Any]]:
    """Each field of a query model is one parameter; `null` is not sendable in a query string."""
    schema = model.model_json_schema(mode="validation", ref_template=COMPONENT_REF)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    schema = dict(schema)
    options = schema.get("anyOf")
    if options:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            schema.pop("anyOf")
            schema = {**kept[0], **schema}
        else:
            schema["anyOf"] = kept
    if schema.get("default", 0) is None:
        schema.pop("default")
    return schema


def _summary(endpoint: Any, name: str) -> tuple[str, str]:
    doc = (getattr(endpoint, "__doc__", None) or "").strip()
    if not doc:
        return name.replace("_", " ").capitalize() + ".", ""
    import inspect

    first, _, later = inspect.cleandoc(doc).partition("\n\n")
    first = " ".join(line.strip() for line in first.splitlines())
    sentence = _FIRST_SENTENCE.match(first)
    summary = sentence[1] if sentence else first
    rest = [first[len(summary):].strip(), later.strip()]
    return summary, "\n\n".join(part for part in rest if part)


# A docstring's first sentence: up to the first '.', '!' or '?' followed by the next sentence's capital.
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?=\s+[A-Z`\"(]|$)")


def _tag(endpoint: Any, path: str) -> str:
    module = getattr(endpoint, "__module__", "") or ""
    if module.startswith("blueprints."):  # blueprints.<resource>.handlers: the resource's package
        return module.split(".")[1].replace("_", "-")
    return path.strip("/").split("/", 1)[0] or "default"


def problem_doc(status: int, description: str, detail: str, *, errors: list[dict[str, str]] | None = None,
                headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A documented problem answer with its own example body (what the app sends for it)."""
    from shared.web.http import problem_body

    response: dict[str, Any] = {"description": description, "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"},
        "example": problem_body(status, detail, errors=errors)}}}
    if headers:
        response["headers"] = headers
    return response


def _problem(status: int) -> dict[str, Any]:
    detail, errors = _PROBLEM_EXAMPLES[status]
    response = problem_doc(status, ERROR_REASONS[status], detail, errors=errors)
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"description": "Seconds to wait before retrying.",
                                               "schema": {"type": "integer"}}}
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return response


def _success(spec: Any, components: _Components) -> dict[str, Any]:
    from shared.schemas import OneOf
    from shared.web.routes import ListOf

    answer = spec.response
    status_text = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}.get(spec.status, "OK")
    if spec.status == 204 or answer is None:
        return {"description": status_text}
    if isinstance(answer, Raw):
        return {"description": answer.description,
                "content": {media: {"schema": schema} for media, schema in answer.media_types.items()}}
    if isinstance(answer, OneOf):
        return {"description": status_text, "content": {"application/json": {"schema": {
            "oneOf": [components.ref(model, "serialization") for model in answer.models]}}}}
    if isinstance(answer, ListOf):
        item = components.ref(answer.item, "serialization")
        schema: dict[str, Any] = {
            "type": "object",
            "description": "One page of the list.",
            "required": ["items", "page", "page_size", "total"],
            "properties": {
                "items": {"type": "array", "items": item},
                "page": {"type": "integer", "minimum": 1, "examples": [1]},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 100, "examples": [50]},
                "total": {"type": "integer", "minimum": 0, "examples": [137]},
            },
        }
    elif isinstance(answer, dict):
        schema = answer
    elif getattr(answer, "__origin__", None) is list:
        schema = {"type": "array", "items": components.ref(answer.__args__[0], "serialization")}
    else:
        schema = components.ref(answer, "serialization")
    return {"description": status_text, "content": {"application/json": {"schema": schema}}}


def _operation(route: Any, path: str, path_params: list, components: _Components) -> dict[str, Any]:
    spec = route.spec
    endpoint = spec.endpoint if spec is not None and spec.endpoint is not None else route.handler
    summary, description = _summary(endpoint, route.name)
    op: dict[str, Any] = {"operationId": route.name, "summary": summary, "tags": [_tag(endpoint, path)]}
    if description:
        op["description"] = description
    parameters = _path_parameters(path_params, spec.path_params if spec is not None else {})

    if spec is None:  # a plain function: all we know is that it answers
        if parameters:
            op["parameters"] = parameters
        op["responses"] = {"200": {"description": "OK"}}
        return op

    if spec.query is not None:
        parameters.extend(_query_parameters(spec.query))
    parameters.extend(_header_parameter(header) for header in spec.headers)
    if parameters:
        op["parameters"] = parameters
    if spec.body is not None:
        op["requestBody"] = _request_body(spec, components)
    op["security"] = [{SECURITY_SCHEME: []}] if spec.auth else []
    op["responses"] = _responses(route, _error_statuses(spec, path_params), components)
    return op


def _path_parameters(path_params: list, declared: dict[str, PathParam]) -> list[dict[str, Any]]:
    """The template's path parameters, with the schema and description the route declares for them."""
    parameters = []
    for name, schema, _required in path_params:
        own = declared.get(name)
        param = {"name": name, "in": "path", "required": True, "schema": own.schema if own else schema}
        if own and own.description:
            param["description"] = own.description
        parameters.append(param)
    return parameters


def _header_parameter(header: str) -> dict[str, Any]:
    return {
        "name": header, "in": "header", "required": False,
        "description": "Makes a retry safe: the same key with the same body within 24 hours answers "
                       "the first answer again and creates nothing; with another body it is a 422. "
                       "Up to 255 printable characters; a blank key counts as none.",
        "schema": {"type": "string", "maxLength": 255, "examples": ["5f0c6a2e-2b7e-4a8e-9d55-3c1e0f6b9a10"]},
    }


def _request_body(spec: Any, components: _Components) -> dict[str, Any]:
    """A JSON body of the route's model (or, where the route takes a list too, up to 1000 of them)."""
    body_schema = components.ref(spec.body, "validation")
    if spec.body_is_list is not None:
        body_schema = {"oneOf": [body_schema, {
            "type": "array", "minItems": 1, "maxItems": 1000,
            "items": components.ref(spec.body_is_list, "validation")}]}
    media: dict[str, Any] = {"schema": body_schema}
    named = getattr(spec.body, "request_examples", None)
    if named:
        media["examples"] = {key: {"summary": summary, "value": value} for key, (summary, value) in named.items()}
    return {"required": True, "content": {"application/json": media}}


def _error_statuses(spec: Any, path_params: list) -> set[int]:
    """The problem statuses a route can answer, from what it takes: a body, a query or headers, a
    caller, an id in the path."""
    errors: set[int] = set(spec.extra_statuses)
    if spec.body is not None:
        errors |= {400, 413, 422}
    if spec.query is not None or spec.headers:
        errors.add(422)
    if spec.auth:
        errors |= {401, 403}
    if path_params:
        errors.add(404)
    return errors


def _responses(route: Any, errors: set[int], components: _Components) -> dict[str, Any]:
    spec = route.spec
    # A route whose answers are not all problem+json or a model (the MCP endpoint) declares them itself.
    own: dict[str, Any] = getattr(route.handler, "openapi_responses", None) or {}
    responses = {} if str(spec.status) in own else {str(spec.status): _success(spec, components)}
    for status in sorted(errors):
        responses[str(status)] = _problem(status)
    responses.update(own)
    return dict(sorted(responses.items()))


def build(routes: list[Any], prefix: str = "api") -> dict[str, Any]:
    components = _Components(extra={"Problem": _problem_schema()})
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(routes, key=lambda r: (r.template, sorted(r.methods))):
        path, path_params = openapi_path(route.template)
        item = paths.setdefault(path, {})
        for method in sorted(route.methods):
            if method in ("HEAD", "OPTIONS"):
                continue
            item[method.lower()] = _operation(route, path, path_params, components)
    schemas, refs = components.render()
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Accounts, cards, income, categories, transactions, budgets, goals, investments "
                           "and reports of one person. Log in with POST /login, then send "
                           "`Authorization: Bearer <access_token>` (the **Authorize** button here). Money is "
                           "a decimal string with two fraction digits; errors are RFC 9457 problem details. "
                           "Scripts and AI agents use a personal access token instead (POST /tokens; `read`: "
                           "every GET and the assistant's questions, a recording through it is 403; `read` + "
                           "`write`: also the money routes; identity routes answer 403 to any token) and the "
                           "Model Context Protocol server at POST /mcp. "
                           "Limits: an amount, an opening balance and an account's or card's balance stay within "
                           "±999,999,999,999.99 (a write past it is a 422); ids are never reused; usernames and "
                           "emails are compared after NFKC folding; numbers and ids take ASCII digits only.",
        },
        "servers": [{"url": "/" + prefix.strip("/") if prefix.strip("/") else "/"}],
        "paths": _resolve_pending(paths, refs),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {SECURITY_SCHEME: {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "The access_token from POST /login or POST /token/refresh, or a personal access "
                               "token (fpat_..., POST /tokens) within its scopes."}},
        },
        "tags": [],
    }
    tags = sorted({t for item in paths.values() for op in item.values() for t in op["tags"]})
    document["tags"] = [{"name": t} for t in tags]
    return document


_CACHE: dict[int, dict[str, Any]] = {}


def document_for(app: Any) -> dict[str, Any]:
    """The document of `app`, built on first use and kept for the life of the process."""
    if id(app) not in _CACHE:
        _CACHE[id(app)] = build(route_table.routes(app), route_table.route_prefix())
    return _CACHE[id(app)]
