"""An asset's trades (/api/assets/{id}/trades, /api/trades/{id}) and performance
(/api/portfolios/{id}/performance, /api/assets/{id}/performance)."""
from shared.web.deferred import Handlers

trades = Handlers("blueprints.trades.handlers")
trades.route("GET", "assets/{id:int}/trades", "list_asset_trades")
trades.route("POST", "assets/{id:int}/trades", "create_asset_trade")
trades.route("GET", "trades/{id:int}", "get_trade")
trades.route("DELETE", "trades/{id:int}", "delete_trade")
trades.route("GET", "portfolios/{id:int}/performance", "portfolio_performance_route")
trades.route("GET", "assets/{id:int}/performance", "asset_performance_route")

bp = trades.bp
