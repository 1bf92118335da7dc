"""Routes of /api/categories: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.crud import add_routes
from shared.money import Categories

bp = func.Blueprint()
add_routes(bp, Categories())
