"""/api/income-sources: list, create, get, patch, delete (rules in shared/services/money.py)."""
from shared.web.deferred import Handlers

income_sources = Handlers("blueprints.income_sources.handlers")
income_sources.resource("income-sources")

bp = income_sources.bp
