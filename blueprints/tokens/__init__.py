"""/api/tokens: personal access tokens for scripts and AI agents."""
from shared.web.deferred import Handlers

tokens = Handlers("blueprints.tokens.handlers")
tokens.route("POST", "tokens", "create_token")
tokens.route("GET", "tokens", "list_tokens")
tokens.route("GET", "tokens/{id:int}", "get_token")
tokens.route("DELETE", "tokens/{id:int}", "delete_token")

bp = tokens.bp
