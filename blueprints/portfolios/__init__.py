"""/api/portfolios: list, create, get, patch, delete, and what a portfolio is worth."""
from shared.web.deferred import Handlers

portfolios = Handlers("blueprints.portfolios.handlers")
portfolios.resource("portfolios")
portfolios.route("GET", "portfolios/{id:int}/valuation", "portfolio_valuation")
portfolios.route("GET", "portfolios/{id:int}/history", "portfolio_history")

bp = portfolios.bp
