"""The MCP endpoint as raw JSON-RPC over HTTP (the in-process client): the transport rules of the
Streamable HTTP spec (202 for notifications, 405 for GET, batches only in 2025-03-26, the
MCP-Protocol-Version header, Origin/Accept/Content-Type), and JSON-RPC's error codes."""
from __future__ import annotations

import pytest

from shared.services.mcp import LATEST_VERSION
from tests.conftest import Client, assert_problem

INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}


def rpc(api: Client, body, **headers):
    return api.post("/api/mcp", json=body, headers=headers or None)


def request(method: str, params=None, request_id=1) -> dict:
    message = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


@pytest.mark.parametrize("requested,answered", [
    ("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"),
    ("2024-11-05", LATEST_VERSION), ("2099-01-01", LATEST_VERSION),
])
def test_initialize_answers_the_requested_revision_or_the_latest(api, requested, answered):
    response = rpc(api, request("initialize", {**INIT, "protocolVersion": requested}))
    assert response.status == 200 and response.content_type.startswith("application/json")
    result = response.json()["result"]
    assert result["protocolVersion"] == answered
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert response.header("mcp-session-id") == ""  # stateless: no session


def test_initialize_without_a_version_is_invalid_params(api):
    assert rpc(api, request("initialize", {"capabilities": {}})).json()["error"]["code"] == -32602


@pytest.mark.parametrize("message", [
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}},
    {"jsonrpc": "2.0", "id": 7, "result": {}},  # a client's response to a server request
])
def test_notifications_and_responses_are_accepted_with_202_and_no_body(api, message):
    response = rpc(api, message)
    assert response.status == 202 and response.body == b""


def test_an_unknown_method_is_32601_with_the_request_id(api):
    response = rpc(api, request("resources/list", request_id="abc"))
    assert response.status == 200
    assert response.json() == {"jsonrpc": "2.0", "id": "abc",
                               "error": {"code": -32601, "message": "Method not found: resources/list"}}


def test_an_unknown_tool_is_32602(api):
    body = rpc(api, request("tools/call", {"name": "transfer_everything", "arguments": {}})).json()
    assert body["error"]["code"] == -32602 and "transfer_everything" in body["error"]["message"]


def test_ping_answers_an_empty_result(api):
    assert rpc(api, request("ping", request_id=0)).json() == {"jsonrpc": "2.0", "id": 0, "result": {}}


