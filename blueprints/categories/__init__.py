"""/api/categories: list, create, get, patch, delete (rules in shared/services/money.py)."""
from shared.web.deferred import Handlers

categories = Handlers("blueprints.categories.handlers")
categories.resource("categories")

bp = categories.bp
