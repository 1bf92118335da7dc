"""Building portfolios, assets and prices through the public API."""
from __future__ import annotations

from typing import Any

from tests.conftest import Client


def new_portfolio(client: Client, name: str = "Long term") -> int:
    r = client.post("/api/portfolios", json={"name": name})
    assert r.status == 201, r
    return r.json()["id"]


def new_asset(client: Client, portfolio_id: int, **fields: Any) -> int:
    body = {"name": "Acme", "type": "stock", "quantity": "1", "amount_invested": "0.00",
            "purchase_date": "2026-01-01", **fields}
    r = client.post(f"/api/portfolios/{portfolio_id}/assets", json=body)
    assert r.status == 201, r
    return r.json()["id"]


def add_prices(client: Client, asset_id: int, prices: dict[str, str]) -> None:
    body = [{"date": day, "price": price} for day, price in prices.items()]
    r = client.post(f"/api/assets/{asset_id}/prices", json=body)
    assert r.status == 201, r
