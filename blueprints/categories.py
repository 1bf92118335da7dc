"""Routes of /api/categories: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.web.routes import add_routes
from shared.services.money import Categories

bp = func.Blueprint()
add_routes(bp, Categories(), "categories", conflicts=True)
