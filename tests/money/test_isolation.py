"""Isolation, generated from the function app's own route table.

For every HTTP route that takes an integer id, and every method it answers, another user gets the same
404 as for an id that does not exist, and the owner's data reads back exactly as before. A route added
later is covered without editing this file, as long as FACTORIES knows how to build the owner's object
for its first path segment; when it does not, the test fails and says what to add.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

import function_app
from shared.web.route_table import routes as http_routes
from tests.conftest import Client
from tests.money.conftest import (
    created,
    new_account,
    new_budget,
    new_card,
    new_category,
    new_goal,
    new_income_source,
    new_transaction,
)

NO_SUCH_ID = 2**31 - 1
_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\??\}")


@dataclass
class Factory:
    """Builds one object for the owner and says what a change to it looks like (a valid PATCH body)."""

    make: Callable[[Client], int]
    patch: dict[str, Any] = field(default_factory=dict)


def _portfolio(client: Client) -> int:
    return created(client.post("/api/portfolios", json={"name": "Long term"}))["id"]


def _asset(client: Client) -> int:
    body = {"name": "Acme", "type": "stock", "symbol": "ACME", "quantity": "3.5", "amount_invested": "350.00",
            "purchase_date": "2026-01-02"}
    asset = created(client.post(f"/api/portfolios/{_portfolio(client)}/assets", json=body))
    created(client.post(f"/api/assets/{asset['id']}/prices", json={"date": "2026-02-01", "price": "110"}))
    return asset["id"]


def _trade(client: Client) -> int:
    return created(client.post(f"/api/assets/{_asset(client)}/trades", json={
        "type": "sell", "date": "2026-02-01", "quantity": "1", "price": "110", "fee": "1"}))["id"]


def _transaction(client: Client) -> int:
    account = new_account(client, opening_balance="100")
    return new_transaction(client, account_id=account["id"], amount="10.00", description="mine")["id"]


def _goal(client: Client) -> int:
    goal = new_goal(client, current_savings="10")
    created(client.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "1"}))
    return goal["id"]


def _rule(client: Client) -> int:
    _transaction(client)
    return created(client.post("/api/rules", json={
        "name": "mine", "conditions": [{"field": "description", "op": "contains", "value": "mine"}],
        "actions": [{"set": "payee", "value": "Taken"}, {"add_tag": "taken"}]}))["id"]


def _import(client: Client) -> int:
    account = new_account(client, opening_balance="100")
    return created(client.post("/api/imports", json={
        "format": "csv", "account_id": account["id"], "csv": {"date": "d", "amount": "a", "description": "t"},
        "content": "d,a,t\n2026-10-01,-12.50,mine\n2026-10-02,40.00,mine too\n"}))["id"]


def _token(client: Client) -> int:
    return created(client.post("/api/tokens", json={"name": "agent", "scopes": ["read"], "expires_in_days": 30}))["id"]


# First path segment of a route -> how to build the owner's object that the route's {id} names.
FACTORIES: dict[str, Factory] = {
    "accounts": Factory(lambda c: new_account(c, opening_balance="50")["id"], {"name": "taken over"}),
    "credit-cards": Factory(lambda c: new_card(c)["id"], {"credit_limit": "1"}),
    "income-sources": Factory(lambda c: new_income_source(c)["id"], {"amount": "1"}),
    "categories": Factory(lambda c: new_category(c)["id"], {"name": "taken over"}),
    "transactions": Factory(_transaction, {"amount": "999.00"}),
    "budgets": Factory(lambda c: new_budget(c)["id"], {"amount": "1"}),
    "goals": Factory(_goal, {"current_savings": "0"}),
    "portfolios": Factory(_portfolio, {"name": "taken over"}),
    "assets": Factory(_asset, {"quantity": "1"}),
    "recurring": Factory(lambda c: created(c.post("/api/recurring", json={
        "name": "Rent", "type": "expense", "amount": "9.00", "frequency": "monthly", "start_date": "2030-01-01",
    }))["id"], {"amount": "1"}),
    "rules": Factory(_rule, {"name": "taken over"}),
    "imports": Factory(_import, {}),
    "tokens": Factory(_token),
    "trades": Factory(_trade),
}

# Bodies for other writes under an id: valid for the owner, so a 404 can only mean "not yours".
BODIES: dict[str, Any] = {
    "POST goals/{id}/contributions": {"amount": "5.00"},
    "POST portfolios/{id}/assets": {"name": "X", "type": "fund", "quantity": "1", "amount_invested": "1",
                                    "purchase_date": "2026-01-01"},
    "POST assets/{id}/prices": {"date": "2026-02-01", "price": "1"},
    "POST rules/{id}/run": {"dry_run": False},
    "POST assets/{id}/trades": {"type": "buy", "date": "2026-02-01", "quantity": "1", "price": "1"},
}


def _id_params(template: str) -> list[str]:
    """Path parameters that name a stored row: integer-constrained, or called `id`."""
    return [name for name, constraint in _PARAM.findall(template) if constraint in ("int", "long") or name == "id"]


def _plain(template: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", template)


def _cases() -> list[tuple[str, str]]:
    # Admin routes name no user's row; anyone but an admin gets the unknown-route 404 there
    # (tests/reliability/test_isolation.py checks that).
    cases = {(method, _plain(route.template)) for route in http_routes(function_app.app)
             if _id_params(route.template) and not (route.spec and route.spec.admin) for method in route.methods}
    return sorted(cases, key=lambda c: (c[1], c[0]))


CASES = _cases()
GET_TEMPLATES = sorted({_plain(r.template) for r in http_routes(function_app.app)
                        if "GET" in r.methods and len(_id_params(r.template)) == 1})


def test_the_route_table_has_id_routes_to_check():
    templates = {template for _, template in CASES}
    assert {"accounts/{id}", "transactions/{id}", "goals/{id}/contributions"} <= templates, templates


def _fill(template: str, value: int) -> str:
    return "/api/" + re.sub(r"\{[^}]+\}", str(value), template)


def _snapshot(owner: Client, prefix: str, row_id: int) -> dict[str, tuple[int, Any]]:
    """Everything the owner can read under this id, through every GET route of its prefix."""
    out = {}
    for template in GET_TEMPLATES:
        if template.split("/", 1)[0] == prefix:
            r = owner.get(_fill(template, row_id))
            out[template] = (r.status, r.json() if r.body else None)
    return out


def _request(client: Client, method: str, template: str, row_id: int, factory: Factory):
    body = None
    if method == "PATCH" and template.count("/") == 1:
        body = factory.patch
    elif method in ("POST", "PUT", "PATCH"):
        body = BODIES.get(f"{method} {template}")
        if body is None:
            pytest.fail(f"{method} /api/{template} takes an id but tests/money/test_isolation.py has no body for "
                        f"it: add a body the owner could send to BODIES[{f'{method} {template}'!r}].")
    return client.request(method, _fill(template, row_id), json=body)


@pytest.mark.parametrize("method, template", CASES, ids=[f"{m} {t}" for m, t in CASES])
def test_another_user_gets_404_and_the_owners_data_is_unchanged(user, other_user, method, template):
    if len(_id_params(template)) != 1:
        pytest.fail(f"/api/{template} takes several ids; teach tests/money/test_isolation.py to build them.")
    prefix = template.split("/", 1)[0]
    factory = FACTORIES.get(prefix)
    if factory is None:
        pytest.fail(f"{method} /api/{template} takes an id but tests/money/test_isolation.py has no factory for "
                    f"'{prefix}': add FACTORIES[{prefix!r}] = Factory(make=<builds one for a user and returns its "
                    f"id>, patch=<a valid PATCH body>).")
    row_id = factory.make(user.client)
    before = _snapshot(user.client, prefix, row_id)
    assert before.get(f"{prefix}/{{id}}", (200,))[0] == 200, before

    theirs = _request(other_user.client, method, template, row_id, factory)
    missing = _request(other_user.client, method, template, NO_SUCH_ID, factory)
    assert theirs.status == 404, theirs
    assert theirs.content_type.startswith("application/problem+json")
    assert (theirs.status, theirs.json()) == (missing.status, missing.json()), "another user's id must look unknown"
    assert _snapshot(user.client, prefix, row_id) == before


def test_a_route_without_a_factory_fails_with_a_helpful_message(user, other_user):
    with pytest.raises(pytest.fail.Exception, match=r"add FACTORIES\['widgets'\]"):
        test_another_user_gets_404_and_the_owners_data_is_unchanged(user, other_user, "GET", "widgets/{id}")
