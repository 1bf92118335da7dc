"""Routes of /api/transactions: list, create, get, patch, delete (rules in shared/transactions.py)."""
import azure.functions as func

from shared.services.transactions import Transactions
from shared.web.routes import add_routes

bp = func.Blueprint()
add_routes(bp, Transactions(), "transactions")
