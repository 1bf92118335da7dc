"""/api/transactions: list, create, get, patch, delete (rules in shared/services/transactions.py)."""
from shared.web.deferred import Handlers

transactions = Handlers("blueprints.transactions.handlers")
transactions.resource("transactions")

bp = transactions.bp
