"""Personal access token scopes over the whole route table: each route declares the scope it needs once
(`EndpointSpec.scope`, by default read for GET and write for the rest), and the edge enforces it. A read
token reaches every GET and no write; a write token every money route and no identity route; an expired
or revoked token nothing (401). A refusal changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from shared.web.auth import IDENTITY, READ, required_scope
from tests.conftest import Client, assert_problem
from tests.reliability._world import (
    PREFIX,
    World,
    build_world,
    changed_tables,
    fill,
    fingerprint,
    is_admin,
    is_public,
    op_id,
    operations,
    params_of,
    query_defaults,
    spec,
    valid_body,
)

OPS = [op for op in operations() if not is_public(op[1]) and not is_admin(op[1])]
MISSING_ID = 2147483000
IDENTITY_ROUTES = {("GET", "me"), ("PATCH", "me"), ("DELETE", "me"), ("POST", "me/password"), ("POST", "logout"),
                   ("GET", "tokens"), ("POST", "tokens"), ("GET", "tokens/{id:int}"), ("DELETE", "tokens/{id:int}")}


def needed(op) -> str:
    method, route = op
    return required_scope(method, spec(route).scope)


def token_for(world: World, scopes: list[str], days: int = 30) -> str:
    return created_token(world, scopes, days)["token"]


def created_token(world: World, scopes: list[str], days: int = 30) -> dict:
    response = world.client.post("/api/tokens", json={"name": "walk", "scopes": scopes, "expires_in_days": days})
    assert response.status == 201, response
    return response.json()


@pytest.fixture(scope="module")
def carol() -> World:
    return build_world("Carol", "55.55")


@pytest.fixture(scope="module")
def tokens(carol) -> dict[str, str]:
    return {"read": token_for(carol, ["read"]), "write": token_for(carol, ["read", "write"])}


def _call(op, world: World, token: str, ids=None):
    method, route = op
    path = fill(route.template, ids or world.ids)
    return Client(token=token).request(method, path, json=valid_body(method, route, world),
                                       params=query_defaults(route) or None)


def test_the_identity_routes_declare_the_identity_scope():
    declared = {(m, r.template) for m, r in OPS if needed((m, r)) == IDENTITY}
    assert declared == IDENTITY_ROUTES


@pytest.mark.parametrize("op", [op for op in OPS if op[0] == "GET"], ids=op_id)
def test_a_read_token_gets_every_get_a_login_gets(op, carol, tokens):
    method, route = op
    if needed(op) == IDENTITY:
        assert_problem(_call(op, carol, tokens["read"]), 403)
        return
    path = fill(route.template, carol.ids)
    as_login = carol.client.get(path, params=query_defaults(route) or None)
    as_token = _call(op, carol, tokens["read"])
    assert as_token.status == as_login.status, (as_token, as_login)
    assert as_token.status not in (401, 403)


@pytest.mark.parametrize("op", [op for op in OPS if op[0] != "GET"], ids=op_id)
def test_a_read_token_reaches_no_write(op, carol, tokens):
    before = fingerprint(exclude=("access_tokens",))
    response = _call(op, carol, tokens["read"])
    if needed(op) == READ:  # the assistant's questions and the MCP endpoint: refusals happen inside
        assert response.status not in (401, 403), response
        return
    body = assert_problem(response, 403)
    assert "scope" in body["detail"] or "identity" in body["detail"]
    assert changed_tables(before, fingerprint(exclude=("access_tokens",))) == []


@pytest.mark.parametrize("op", [op for op in OPS if needed(op) == IDENTITY], ids=op_id)
def test_a_write_token_reaches_no_identity_route(op, carol, tokens):
    before = fingerprint(exclude=("access_tokens",))
    assert_problem(_call(op, carol, tokens["write"]), 403)
    assert changed_tables(before, fingerprint(exclude=("access_tokens",))) == []


@pytest.mark.parametrize("op", [op for op in OPS if op[0] != "GET" and needed(op) != IDENTITY], ids=op_id)
def test_a_write_token_reaches_every_money_route(op, carol, tokens):
    # Item routes get an id that does not exist: a 404 proves the token got past the edge, and nothing
    # of the world is deleted for the tests after this one.
    method, route = op
    ids = {segment: MISSING_ID for segment in carol.ids} if params_of(route.template) else None
    response = _call(op, carol, tokens["write"], ids)
    assert response.status not in (401, 403, 500), response


@pytest.mark.parametrize("op", OPS, ids=op_id)
def test_an_expired_or_revoked_token_is_401_everywhere(op, carol, monkeypatch):
    from shared.services import access_tokens

    revoked = created_token(carol, ["read", "write"])
    assert carol.client.delete(f"/api/tokens/{revoked['id']}").status == 204
    expiring = token_for(carol, ["read", "write"], days=1)
    before = fingerprint(exclude=("access_tokens",))
    response = _call(op, carol, revoked["token"])
    assert_problem(response, 401)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    monkeypatch.setattr(access_tokens, "utcnow", lambda: later)
    assert_problem(_call(op, carol, expiring), 401)
    assert changed_tables(before, fingerprint(exclude=("access_tokens",))) == []


def test_admin_routes_stay_hidden_from_any_token(carol, tokens):
    for method, route in [op for op in operations() if is_admin(op[1])]:
        path = PREFIX + route.template.replace("{instance_id}", "x")
        for token in tokens.values():
            assert_problem(Client(token=token).request(method, path, json={"period": "2026-10"}), 404)
