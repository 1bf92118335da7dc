"""Routes of /api/income-sources: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.web.routes import add_routes
from shared.services.money import IncomeSources

bp = func.Blueprint()
add_routes(bp, IncomeSources(), "income-sources")
