"""Routes of /api/net-worth: accounts + investments − card debt, in the caller's currency, on a day
and over time (rules in shared/services/net_worth.py)."""
from __future__ import annotations

from shared.schemas import fx as s
from shared.services import net_worth
from shared.web.auth import authenticated
from shared.web.http import Context


@authenticated(query=s.NetWorthQuery, response=s.NetWorthOut)
def get_net_worth(ctx: Context) -> s.NetWorthOut:
    """Your net worth on `date` (default today, UTC): every account's balance and every portfolio's
    market value (as the valuation endpoint values it) minus every card's debt, each balance as of that
    day and converted into your currency at that day's rate (`items`: per account, card and portfolio,
    in its own currency and converted). A currency with no rate at all is left out of the totals and
    named in `missing_rates`."""
    return net_worth.net_worth(ctx.session, ctx.user, ctx.params.date)


@authenticated(query=s.NetWorthHistoryQuery, response=s.NetWorthHistoryOut)
def get_net_worth_history(ctx: Context) -> s.NetWorthHistoryOut:
    """Your net worth at the end of each day or month from date_from to date_to, every period present
    (the last one as of date_to), computed exactly as GET /api/net-worth computes it for that day.
    Defaults: granularity=month, date_to=today (UTC), date_from 12 months (or 30 days) back but not
    before your first activity (registration, first transaction or first trade of an asset, the
    earliest; as reports do), so a newcomer's history has no empty months from before they had anything.
    At most 366 days or 600 months per request (422 beyond)."""
    return net_worth.history(ctx.session, ctx.user, ctx.params)
