"""Routes of /api/credit-cards: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.crud import add_routes
from shared.money import CreditCards

bp = func.Blueprint()
add_routes(bp, CreditCards())
