"""Routes of /api/transactions: list, create, get, patch, delete (rules in shared/transactions.py)."""
import azure.functions as func

from shared.crud import add_routes
from shared.transactions import Transactions

bp = func.Blueprint()
add_routes(bp, Transactions())
