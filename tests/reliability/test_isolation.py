"""Authorization over the whole route table: no token, a forged token, or another user's token
gets anyone into a row that is not theirs; admin routes are invisible to normal users; and no
answer to one user ever contains another user's data."""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.conftest import Client, assert_problem, make_user
from tests.reliability import _stats
from tests.reliability._world import (
    MONTH,
    PREFIX,
    TODAY,
    World,
    any_path,
    build_world,
    changed_tables,
    fill,
    fingerprint,
    has_route,
    is_admin,
    is_public,
    op_id,
    operations,
    params_of,
    query_defaults,
    spec,
    valid_body,
)

OPS = operations()
ITEM_OPS = [op for op in OPS if params_of(op[1].template) and not is_admin(op[1]) and not is_public(op[1])]
PROTECTED_OPS = [op for op in OPS if not is_public(op[1])]
ADMIN_OPS = [op for op in OPS if is_admin(op[1])]
# (GET /api/mcp answers 405 by design: the MCP transport's answer for a server without an SSE stream.)
GET_OPS = [op for op in OPS if op[0] == "GET" and not is_admin(op[1])
           and not (is_public(op[1]) and params_of(op[1].template))
           and (spec(op[1]) is None or spec(op[1]).status < 300)]


@pytest.fixture(scope="module")
def alice() -> World:
    return build_world("Alice", "7391.37")


@pytest.fixture(scope="module")
def bob() -> World:
    return build_world("Bob", "12.34")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(victim: World) -> dict[str, str]:
    """Tokens that claim to be `victim` without the server's key, or that are otherwise dead."""
    from shared.data.config import get_settings
    from shared.services.credentials import decode_access_token

    real = victim.client.token
    claims = decode_access_token(real)
    settings = get_settings()
    now = int(time.time())
    header, payload, signature = real.split(".")
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "wrong key": jwt.encode(claims, "not-the-server-key-" + "x" * 40, algorithm="HS256"),
        "expired": jwt.encode({**claims, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600},
                              settings.jwt_secret, algorithm="HS256"),
        "wrong audience": jwt.encode({**claims, "aud": "someone-else"}, settings.jwt_secret, algorithm="HS256"),
        "refresh type": jwt.encode({**claims, "typ": "refresh"}, settings.jwt_secret, algorithm="HS256"),
        "tampered sub": f"{header}.{_b64({**claims, 'sub': str(int(claims['sub']) + 1)})}.{signature}",
        "garbage": "not-a-token",
        "empty bearer": "",
    }


def _call(client: Client, method: str, route, path: str, w: World, token: str | None = None):
    body = valid_body(method, route, w)
    return client.request(method, path, json=body, params=query_defaults(route) or None, token=token)


@pytest.mark.parametrize("op", ITEM_OPS, ids=op_id)
def test_another_users_id_is_404_and_changes_nothing(op, alice, bob):
    method, route = op
    path = fill(route.template, alice.ids)
    # The id is real: its owner can read it (so the 404 below is about ownership, not existence).
    collection, row_id = path[len(PREFIX):].split("/")[:2]
    owner_view = alice.client.get(f"{PREFIX}{collection}/{row_id}")
    assert owner_view.status == 200, owner_view
    before = fingerprint()
    response = _call(bob.client, method, route, path, bob)
    assert_problem(response, 404)
    assert changed_tables(before, fingerprint()) == []
    _stats.bump("isolation", "cross-user requests answered 404")


@pytest.mark.parametrize("op", PROTECTED_OPS, ids=op_id)
def test_no_token_or_a_forged_token_gets_nowhere(op, alice):
    method, route = op
    path = fill(route.template, alice.ids) if not is_admin(route) else any_path(route)
    anon = Client(address="198.51.100.7")
    before = fingerprint(exclude=("login_failure_windows",))
    for name, token in {"no token": None, **forged_tokens(alice)}.items():
        response = anon.request(method, path, json=valid_body(method, route, alice),
                                params=query_defaults(route) or None,
                                headers={"authorization": f"Bearer {token}"} if token is not None else None)
        expected = 404 if is_admin(route) else 401
        assert response.status == expected, (name, response)
        assert response.content_type.startswith("application/problem+json"), (name, response.headers)
        assert alice.marker.encode() not in response.body
        _stats.bump("isolation", "anonymous or forged-token requests refused")
    assert changed_tables(before, fingerprint(exclude=("login_failure_windows",))) == []


def test_the_contracts_admin_routes_are_walked():
    """The admin-only walk below must cover the contract's two summaries-run routes (not silently nothing)."""
    assert {(method, route.template) for method, route in ADMIN_OPS} >= {
        ("POST", "summaries/runs"), ("GET", "summaries/runs/{id}")}


