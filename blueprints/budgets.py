"""Routes of /api/budgets: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.crud import add_routes
from shared.money import Budgets

bp = func.Blueprint()
add_routes(bp, Budgets())
