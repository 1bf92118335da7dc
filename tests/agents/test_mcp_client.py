"""The MCP server driven by the official MCP Python SDK (`mcp`), over real HTTP: devhost's host layer served
by devhost's server in a thread on a free port, on the suite's database. The SDK's Streamable HTTP client
initializes, lists the tools and calls each one with a personal access token; every figure is checked
against the REST answer for the same question, and against the hand-worked figures of tests/agents/world.py."""
from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import anyio
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import McpError

import function_app
from devhost import Dispatcher, Server
from shared.services.mcp import LATEST_VERSION
from tests.agents.world import INJECTION, Finances, build_finances

READ_TOOLS = {"get_balances", "search_transactions", "spending_by_category", "monthly_report", "budget_status",
              "goal_progress", "net_worth", "portfolio_performance", "forecast"}
WRITE_TOOLS = {"record_transaction", "categorize_transaction"}


@pytest.fixture(scope="module")
def server() -> str:
    httpd = Server(("127.0.0.1", 0), Dispatcher(function_app.app), threads=4)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/mcp"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def finances() -> Finances:
    return build_finances()


def with_session(url: str, token: str | None, work):
    """Run `work(session, initialize_result)` inside an initialized SDK session."""
    async def main():
        headers = {"Authorization": f"Bearer {token}"} if token else None
        async with create_mcp_http_client(headers=headers) as http, \
                streamable_http_client(url, http_client=http) as (read, write, _), \
                ClientSession(read, write) as session:
            initialized = await session.initialize()
            return await work(session, initialized)
    return anyio.run(main)


def call(url: str, token: str, name: str, arguments: dict[str, Any] | None = None):
    async def work(session, _):
        return await session.call_tool(name, arguments or {})
    return with_session(url, token, work)


def data(result) -> dict[str, Any]:
    assert result.isError is False, result.content
    return result.structuredContent


def test_the_sdk_initializes_and_negotiates_the_latest_revision(server, finances):
    async def work(session, initialized):
        return initialized
    initialized = with_session(server, finances.tokens["read"], work)
    assert initialized.protocolVersion == LATEST_VERSION
    assert initialized.serverInfo.name == "personal-finance"
    assert initialized.capabilities.tools is not None


def test_a_write_token_lists_every_tool_with_schema_and_hints(server, finances):
    async def work(session, _):
        return (await session.list_tools()).tools
    tools = {t.name: t for t in with_session(server, finances.tokens["write"], work)}
    assert set(tools) == READ_TOOLS | WRITE_TOOLS
    for name, tool in tools.items():
        assert tool.inputSchema["type"] == "object" and tool.inputSchema["additionalProperties"] is False
        assert len(tool.description) > 60
        assert tool.annotations.readOnlyHint is (name in READ_TOOLS)
        assert tool.annotations.destructiveHint is (name == "categorize_transaction")
        assert tool.annotations.idempotentHint is (name != "record_transaction")
    assert {"type", "amount", "date", "dry_run", "idempotency_key"} <= set(tools["record_transaction"].inputSchema[
        "properties"])
    assert set(tools["record_transaction"].inputSchema["required"]) == {"type", "amount", "date"}


def test_a_read_token_sees_no_write_tool_and_cannot_call_one(server, finances):
    async def work(session, _):
        listed = {t.name for t in (await session.list_tools()).tools}
        with pytest.raises(McpError) as refused:
            await session.call_tool("record_transaction", {"type": "expense", "amount": "1", "date": "2026-10-01"})
        return listed, refused.value.error.code
    listed, code = with_session(server, finances.tokens["read"], work)
    assert listed == READ_TOOLS
    assert code == -32602
    assert finances.api.get("/api/transactions").json()["total"] == 6


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


@pytest.mark.parametrize("token", [None, "fpat_0123456789abcdefNotARealSecret", "not-a-token"])
def test_without_a_valid_token_the_client_is_refused(server, token):
    with pytest.raises(BaseException) as refused:
        with_session(server, token, lambda session, _: anyio.sleep(0))
    statuses = [getattr(getattr(e, "response", None), "status_code", None) for e in _leaves(refused.value)]
    assert 401 in statuses, refused.value


def test_balances_match_the_rest_answers(server, finances):
    got = data(call(server, finances.tokens["read"], "get_balances"))
    accounts = finances.api.get("/api/accounts").json()["items"]
    cards = finances.api.get("/api/credit-cards").json()["items"]
    assert got["accounts"] == accounts and got["credit_cards"] == cards
    assert {a["name"]: a["balance"] for a in got["accounts"]} == {"Checking": "3090.01", "Savings": "550.00"}
    assert got["accounts_total"] == "3640.01" and got["credit_cards_total"] == "45.25"