@pytest.mark.parametrize("op", ADMIN_OPS, ids=op_id)
def test_admin_route_answers_a_normal_user_like_an_unknown_route(op, bob):
    method, route = op
    path = any_path(route, "summaries-2026-10")
    before = fingerprint()
    response = bob.client.request(method, path, json={"period": "2026-10"} if method == "POST" else None)
    unknown = bob.client.request(method, "/api/no-such-route-at-all")
    assert_problem(response, 404)
    assert response.json() == unknown.json()
    assert changed_tables(before, fingerprint()) == []
    _stats.bump("isolation", "admin requests by a normal user answered 404")


REFERENCES = [
    # (route, body builder over (own world, victim world), field that names the victim's row)
    ("transactions", lambda me, v: {"type": "expense", "amount": "1", "date": "2026-01-01",
                                    "category_id": me.ids["categories"], "account_id": v.ids["accounts"]},
     "account_id"),
    ("transactions", lambda me, v: {"type": "expense", "amount": "1", "date": "2026-01-01",
                                    "category_id": v.ids["categories"], "account_id": me.ids["accounts"]},
     "category_id"),
    ("transactions", lambda me, v: {"type": "expense", "amount": "1", "date": "2026-01-01",
                                    "category_id": me.ids["categories"], "credit_card_id": v.ids["credit-cards"]},
     "credit_card_id"),
    ("transactions", lambda me, v: {"type": "transfer", "amount": "1", "date": "2026-01-01",
                                    "account_id": me.ids["accounts"], "to_account_id": v.ids["accounts"]},
     "to_account_id"),
    ("transactions", lambda me, v: {"type": "transfer", "amount": "1", "date": "2026-01-01",
                                    "account_id": me.ids["accounts"], "to_credit_card_id": v.ids["credit-cards"]},
     "to_credit_card_id"),
    ("transactions", lambda me, v: {"type": "income", "amount": "1", "date": "2026-01-01",
                                    "category_id": me.extra["income_category"], "account_id": me.ids["accounts"],
                                    "income_source_id": v.ids["income-sources"]}, "income_source_id"),
    ("income-sources", lambda me, v: {"name": "x", "amount": "1", "frequency": "monthly",
                                      "account_id": v.ids["accounts"]}, "account_id"),
    ("budgets", lambda me, v: {"category_id": v.ids["categories"], "month": "2001-02", "amount": "1"},
     "category_id"),
    ("imports", lambda me, v: {"format": "csv", "account_id": v.ids["accounts"], "csv": {"date": "d", "amount": "a"},
                               "content": "d,a\n2026-01-01,-1\n"}, "account_id"),
    ("imports", lambda me, v: {"format": "csv", "credit_card_id": v.ids["credit-cards"],
                               "csv": {"date": "d", "amount": "a"}, "content": "d,a\n2026-01-01,-1\n"},
     "credit_card_id"),
]


def _as_schedule(build):
    """A recurring schedule posting the same transaction (its links are checked the same way)."""
    return lambda me, v: {**{k: x for k, x in build(me, v).items() if k != "date"}, "name": "x",
                          "frequency": "monthly", "start_date": "2026-01-01"}


REFERENCES += [("recurring", _as_schedule(build), name) for collection, build, name in list(REFERENCES)
               if collection == "transactions" and name != "income_source_id"]


def _reference_fields() -> set[tuple[str, str]]:
    """(collection, field) of every *_id field any create or patch body declares."""
    found = set()
    for method, route in OPS:
        s = spec(route)
        if s is None or s.body is None or method not in {"POST", "PATCH"} or params_of(route.template) and \
                method == "POST":
            continue
        for name in s.body.model_fields:
            if name.endswith("_id"):
                found.add((route.template.split("/")[0], name))
    return found


def test_every_reference_field_is_covered_below():
    covered = {(collection, name) for collection, _, name in REFERENCES}
    assert _reference_fields() <= covered, f"add cases for {sorted(_reference_fields() - covered)} to REFERENCES"


@pytest.mark.parametrize("collection,build,field_name", REFERENCES, ids=[f"{c}.{f}" for c, _, f in REFERENCES])
def test_a_reference_to_another_users_row_is_422_on_create_and_patch(collection, build, field_name, alice, bob):
    before = fingerprint()
    created = bob.client.post(f"/api/{collection}", json=build(bob, alice))
    assert_problem(created, 422, field_name)
    if not has_route(f"{collection}/{{id:int}}", "PATCH"):  # an import is never changed, only undone
        assert changed_tables(before, fingerprint()) == []
        return
    patched = bob.client.patch(f"/api/{collection}/{bob.ids[collection]}", json={field_name: alice.ids[
        {"account_id": "accounts", "to_account_id": "accounts", "category_id": "categories",
         "credit_card_id": "credit-cards", "to_credit_card_id": "credit-cards",
         "income_source_id": "income-sources"}[field_name]]})
    assert patched.status == 422, patched
    assert changed_tables(before, fingerprint()) == []
    _stats.bump("isolation", "cross-user references refused")


