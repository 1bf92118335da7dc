"""The functions serving /api/budgets: list, create, get, patch,
delete (routes in __init__.py; rules in shared/services/money.py)."""
from shared.services.money import Budgets
from shared.web.routes import resource_handlers

handlers = resource_handlers(Budgets(), "budgets", conflicts=True)
