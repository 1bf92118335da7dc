"""The functions serving /api/credit-cards: list, create, get, patch,
delete (routes in __init__.py; rules in shared/services/money.py)."""
from shared.services.money import CreditCards
from shared.web.routes import resource_handlers

handlers = resource_handlers(CreditCards(), "credit-cards")