@pytest.mark.parametrize("op", GET_OPS, ids=op_id)
def test_no_answer_to_one_user_contains_another_users_data(op, alice, bob):
    method, route = op
    path = fill(route.template, bob.ids)
    response = bob.client.get(path, params=query_defaults(route) or None)
    assert response.status == 200, response  # a refusal would make the scan below vacuous
    leaked = [m for m in alice.markers if m.encode() in response.body]
    assert not leaked, f"GET {path} shows {leaked} of another user: {response.body[:500]!r}"
    _stats.bump("isolation", "GET answers scanned for another user's data")


def test_the_assistant_answers_from_the_callers_data_only(alice, bob):
    if not any(r.template == "chat" for _, r in OPS):
        pytest.skip("no /api/chat route yet (the assistant is built elsewhere)")
    for message in ("what are my balances?", "how much did I spend this month?", "how are my goals doing?",
                    "what is my top spending?", "how are my budgets?", "how much did I earn this year?"):
        response = bob.client.post("/api/chat", json={"message": message})
        assert response.status < 500, response
        leaked = [m for m in alice.markers if m.encode() in response.body]
        assert not leaked, (message, response)
        _stats.bump("isolation", "assistant answers scanned")


def test_a_deleted_users_token_is_dead():
    gone = make_user()
    token = gone.client.token
    assert gone.client.request("DELETE", "/api/me", json={"password": gone.password}).status == 204
    assert_problem(Client(token=token).get("/api/me"), 401)
    assert_problem(Client(token=token).get("/api/accounts"), 401)


# --- the MCP tools ------------------------------------------------------------------------------------

MISSING_ID = 2147483000
TOOL_ID_FIELDS = {"category_id": "categories", "account_id": "accounts", "to_account_id": "accounts",
                  "credit_card_id": "credit-cards", "to_credit_card_id": "credit-cards",
                  "income_source_id": "income-sources", "goal_id": "goals", "portfolio_id": "portfolios",
                  "transaction_id": "transactions"}


def _tools():
    from shared.services.mcp.tools import TOOLS

    return TOOLS


def tool_arguments(name: str, w: World) -> dict:
    """Arguments each tool accepts from `w`'s user (a write is a dry run or names the user's own rows)."""
    return {
        "spending_by_category": {"date_from": f"{TODAY.year - 1}-01-01", "date_to": TODAY.isoformat()},
        "monthly_report": {"month": MONTH}, "budget_status": {"month": MONTH},
        "portfolio_performance": {"portfolio_id": w.ids["portfolios"]},
        "record_transaction": {"type": "expense", "amount": "1.00", "date": TODAY.isoformat(), "dry_run": True},
        "categorize_transaction": {"transaction_id": w.ids["transactions"], "category_id": w.ids["categories"]},
    }.get(name, {})


def call_tool(w: World, name: str, arguments: dict) -> dict:
    response = w.client.post("/api/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                               "params": {"name": name, "arguments": arguments}})
    assert response.status == 200, response
    return response.json()["result"]


TOOL_ID_CASES = [(tool.name, name) for tool in _tools() for name in tool.arguments.model_fields if name.endswith("_id")]


def test_every_id_a_tool_takes_has_an_owner_collection():
    assert {name for _, name in TOOL_ID_CASES} <= set(TOOL_ID_FIELDS)


@pytest.mark.parametrize("tool,field_name", TOOL_ID_CASES, ids=[f"{t}.{f}" for t, f in TOOL_ID_CASES])
def test_a_tool_given_another_users_id_answers_as_if_it_did_not_exist(tool, field_name, alice, bob):
    import re

    victim_id = alice.ids[TOOL_ID_FIELDS[field_name]]
    base = tool_arguments(tool, bob)
    before = fingerprint()
    with_victim = call_tool(bob, tool, {**base, field_name: victim_id})
    with_missing = call_tool(bob, tool, {**base, field_name: MISSING_ID})
    assert changed_tables(before, fingerprint()) == []

    def blind(result: dict) -> str:
        text = json.dumps(result, sort_keys=True)
        return re.sub(rf"\b({victim_id}|{MISSING_ID})\b", "<id>", text)

    assert blind(with_victim) == blind(with_missing)
    leaked = [m for m in alice.markers if m in json.dumps(with_victim)]
    assert not leaked, (tool, field_name, with_victim)
    _stats.bump("isolation", "MCP tool calls with another user's id answered as missing")


@pytest.mark.parametrize("tool", [t.name for t in _tools()])
def test_no_tool_answer_contains_another_users_data(tool, alice, bob):
    result = call_tool(bob, tool, tool_arguments(tool, bob))
    assert result["isError"] is False, result
    leaked = [m for m in alice.markers if m in json.dumps(result)]
    assert not leaked, (tool, result)


def test_tool_descriptions_hold_no_user_data(alice, bob):
    listed = []
    for w in (alice, bob):
        response = w.client.post("/api/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        listed.append(response.json()["result"]["tools"])
        initialized = w.client.post("/api/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
        listed.append(initialized.json()["result"])
    assert listed[0] == listed[2] and listed[1] == listed[3]  # the same words for everyone
    text = json.dumps(listed)
    assert not [m for m in alice.markers + bob.markers if m in text]

