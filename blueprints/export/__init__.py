"""GET /api/export: all of the caller's data as a zip (one CSV per resource and data.json)."""
from shared.web.deferred import Handlers

export = Handlers("blueprints.export.handlers")
export.route("GET", "export", "export_data")

bp = export.bp
