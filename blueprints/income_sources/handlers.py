"""The functions serving /api/income-sources: list, create, get, patch,
delete (routes in __init__.py; rules in shared/services/money.py)."""
from shared.services.money import IncomeSources
from shared.web.routes import resource_handlers

handlers = resource_handlers(IncomeSources(), "income-sources")
