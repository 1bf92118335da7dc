"""/api/mcp: the Model Context Protocol server for AI agents (POST, GET, DELETE)."""
from shared.web.deferred import Handlers

mcp = Handlers("blueprints.mcp.handlers")
mcp.route("POST", "mcp", "mcp_endpoint")
mcp.route("GET", "mcp", "mcp_stream")
mcp.route("DELETE", "mcp", "mcp_end_session")

bp = mcp.bp
