"""The functions serving /api/accounts: list, create, get, patch,
delete (routes in __init__.py; rules in shared/services/money.py)."""
from shared.services.money import Accounts
from shared.web.routes import resource_handlers

handlers = resource_handlers(Accounts(), "accounts", conflicts=True)
