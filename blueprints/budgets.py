"""Routes of /api/budgets: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.web.routes import add_routes
from shared.services.money import Budgets

bp = func.Blueprint()
add_routes(bp, Budgets(), "budgets", conflicts=True)
