"""A Model Context Protocol server (https://modelcontextprotocol.io) over the finance services: the
JSON-RPC messages of the Streamable HTTP transport, stateless, answered as JSON (never an SSE stream).

`handle` takes the parsed body of one POST and answers what the edge sends back: a status and a JSON
body, or 202 with none (notifications and responses). No session is kept between requests: every request
carries its bearer token, and `tools/list` / `tools/call` work with or without a prior `initialize`.

Protocol revisions: 2025-11-25 (the latest), 2025-06-18 and 2025-03-26. `initialize` answers the client's
requested revision when it is one of these, else the latest. JSON-RPC batches exist only in 2025-03-26:
they are accepted when the request's MCP-Protocol-Version header says 2025-03-26 (or is absent, which the
spec says to read as 2025-03-26) and refused (-32600) under the later revisions, which removed them.
"""
from shared.services.mcp.protocol import (
    LATEST_VERSION,
    SUPPORTED_VERSIONS,
    Outcome,
    handle,
    invalid_request,
    parse_error,
)

__all__ = ["LATEST_VERSION", "SUPPORTED_VERSIONS", "Outcome", "handle", "invalid_request", "parse_error"]
