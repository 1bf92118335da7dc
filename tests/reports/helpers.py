"""Builders for report tests: data made through the public API, as a client would."""
from __future__ import annotations

from typing import Any

from tests.conftest import Client


def categories(client: Client) -> dict[str, int]:
    response = client.get("/api/categories", params={"page_size": 100})
    assert response.status == 200, response
    return {c["name"]: c["id"] for c in response.json()["items"]}


def account(client: Client, name: str = "Checking") -> int:
    response = client.post("/api/accounts", json={"name": name, "type": "checking"})
    assert response.status == 201, response
    return response.json()["id"]


def add(client: Client, type_: str, amount: str, date: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/transactions", json={"type": type_, "amount": amount, "date": date, **fields})
    assert response.status == 201, response
    return response.json()


def budget(client: Client, category_id: int, month: str, amount: str) -> None:
    response = client.post("/api/budgets", json={"category_id": category_id, "month": month, "amount": amount})
    assert response.status == 201, response
