"""The functions serving /api/transactions: list, create, get, patch,
delete (routes in __init__.py; rules in shared/services/transactions.py)."""
from shared.services.transactions import Transactions
from shared.web.routes import resource_handlers

handlers = resource_handlers(Transactions(), "transactions")
