"""/api/credit-cards: list, create, get, patch, delete (rules in shared/services/money.py)."""
from shared.web.deferred import Handlers

credit_cards = Handlers("blueprints.credit_cards.handlers")
credit_cards.resource("credit-cards")

bp = credit_cards.bp
