"""POST /api/chat: the finance assistant."""
from shared.web.deferred import Handlers

chat = Handlers("blueprints.chat.handlers")
chat.route("POST", "chat", "chat")

bp = chat.bp