def test_transaction_search_filters_and_pages_like_the_rest_list(server, finances):
    query = {"type": "expense", "date_from": "2026-10-01", "date_to": "2026-10-31", "page": 2, "page_size": 2,
             "sort": "amount"}
    got = data(call(server, finances.tokens["read"], "search_transactions", query))
    rest = finances.api.get("/api/transactions", params={k: str(v) for k, v in query.items()}).json()
    assert got == rest
    assert got["total"] == 4 and [t["amount"] for t in got["items"]] == ["45.25", "82.40"]


def test_spending_by_category_matches_the_monthly_report(server, finances):
    got = data(call(server, finances.tokens["read"], "spending_by_category",
                    {"date_from": "2026-10-01", "date_to": "2026-10-31"}))
    report = finances.api.get("/api/reports/monthly", params={"month": "2026-10"}).json()
    expected = [(c["category_id"], c["total"]) for c in report["by_category"] if c["kind"] == "expense"]
    assert [(c["category_id"], c["total"]) for c in got["categories"]] == expected
    assert [(c["name"], c["total"]) for c in got["categories"]] == [("Groceries", "127.65"), ("Dining", "17.60"),
                                                                    ("Other", "9.99")]
    assert got["total_expenses"] == report["total_expenses"] == "155.24"


def test_the_monthly_report_is_the_rest_report(server, finances):
    got = data(call(server, finances.tokens["read"], "monthly_report", {"month": "2026-10"}))
    assert got == finances.api.get("/api/reports/monthly", params={"month": "2026-10"}).json()
    assert (got["total_income"], got["total_expenses"], got["net_savings"]) == ("2500.00", "155.24", "2344.76")


def test_budget_status_matches_the_budgets_route(server, finances):
    got = data(call(server, finances.tokens["read"], "budget_status", {"month": "2026-10"}))
    budget = finances.api.get("/api/budgets", params={"month": "2026-10"}).json()["items"][0]
    line = got["budgets"][0]
    assert (line["budgeted"], line["actual"], line["remaining"]) == (budget["amount"], budget["spent"],
                                                                     budget["remaining"])
    assert (line["actual"], line["remaining"], line["over_budget"]) == ("127.65", "-27.65", True)
    assert got["over_budget_count"] == 1


def test_goal_progress_matches_the_goals_route(server, finances):
    everything = data(call(server, finances.tokens["read"], "goal_progress"))
    one = data(call(server, finances.tokens["read"], "goal_progress", {"goal_id": finances.ids["goal"]}))
    rest = finances.api.get("/api/goals").json()["items"]
    assert everything["goals"] == one["goals"] == rest
    assert (rest[0]["current_savings"], rest[0]["progress"], rest[0]["remaining"]) == ("150.00", "0.0750", "1850.00")


def test_net_worth_adds_accounts_and_investments_less_card_debt(server, finances):
    got = data(call(server, finances.tokens["read"], "net_worth"))
    valuation = finances.api.get(f"/api/portfolios/{finances.ids['portfolio']}/valuation").json()
    accounts = sum(Decimal(a["balance"]) for a in finances.api.get("/api/accounts").json()["items"])
    cards = sum(Decimal(c["balance"]) for c in finances.api.get("/api/credit-cards").json()["items"])
    assert Decimal(got["total"]) == accounts + Decimal(valuation["totals"]["market_value"]) - cards
    assert (got["accounts"], got["investments"], got["credit_cards"], got["total"]) == (
        "3640.01", "1125.00", "45.25", "4719.76")
    assert {(i["kind"], i["balance"]) for i in got["items"]} == {
        ("account", "3090.01"), ("account", "550.00"), ("portfolio", "1125.00"), ("credit_card", "45.25")}


def test_portfolio_performance_is_the_rest_performance(server, finances):
    pid = finances.ids["portfolio"]
    query = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    got = data(call(server, finances.tokens["read"], "portfolio_performance", {"portfolio_id": pid, **query}))
    assert got == finances.api.get(f"/api/portfolios/{pid}/performance", params=query).json()
    assert (got["start_value"], got["end_value"], got["net_contributions"], got["unrealized_gain"], got["twr"],
            got["currency"]) == ("0.00", "1125.00", "1000.00", "125.00", "12.50", "USD")
    assert got["xirr"] is not None and Decimal(got["xirr"]) > Decimal("12.50")  # 12.5% in under a year
    everything = data(call(server, finances.tokens["read"], "portfolio_performance", query))
    mine = {k: v for k, v in got.items() if k not in ("portfolio_id", "asset_id")}
    assert everything["total"] == mine
    assert everything["portfolios"] == [{"portfolio_id": pid, "name": "Long term", **mine}]
    wrong = call(server, finances.tokens["read"], "portfolio_performance",
                 {"portfolio_id": pid, "date_from": "2026-12-31", "date_to": "2026-01-01"})
    assert wrong.isError is True and "date_to" in wrong.content[0].text


