"""Routes of /api/portfolios: list, create, get, patch, delete, and what a portfolio is worth
(rules in shared/investments.py)."""

from shared.schemas.investments import HistoryOut, HistoryQuery, ValuationOut, ValuationQuery
from shared.services.investments import Portfolios, history, valuation
from shared.web.auth import authenticated
from shared.web.http import Context
from shared.web.routes import resource_handlers

handlers = resource_handlers(Portfolios(), "portfolios")


@authenticated(query=ValuationQuery, response=ValuationOut)
def portfolio_valuation(ctx: Context) -> ValuationOut:
    """The portfolio as of `date` (default today, UTC): each asset with the quantity it held that day
    (its trades up to it) at its latest price on or before that day (market_value = quantity × price,
    gain, return_pct), in the asset's own `currency`, and beside them `converted_market_value` (at the
    rate of the day) and `converted_amount_invested` (each buy at the rate of its day) in your currency.
    The totals are in your `currency` (the sum of the converted figures; net worth's `investments` counts
    the same figure). An asset whose currency has no rate at all is left out of the totals and named in
    `missing_rates`, never guessed. An asset with no price yet is valued at its amount invested
    (`priced: false`); assets purchased after the day are left out."""
    return valuation(ctx.session, ctx.user, ctx.route_int(), ctx.params.date)


@authenticated(query=HistoryQuery, response=HistoryOut)
def portfolio_history(ctx: Context) -> HistoryOut:
    """The portfolio's market value at the end of each day or month from date_from to date_to, every
    period present (the last one as of date_to): each asset's quantity held that day at its latest price,
    converted to your `currency` at the rate of that day, as the valuation's total. An asset whose
    currency has no rate at all is left out and named in `missing_rates`. Defaults: granularity=month,
    date_to=today (UTC), date_from 12 months (or 30 days) back but not before the portfolio's first
    activity (its creation or its first trade, the earlier). At most 3,660 days or 600 months per request."""
    return history(ctx.session, ctx.user, ctx.route_int(), ctx.params)
