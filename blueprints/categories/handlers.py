"""The functions serving /api/categories: list, create, get, patch,
delete (routes in __init__.py; rules in shared/services/money.py)."""
from shared.services.money import Categories
from shared.web.routes import resource_handlers

handlers = resource_handlers(Categories(), "categories", conflicts=True)
