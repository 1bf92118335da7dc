"""Routes of /api/recurring (schedules, and suggestions found in history), GET /api/forecast, and the
recurring timer that posts due occurrences (shared/services/recurring.py, posting.py, forecast.py,
suggestions.py)."""
from __future__ import annotations

import logging

import azure.functions as func

from shared.schemas import recurring as s
from shared.services import posting
from shared.services.recurring import RecurringSchedules
from shared.web.auth import authenticated
from shared.web.http import Context, page_of
from shared.web.routes import ListOf, resource_handlers

log = logging.getLogger("finance.recurring")
handlers = resource_handlers(RecurringSchedules(), "recurring")


@authenticated(query=s.SuggestionQuery, response=ListOf(s.SuggestionOut))
def recurring_suggestions(ctx: Context):
    """Repeating payments found in your recent history that no schedule covers yet: POST one's fields
    (without `occurrences` and `next_date`) to /api/recurring to schedule it.

    At most 50 series, by next date, found in your most recent 2,000 transactions of the last three years and a
    month: one payee (or description) and type, 3+ payments within 10% of their median amount, 6-8, 26-35 or
    355-376 days apart, still going; none posted by a schedule or named like one of your schedules."""
    from shared.services.suggestions import suggestions

    found = suggestions(ctx.session, ctx.user)
    page, size = ctx.params.page, ctx.params.page_size
    shown = found[(page - 1) * size:page * size]
    return page_of([s.SuggestionOut.model_validate(i).model_dump(mode="json") for i in shown], page, size, len(found))


@authenticated(query=s.ForecastQuery, response=s.ForecastOut)
def get_forecast(ctx: Context) -> s.ForecastOut:
    """Every expected occurrence of your schedules and income sources from today through today + `days`,
    and per account and card: today's balance, the projected balance at the end, and its lowest point."""
    from shared.services.forecast import forecast

    return s.ForecastOut.model_validate(forecast(ctx.session, ctx.user, ctx.params.days).as_dict())


def recurring_timer(timer: func.TimerRequest) -> None:
    """Post every due occurrence (catching up missed days); safe to run twice or on two instances."""
    run = posting.post_due()
    if getattr(timer, "past_due", False):
        log.info("recurring timer was past due; caught up to %s", run.day)
