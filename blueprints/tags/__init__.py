"""GET /api/tags: the caller's tags, with how many transactions carry each and their total."""
from shared.web.deferred import Handlers

tags = Handlers("blueprints.tags.handlers")
tags.route("GET", "tags", "list_tags")

bp = tags.bp
