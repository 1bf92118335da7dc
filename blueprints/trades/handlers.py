"""Routes of an asset's trades (/api/assets/{id}/trades, /api/trades/{id}) and of performance
(/api/portfolios/{id}/performance, /api/assets/{id}/performance). Rules in shared/services/trades.py,
shared/services/positions.py and shared/services/performance.py."""

from shared.schemas.investments import PerformanceOut, PerformanceQuery, TradeIn, TradeOut, TradeQuery
from shared.services.investments import Assets, today
from shared.services.performance import asset_performance, portfolio_performance
from shared.services.trades import Trades
from shared.web.auth import authenticated
from shared.web.http import Context, page_of
from shared.web.routes import ListOf

trades = Trades(Assets())


def _described(text: str):
    """Set a handler's docstring (the OpenAPI description) from text shared by several routes."""
    def mark(fn):
        fn.__doc__ = text
        return fn
    return mark

_TRADES = """Types and the fields each takes: `buy` and `sell`: quantity, price, fee? (cash: quantity × price
± fee, as `amount` in the answer); `dividend` and `fee`: amount; `split`: quantity = the ratio (2 for 2:1).
Any other field is a 422 naming it. The asset's first buy is its first trade (`initial: true`). Selling
more than is held on the day, or any trade before the first buy, is a 422 and records nothing. Trades
of a day apply after that day's first buy, then in the order recorded."""

_PERFORMANCE = """Over [date_from, date_to] (defaults: the 12 months up to today, UTC): start_value (the close
of the day before date_from), end_value, net_contributions (buys' cost − sells' proceeds), dividends (cash
returned to the investor), fees (fee trades; a trade's own fee is in its cost or proceeds), realized_gain
(average cost) and unrealized_gain (its change over the range), so that end_value − start_value =
net_contributions + realized_gain + unrealized_gain. `twr`: time-weighted return, sub-periods cut at every
day with a trade, each valued at the latest price on or before it (flows at the close of their day);
null when nothing was held. `xirr`: annualised money-weighted return (ACT/365) of the investor's flows
and the end value; null when it does not converge. Both are percentages ("20.00" is 20%). Amounts are in
the assets' own figures (the user's currency once assets carry one)."""


@authenticated(query=TradeQuery, response=ListOf(TradeOut))
def list_asset_trades(ctx: Context):
    """An asset's trades, its first buy included (date_from and date_to inclusive; newest first unless
    sort=date)."""
    rows, total = trades.list(ctx.session, ctx.user, ctx.route_int(), ctx.params)
    items = [TradeOut.model_validate(r).model_dump(mode="json") for r in rows]
    return page_of(items, ctx.params.page, ctx.params.page_size, total)


@authenticated(body=TradeIn, response=TradeOut, status=201)
@_described("Record a trade of one of your assets. " + _TRADES)
def create_asset_trade(ctx: Context) -> TradeOut:
    return TradeOut.model_validate(trades.create(ctx.session, ctx.user, ctx.route_int(), ctx.data))


@authenticated(response=TradeOut)
def get_trade(ctx: Context) -> TradeOut:
    """One of your trades."""
    return TradeOut.model_validate(trades.get(ctx.session, ctx.user, ctx.route_int()))


@authenticated(status=204, extra_statuses=(422,))
def delete_trade(ctx: Context):
    """Delete a trade: the asset's figures are replayed without it. Refused (422) when the rest of the
    history would be impossible without it (a later sell would exceed what is held), and for the
    asset's first buy (change that with PATCH /api/assets/{id}, or delete the asset)."""
    trades.delete(ctx.session, ctx.user, ctx.route_int())
    return None





@authenticated(query=PerformanceQuery, response=PerformanceOut)
@_described("How one of your portfolios performed. " + _PERFORMANCE)
def portfolio_performance_route(ctx: Context) -> PerformanceOut:
    return portfolio_performance(ctx.session, ctx.user, ctx.route_int(), ctx.params, today())


@authenticated(query=PerformanceQuery, response=PerformanceOut)
@_described("How one of your assets performed. " + _PERFORMANCE)
def asset_performance_route(ctx: Context) -> PerformanceOut:
    return asset_performance(ctx.session, ctx.user, ctx.route_int(), ctx.params, today())

