"""/api/budgets: list, create, get, patch, delete (rules in shared/services/money.py)."""
from shared.web.deferred import Handlers

budgets = Handlers("blueprints.budgets.handlers")
budgets.resource("budgets")

bp = budgets.bp