def test_forecast_is_the_rest_forecast(server, finances):
    got = data(call(server, finances.tokens["read"], "forecast", {"days": 40}))
    assert got == finances.api.get("/api/forecast", params={"days": "40"}).json()
    rents = [(i["name"], i["amount"], i["account_id"], i["recurring_id"]) for i in got["items"]]
    assert rents == [("Rent", "800.00", finances.ids["checking"], finances.ids["rent"])] * 2
    assert got["items"][0]["date"] == finances.ids["rent_due"]
    checking = next(a for a in got["accounts"] if a["account_id"] == finances.ids["checking"])
    assert (checking["balance"], checking["projected"], checking["lowest"], checking["lowest_date"]) == (
        "3090.01", "1490.01", "1490.01", got["items"][1]["date"])
    too_far = call(server, finances.tokens["read"], "forecast", {"days": 367})
    assert too_far.isError is True and "days" in too_far.content[0].text


def test_a_bad_argument_is_a_tool_error_not_a_protocol_error(server, finances):
    result = call(server, finances.tokens["read"], "monthly_report", {"month": "2026-13"})
    assert result.isError is True
    assert "month" in result.content[0].text
    result = call(server, finances.tokens["read"], "search_transactions", {"page_size": 1000, "colour": "red"})
    assert result.isError is True and "page_size" in result.content[0].text and "colour" in result.content[0].text


def test_injected_instructions_in_a_description_come_back_as_data(server, finances):
    got = data(call(server, finances.tokens["write"], "search_transactions", {"q": "ignore all previous"}))
    assert [t["description"] for t in got["items"]] == [INJECTION]
    assert finances.api.get("/api/transactions").json()["total"] == 6  # nothing was recorded because of it


def test_recording_with_dry_run_then_for_real_then_retrying(server, finances):
    token, api = finances.tokens["write"], finances.api
    arguments = {"type": "expense", "amount": "12.50", "date": "2026-11-02", "description": "coffee beans",
                 "category_id": finances.ids["groceries"], "account_id": finances.ids["checking"]}
    before = api.get("/api/transactions").json()["total"]
    dry = data(call(server, token, "record_transaction", {**arguments, "dry_run": True}))
    assert dry["written"] is False and dry["transaction"]["amount"] == "12.50" and "id" not in dry["transaction"]
    assert api.get("/api/transactions").json()["total"] == before
    keyed = {**arguments, "idempotency_key": "8d4b3c1e-retry-me"}
    first = data(call(server, token, "record_transaction", keyed))
    again = data(call(server, token, "record_transaction", keyed))
    assert again["transaction"] == first["transaction"] and again["replayed"] is True
    assert api.get("/api/transactions").json()["total"] == before + 1
    stored = api.get(f"/api/transactions/{first['transaction']['id']}").json()
    assert stored == first["transaction"]
    balance = next(a for a in api.get("/api/accounts").json()["items"] if a["name"] == "Checking")["balance"]
    assert balance == "3077.51"  # 3090.01 − 12.50
    other = call(server, token, "record_transaction", {**keyed, "amount": "13.00"})
    assert other.isError is True and "idempotency_key" in other.content[0].text
    assert api.delete(f"/api/transactions/{first['transaction']['id']}").status == 204


def test_categorising_moves_a_transaction_and_refuses_the_wrong_kind(server, finances):
    token, api = finances.tokens["write"], finances.api
    lunch = finances.ids["transactions"][2]
    moved = data(call(server, token, "categorize_transaction",
                      {"transaction_id": lunch, "category_id": finances.ids["shopping"]}))
    assert moved["transaction"]["category_id"] == finances.ids["shopping"]
    assert api.get(f"/api/transactions/{lunch}").json()["category_id"] == finances.ids["shopping"]
    wrong = call(server, token, "categorize_transaction",
                 {"transaction_id": lunch, "category_id": finances.ids["salary"]})
    assert wrong.isError is True and "category_id" in wrong.content[0].text
    data(call(server, token, "categorize_transaction",
              {"transaction_id": lunch, "category_id": finances.ids["dining"]}))
    assert api.get(f"/api/transactions/{lunch}").json()["category_id"] == finances.ids["dining"]
