"""Routes of /api/reports/*: the caller's own figures, computed on demand (shared/reports.py)."""
from __future__ import annotations

import azure.functions as func

from shared.services import reports
from shared.web.auth import authenticated
from shared.web.http import Context
from shared.schemas import reports as s

bp = func.Blueprint()


@bp.route(route="reports/monthly", methods=["GET"])
@authenticated(query=s.MonthlyQuery, response=s.MonthlyReportOut)
def monthly_report(ctx: Context) -> s.MonthlyReportOut:
    """Income, expenses, savings rate, totals per category and budget status for one month."""
    report = reports.monthly_report(ctx.session, ctx.user.id, ctx.params.month)
    return s.MonthlyReportOut.model_validate(report)


@bp.route(route="reports/summary", methods=["GET"])
@authenticated(query=s.SummaryQuery, response=s.SummaryOut)
def summary_report(ctx: Context) -> s.SummaryOut:
    """Income, expenses, net and the number of transactions between two dates (inclusive)."""
    p = ctx.params
    t = reports.totals(ctx.session, ctx.user.id, p.date_from, p.date_to)
    return s.SummaryOut(date_from=p.date_from, date_to=p.date_to, total_income=t.income,
                        total_expenses=t.expenses, net_savings=t.net, transaction_count=t.count)


@bp.route(route="reports/trend", methods=["GET"])
@authenticated(query=s.TrendQuery, response=s.TrendOut)
def trend_report(ctx: Context) -> s.TrendOut:
    """Income, expenses and net per month, quarter or year; every period in the range is listed."""
    p = ctx.params
    items = reports.trend(ctx.session, ctx.user.id, p.granularity, p.date_from, p.date_to)
    return s.TrendOut(granularity=p.granularity, date_from=p.date_from, date_to=p.date_to,
                      items=[s.TrendItemOut.model_validate(i) for i in items])


@bp.route(route="reports/spending-patterns", methods=["GET"])
@authenticated(query=s.PatternsQuery, response=s.SpendingPatternsOut)
def spending_patterns(ctx: Context) -> s.SpendingPatternsOut:
    """Top categories, month-over-month change per category, spending by weekday, unusual expenses."""
    p = ctx.params
    patterns = reports.spending_patterns(ctx.session, ctx.user.id, p.date_from, p.date_to, top=p.top)
    return s.SpendingPatternsOut.model_validate(patterns)