def test_a_batch_under_2025_03_26_answers_each_request_and_skips_notifications(api):
    batch = [request("ping", request_id=1), {"jsonrpc": "2.0", "method": "notifications/initialized"},
             request("nope", request_id=2), {"jsonrpc": "2.0", "id": 3}]
    for headers in ({}, {"MCP-Protocol-Version": "2025-03-26"}):
        response = rpc(api, batch, **headers)
        assert response.status == 200
        assert response.json() == [
            {"jsonrpc": "2.0", "id": 1, "result": {}},
            {"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "Method not found: nope"}},
            {"jsonrpc": "2.0", "id": 3, "error": {"code": -32600, "message": 'Invalid request: "method" must be '
                                                                                 'a string.'}},
        ]


def test_a_batch_of_notifications_only_is_202(api):
    response = rpc(api, [{"jsonrpc": "2.0", "method": "notifications/initialized"}])
    assert response.status == 202 and response.body == b""


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_batches_are_refused_under_the_revisions_that_removed_them(api, version):
    response = rpc(api, [request("ping")], **{"MCP-Protocol-Version": version})
    assert response.status == 400
    assert response.json()["error"]["code"] == -32600 and response.json()["id"] is None


def test_an_empty_batch_is_an_invalid_request(api):
    response = rpc(api, [])
    assert response.status == 400 and response.json()["error"]["code"] == -32600


def test_an_unsupported_protocol_version_header_is_400(api):
    response = rpc(api, request("ping"), **{"MCP-Protocol-Version": "1999-01-01"})
    assert response.status == 400 and response.json()["error"]["code"] == -32600


def test_a_body_that_is_not_json_is_a_parse_error(api):
    response = api.post("/api/mcp", data=b'{"jsonrpc": "2.0", ', headers={"content-type": "application/json"})
    assert response.status == 400
    assert response.json()["error"]["code"] == -32700 and response.json()["id"] is None


@pytest.mark.parametrize("message", [
    {"id": 1, "method": "ping"},
    {"jsonrpc": "1.0", "id": 1, "method": "ping"},
    {"jsonrpc": "2.0", "id": True, "method": "ping"},
    {"jsonrpc": "2.0", "id": None, "method": "ping"},
    {"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"},
    {"jsonrpc": "2.0", "id": 1, "method": 42},
    "ping",
    17,
])
def test_a_message_that_is_not_json_rpc_is_an_invalid_request(api, message):
    response = rpc(api, message)
    assert response.status == 400, response
    assert response.json()["error"]["code"] == -32600


def test_params_that_are_not_an_object_are_invalid_params(api):
    body = rpc(api, request("tools/list", params=[1, 2])).json()
    assert body["error"]["code"] == -32602 and body["id"] == 1


@pytest.mark.parametrize("arguments", [[1], "month=2026-10", 5, True])
def test_arguments_that_are_not_an_object_are_a_tool_error(api, arguments):
    body = rpc(api, request("tools/call", {"name": "monthly_report", "arguments": arguments})).json()
    assert body["result"]["isError"] is True


@pytest.mark.parametrize("arguments", [
    {"month": ["2026-10"]}, {"month": 202610}, {"month": "2026-10", "extra": 1}, {"month": "'; DROP TABLE users; --"},
    {"month": "2026-10-01"}, {"month": "2026-00"},
])
def test_hostile_arguments_are_tool_errors_never_a_500(api, arguments):
    response = rpc(api, request("tools/call", {"name": "monthly_report", "arguments": arguments}))
    assert response.status == 200, response
    assert response.json()["result"]["isError"] is True


def test_a_left_out_month_is_the_current_month_like_the_rest_route(api):
    import datetime as dt

    result = rpc(api, request("tools/call", {"name": "monthly_report", "arguments": {}})).json()["result"]
    assert result["isError"] is False
    assert result["structuredContent"]["month"] == dt.datetime.now(dt.timezone.utc).strftime("%Y-%m")
    assert result["structuredContent"] == api.get("/api/reports/monthly").json()


def test_a_nul_character_anywhere_is_an_invalid_request(api):
    response = rpc(api, request("tools/call", {"name": "monthly_report", "arguments": {"month": "2026\u000010"}}))
    assert response.status == 400 and response.json()["error"]["code"] == -32600


def test_a_write_tool_refusal_writes_nothing(api):
    body = rpc(api, request("tools/call", {"name": "record_transaction", "arguments": {
        "type": "transfer", "amount": "10", "date": "2026-10-01", "account_id": 2147483000}})).json()
    assert body["result"]["isError"] is True and "account_id" in body["result"]["content"][0]["text"]
    assert api.get("/api/transactions").json()["total"] == 0


def test_without_a_token_the_endpoint_is_401_with_www_authenticate(anon):
    response = rpc(anon, request("initialize", INIT))
    assert_problem(response, 401)
    assert response.header("WWW-Authenticate").startswith("Bearer")


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_are_405_for_a_server_without_a_stream_or_session(api, anon, method):
    response = api.request(method, "/api/mcp")
    assert_problem(response, 405)
    assert response.header("Allow") == "POST"
    assert_problem(anon.request(method, "/api/mcp"), 401)


def test_a_request_from_another_web_origin_is_403(api):
    assert_problem(rpc(api, request("ping"), Origin="https://evil.example"), 403)
    assert rpc(api, request("ping"), Origin="http://localhost:7071").status == 200


def test_accept_and_content_type_are_checked(api):
    assert_problem(rpc(api, request("ping"), Accept="text/html"), 406)
    assert rpc(api, request("ping"), Accept="application/json, text/event-stream").status == 200
    response = api.post("/api/mcp", data=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
                        headers={"content-type": "text/plain"})
    assert_problem(response, 415)
