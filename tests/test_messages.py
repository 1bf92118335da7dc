"""Every validation error a route gives is a sentence a person can act on: it names the field, says
what to send instead, shows no raw pattern or internal wording, and says where the field was sent
(`in`: body or query). Walked over every operation of the OpenAPI document (issue 22)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import Client, make_user

RAW = re.compile(r"\^|\$'|\\d|\[A-Z|String should|Input should|Field required|Value error|a income|an expense "
                 r"category, not an expense|pydantic|Extra inputs|send it\b|send a value|the body date")
WRONG = {"string": 12345, "integer": "not-a-number", "number": "abc", "boolean": "maybe", "array": "x",
         "object": "x"}


@pytest.fixture(scope="module")
def setting():
    user = make_user()
    return user, Client().get("/api/openapi.json").json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


def _url(path: str) -> str:
    return "/api" + re.sub(r"\{[^}]+\}", "1", path)


def _check(response, where: str, what: str) -> int:
    if response.status != 422:
        return 0
    body = response.json()
    assert body["detail"] and not RAW.search(body["detail"]), (what, body)
    for error in body.get("errors", []):
        message, field = error["message"], error["field"]
        assert not RAW.search(message), (what, error)
        assert field.split(".")[-1] in message or field == "body", (what, error)
        if "in" in error:
            assert error["in"] == where, (what, error)
    return len(body.get("errors", []))


def _schema(document, ref_or_schema):
    if "$ref" in ref_or_schema:
        return document["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[1]]
    return ref_or_schema


def test_body_errors_name_the_field_and_say_what_to_send(setting):
    user, document = setting
    checked = 0
    for path, method, op in _operations(document):
        content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
        if not content or "/mcp" in path:
            continue
        schema = _schema(document, content["schema"])
        if "anyOf" in schema or "oneOf" in schema:
            schema = _schema(document, (schema.get("anyOf") or schema.get("oneOf"))[0])
        props = schema.get("properties", {})
        wrong = {name: WRONG.get(_schema(document, p).get("type", "string"), 12345) for name, p in props.items()}
        for body in ({}, wrong, {**wrong, "no_such_field": 1}):
            response = user.client.request(method, _url(path), json=body)
            checked += _check(response, "body", f"{method} {path} {body}")
    assert checked > 50


def test_query_errors_name_the_field_and_say_where_it_was(setting):
    user, document = setting
    checked = 0
    for path, method, op in _operations(document):
        params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
        if not params or "/mcp" in path:
            continue
        for p in params:
            for value in ("", "!!", "-1", "99999999999999999999"):
                response = user.client.request(method, _url(path), params={p["name"]: value})
                checked += _check(response, "query", f"{method} {path} {p['name']}={value!r}")
        response = user.client.request(method, _url(path), params={"no_such_parameter": "1"})
        checked += _check(response, "query", f"{method} {path} no_such_parameter")
    assert checked > 20


def test_a_reversed_range_and_a_bad_username_read_as_sentences():
    user = make_user()
    body = user.client.get("/api/reports/trend", params={"date_from": "2026-05-01", "date_to": "2026-04-01"}).json()
    assert body["errors"] == [{"field": "date_from", "in": "query",
                               "message": "date_from must be on or before date_to; send an earlier date_from or a "
                                          "later date_to"}]
    body = Client().post("/api/register", json={"username": "bad name!", "password": "s3cret-Passw0rd",
                                               "first_name": "A", "last_name": "B"}).json()
    assert body["errors"] == [{"field": "username", "in": "body",
                               "message": "username must use only letters, digits, '_', '.' and '-'"}]


@pytest.mark.parametrize("path", ["/api/transactions", "/api/fx-rates", "/api/reports/summary"])
def test_a_reversed_range_on_any_get_names_date_from_in_the_query(path):
    user = make_user()
    body = user.client.get(path, params={"date_from": "2026-05-01", "date_to": "2026-04-01"}).json()
    assert body["errors"] == [{"field": "date_from", "in": "query",
                               "message": "date_from must be on or before date_to; send an earlier date_from or a "
                                          "later date_to"}]


def test_a_missing_field_says_what_to_send():
    user = make_user()
    errors = {e["field"]: e["message"] for e in user.client.post("/api/transactions", json={}).json()["errors"]}
    assert errors == {"type": "type is required; send one of income, expense, transfer",
                      "amount": "amount is required; send a number, like 1250.50",
                      "date": "date is required; send a date written YYYY-MM-DD, like 2026-11-29"}
