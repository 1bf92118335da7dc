"""Routes of /api/fx-rates (the caller's own exchange rates over the shared reference rates) and the
daily timer that stores the ECB's euro reference rates (rules in shared/services/fx_rates.py)."""
from __future__ import annotations

import logging

import azure.functions as func

from shared.data.config import get_settings
from shared.schemas import fx as s
from shared.services import fx_rates
from shared.web.auth import authenticated
from shared.web.http import Context, Reply, page_of
from shared.web.routes import ListOf

log = logging.getLogger("finance.fx")


@authenticated(query=s.FxRateQuery, response=ListOf(s.FxRateOut))
def list_fx_rates(ctx: Context):
    """The exchange rates you see, newest first: your own and the shared reference rates (the ECB's
    euro rates); on a date where you stored the same pair, only yours is listed (`source: own`)."""
    items, total = fx_rates.list_rates(ctx.session, ctx.user, ctx.params)
    return page_of([s.FxRateOut.model_validate(i).model_dump(mode="json") for i in items], ctx.params.page,
                   ctx.params.page_size, total)


@authenticated(body=s.FxRateIn, body_is_list=s.FxRateIn, response=s.FxRateAnswer, status=201)
def add_fx_rates(ctx: Context):
    """Store a rate `{"date", "base", "quote", "rate"}` (1 base = rate quote; 201, the rate), or a
    JSON array of up to 1,000 (201, `{"items", "count"}`). One rate per date and pair: a rate for a
    date and pair you already have replaces it. Your rates win over the reference rate of the same
    pair and date, for you only; every report uses them at once. An array naming the same date and
    pair twice is refused (422)."""
    if isinstance(ctx.data, list):
        items = [s.FxRateOut.model_validate(i) for i in fx_rates.put_rates(ctx.session, ctx.user, ctx.data)]
        return Reply(s.FxRateBatchOut(items=items, count=len(items)), 201)
    return s.FxRateOut.model_validate(fx_rates.put_rates(ctx.session, ctx.user, [ctx.data])[0])


def fx_rates_timer(timer: func.TimerRequest) -> None:
    """Fetch and store the euro reference rates from FX_RATES_URL (nothing when it is not set).
    A failure leaves the stored rates as they were; the next run tries again."""
    url = get_settings().fx_rates_url
    if not url:
        log.info("FX_RATES_URL is not set: no reference rates fetched")
        return
    try:
        result = fx_rates.fetch_reference_rates(url)
    except fx_rates.FetchFailed as exc:
        log.error("reference rates not updated: %s", exc)
        return
    log.info("reference rates: %d for %d day(s), %s to %s", result.rates, result.days, result.first, result.last)
