"""Routes of /api/credit-cards: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.services.money import CreditCards
from shared.web.routes import add_routes

bp = func.Blueprint()
add_routes(bp, CreditCards(), "credit-cards")
