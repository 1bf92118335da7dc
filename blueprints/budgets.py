"""Routes of /api/budgets: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.services.money import Budgets
from shared.web.routes import add_routes

bp = func.Blueprint()
add_routes(bp, Budgets(), "budgets", conflicts=True)
