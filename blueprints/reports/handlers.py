"""Routes of /api/reports/*: the caller's own figures, computed on demand (shared/reports.py)."""
from __future__ import annotations

from shared.schemas import reports as s
from shared.services import report_ranges, reports
from shared.web.auth import authenticated
from shared.web.http import Context


def _range(ctx: Context) -> report_ranges.DateRange:
    """The dates asked for, with the contract's defaults for those left out."""
    p = ctx.params
    return report_ranges.resolve(ctx.session, ctx.user, p.date_from, p.date_to, max_months=p.max_months)


@authenticated(query=s.MonthlyQuery, response=s.MonthlyReportOut)
def monthly_report(ctx: Context) -> s.MonthlyReportOut:
    """Income, expenses, savings rate, totals per category and budget status for one month."""
    month = ctx.params.month or report_ranges.current_month()
    report = reports.monthly_report(ctx.session, ctx.user, month)
    return s.MonthlyReportOut.model_validate(report)


@authenticated(query=s.SummaryQuery, response=s.SummaryOut)
def summary_report(ctx: Context) -> s.SummaryOut:
    """Income, expenses, net and the number of transactions between two dates (inclusive)."""
    r = _range(ctx)
    t = reports.totals(ctx.session, ctx.user, r.start, r.end, tag=ctx.params.tag)
    return s.SummaryOut(date_from=r.start, date_to=r.end, currency=ctx.user.currency, total_income=t.income,
                        total_expenses=t.expenses, net_savings=t.net, transaction_count=t.count,
                        missing_rates=t.missing_rates)


@authenticated(query=s.TrendQuery, response=s.TrendOut)
def trend_report(ctx: Context) -> s.TrendOut:
    """Income, expenses and net per month, quarter or year; every period in the range is listed."""
    p, r = ctx.params, _range(ctx)
    items = reports.trend(ctx.session, ctx.user, p.granularity, r.start, r.end)
    return s.TrendOut(granularity=p.granularity, date_from=r.start, date_to=r.end, currency=ctx.user.currency,
                      items=[s.TrendItemOut.model_validate(i) for i in items], missing_rates=items.missing_rates)


@authenticated(query=s.PatternsQuery, response=s.SpendingPatternsOut)
def spending_patterns(ctx: Context) -> s.SpendingPatternsOut:
    """Top categories, month-over-month change per category, spending by weekday, unusual expenses."""
    r = _range(ctx)
    patterns = reports.spending_patterns(ctx.session, ctx.user, r.start, r.end, top=ctx.params.top)
    return s.SpendingPatternsOut.model_validate({**patterns.__dict__, "currency": ctx.user.currency})
