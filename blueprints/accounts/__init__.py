"""/api/accounts: list, create, get, patch, delete (rules in shared/services/money.py)."""
from shared.web.deferred import Handlers

accounts = Handlers("blueprints.accounts.handlers")
accounts.resource("accounts")

bp = accounts.bp
