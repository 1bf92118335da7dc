"""Routes of /api/categories: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.services.money import Categories
from shared.web.routes import add_routes

bp = func.Blueprint()
add_routes(bp, Categories(), "categories", conflicts=True)
