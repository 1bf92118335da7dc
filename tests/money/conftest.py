"""Builders for the money tests: every object is made through the public API, as a client would."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.conftest import TEST_DATABASE_URL, Client

IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
postgres_only = pytest.mark.skipif(not IS_POSTGRES, reason="needs TEST_DATABASE_URL pointing at PostgreSQL")


def created(response) -> dict[str, Any]:
    assert response.status == 201, response
    return response.json()


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status == status, response
    return response.json()


def new_account(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "Checking", "type": "checking", **fields}
    return created(client.post("/api/accounts", json=body))


def new_card(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "Visa", "credit_limit": "1000.00", "statement_day": 1, "due_day": 25, **fields}
    return created(client.post("/api/credit-cards", json=body))


def new_category(client: Client, kind: str = "expense", **fields: Any) -> dict[str, Any]:
    from tests.conftest import unique_name

    body = {"name": unique_name(kind), "kind": kind, **fields}
    return created(client.post("/api/categories", json=body))


def new_income_source(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "Salary", "amount": "3000.00", "frequency": "monthly", **fields}
    return created(client.post("/api/income-sources", json=body))


def new_transaction(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"type": "expense", "amount": "10.00", "date": dt.date.today().isoformat(), **fields}
    return created(client.post("/api/transactions", json=body))


def new_budget(client: Client, **fields: Any) -> dict[str, Any]:
    if "category_id" not in fields:
        fields["category_id"] = new_category(client, "expense")["id"]
    body = {"month": dt.date.today().strftime("%Y-%m"), "amount": "500.00", **fields}
    return created(client.post("/api/budgets", json=body))


def new_goal(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"title": "Emergency fund", "target_amount": "1000.00", **fields}
    return created(client.post("/api/goals", json=body))


def fetch(client: Client, path: str) -> dict[str, Any]:
    return ok(client.get(path))


def all_items(client: Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items, page = [], 1
    while True:
        body = ok(client.get(path, params={**params, "page": page, "page_size": 100}))
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements():
    """Every SQL statement the app sends through its engine while the block runs."""
    from shared.data.db import get_engine

    engine = get_engine()
    counter = StatementCounter()

    def record(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", record)
