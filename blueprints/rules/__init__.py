"""/api/rules: list, create, get, patch, delete, and /api/rules/{id}/run."""
from shared.web.deferred import Handlers

rules = Handlers("blueprints.rules.handlers")
rules.resource("rules")
rules.route("POST", "rules/{id:int}/run", "run_rule")

bp = rules.bp
