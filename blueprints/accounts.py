"""Routes of /api/accounts: list, create, get, patch, delete (rules in shared/money.py)."""
import azure.functions as func

from shared.services.money import Accounts
from shared.web.routes import add_routes

bp = func.Blueprint()
add_routes(bp, Accounts(), "accounts", conflicts=True)
