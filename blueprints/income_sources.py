"""Routes of /api/income-sources: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.services.money import IncomeSources
from shared.web.routes import add_routes

bp = func.Blueprint()
add_routes(bp, IncomeSources(), "income-sources")
