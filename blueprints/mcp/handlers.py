"""POST /api/mcp: the Model Context Protocol server for AI agents (Streamable HTTP transport, stateless,
JSON answers). The protocol lives in shared/services/mcp/; this edge does only HTTP: the bearer token
(a login's access token or a personal access token, like every route), the Origin, Accept and
Content-Type checks the transport asks for, and the status of the answer.

GET (the transport's optional server-to-client SSE stream) and DELETE (ending a session) answer 405:
this server offers no stream and keeps no session, as the spec allows."""
from __future__ import annotations

from urllib.parse import urlsplit

import azure.functions as func

from shared.errors import Forbidden, Invalid, Malformed
from shared.services import mcp
from shared.web.auth import READ, authenticated, granted_scopes
from shared.web.http import Context, json_bytes, problem_response
from shared.web.openapi import Raw, problem_doc

_JSON_RPC = {"type": ["object", "array"], "description": "a JSON-RPC 2.0 message (or, under protocol revision "
                                                         "2025-03-26 only, a batch of them)"}
NOT_ACCEPTABLE = "This server answers application/json; accept it."
NOT_JSON = "Send the JSON-RPC message as application/json."
NO_STREAM_DETAIL = "This MCP server offers no SSE stream and keeps no session; send JSON-RPC messages with POST."
RESPONSES = {
    "200": {"description": "The JSON-RPC response (an array of them for a batch).",
            "content": {"application/json": {"schema": _JSON_RPC}}},
    "202": {"description": "Accepted: the body held only notifications or responses; no body."},
    "400": {"description": "Not JSON (-32700), not a valid JSON-RPC message (-32600), a batch under a revision "
                           "without batches, or an unsupported MCP-Protocol-Version header.",
            "content": {"application/json": {"schema": _JSON_RPC, "example": mcp.parse_error(
                "Expecting value: line 1 column 1 (char 0)").body}}},
    "406": problem_doc(406, "The Accept header allows neither application/json nor any type.", NOT_ACCEPTABLE),
    "415": problem_doc(415, "A Content-Type other than application/json.", NOT_JSON),
}
NO_STREAM = {"405": problem_doc(405, "This server offers no SSE stream and keeps no session (stateless); use POST.",
                                NO_STREAM_DETAIL, headers={"Allow": {"schema": {"type": "string"}}})}


def _accepts_json(accept: str) -> bool:
    types = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    return bool(types & {"application/json", "application/*", "*/*"})


def _check_transport(req: func.HttpRequest) -> func.HttpResponse | None:
    origin = req.headers.get("origin")
    if origin and urlsplit(origin).netloc.lower() != urlsplit(req.url or "").netloc.lower():
        # The transport's guard against DNS rebinding: a browser page of another origin is refused.
        raise Forbidden("Requests from another web origin are refused; call the MCP endpoint from an MCP client.")
    accept = req.headers.get("accept")
    if accept and not _accepts_json(accept):
        return problem_response(406, NOT_ACCEPTABLE)
    content_type = (req.headers.get("content-type") or "application/json").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return problem_response(415, NOT_JSON)
    return None


@authenticated(scope=READ, response=Raw({"application/json": _JSON_RPC}), extra_statuses=(413,))
def mcp_endpoint(ctx: Context) -> func.HttpResponse:
    """Model Context Protocol server (Streamable HTTP, stateless, JSON answers) for AI agents.

    Protocol revisions 2025-11-25, 2025-06-18 and 2025-03-26. Tools: get_balances, search_transactions,
    spending_by_category, monthly_report, budget_status, goal_progress, net_worth, portfolio_performance,
    forecast; with the write scope also record_transaction (dry_run, idempotency_key) and
    categorize_transaction. A read-only token's tools/list shows no write tool. A tool's refusal is a result
    with isError: true; an unknown tool is JSON-RPC error -32602, an unknown method -32601."""
    refused = _check_transport(ctx.req)
    if refused is not None:
        return refused
    try:
        payload = ctx.json()
    except Malformed as exc:
        outcome = mcp.parse_error(exc.detail)
    except Invalid as exc:  # a NUL character anywhere: no text column could store it
        outcome = mcp.invalid_request(exc.detail)
    else:
        outcome = mcp.handle(ctx.session, ctx.user, granted_scopes(ctx.user), payload,
                             ctx.req.headers.get("mcp-protocol-version"))
    if outcome.body is None:
        return func.HttpResponse(status_code=202)
    return func.HttpResponse(json_bytes(outcome.body), status_code=outcome.status, mimetype="application/json",
                             charset="utf-8")


mcp_endpoint.openapi_responses = RESPONSES  # read by shared/web/openapi.py


def _no_stream(ctx: Context) -> func.HttpResponse:
    return problem_response(405, NO_STREAM_DETAIL, headers={"Allow": "POST"})


@authenticated(scope=READ, status=405)
def mcp_stream(ctx: Context) -> func.HttpResponse:
    """No SSE stream: 405 (the MCP transport's answer for a server that offers none)."""
    return _no_stream(ctx)


@authenticated(scope=READ, status=405)
def mcp_end_session(ctx: Context) -> func.HttpResponse:
    """No session to end (the server is stateless): 405, as the MCP transport allows."""
    return _no_stream(ctx)


mcp_stream.openapi_responses = mcp_end_session.openapi_responses = NO_STREAM
