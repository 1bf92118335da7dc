"""The assets of a portfolio (/api/portfolios/{id}/assets, /api/assets/{id}) and each asset's
price history (/api/assets/{id}/prices)."""
from shared.web.deferred import Handlers

assets = Handlers("blueprints.assets.handlers")
assets.resource("assets", collection=False)
assets.route("GET", "portfolios/{id:int}/assets", "list_assets")
assets.route("POST", "portfolios/{id:int}/assets", "create_asset")
assets.route("GET", "assets/{id:int}/prices", "list_asset_prices")
assets.route("POST", "assets/{id:int}/prices", "add_asset_prices")

bp = assets.bp
