"""Properties over random transaction sets: exact Decimal sums, and trend periods that add up."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_user
from tests.reports.helpers import account, add

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
days = st.dates(min_value=dt.date(2025, 11, 1), max_value=dt.date(2027, 2, 28))
transactions = st.lists(st.tuples(st.sampled_from(["income", "expense", "transfer"]), amounts, days),
                        min_size=0, max_size=15)
ranges = st.tuples(days, days).map(sorted)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=transactions, window=ranges, granularity=st.sampled_from(["month", "quarter", "year"]))
def test_totals_are_exact_and_trend_adds_up_to_summary(rows, window, granularity):
    user = make_user()
    api = user.client
    a, b = account(api, "A"), account(api, "B")
    for kind, amount, day in rows:
        links = {"account_id": a, "to_account_id": b} if kind == "transfer" else {}
        add(api, kind, str(amount), day.isoformat(), **links)

    # every month touched: the monthly report equals the exact Decimal sums
    for month in sorted({d.strftime("%Y-%m") for _, _, d in rows}):
        report = api.get("/api/reports/monthly", params={"month": month}).json()
        income = sum((x for k, x, d in rows if k == "income" and d.strftime("%Y-%m") == month), Decimal("0"))
        expenses = sum((x for k, x, d in rows if k == "expense" and d.strftime("%Y-%m") == month), Decimal("0"))
        assert Decimal(report["total_income"]) == income
        assert Decimal(report["total_expenses"]) == expenses
        assert Decimal(report["net_savings"]) == income - expenses

    start, end = window
    params = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    summary = api.get("/api/reports/summary", params=params).json()
    inside = [(k, x) for k, x, d in rows if start <= d <= end]
    assert Decimal(summary["total_income"]) == sum((x for k, x in inside if k == "income"), Decimal("0"))
    assert Decimal(summary["total_expenses"]) == sum((x for k, x in inside if k == "expense"), Decimal("0"))
    assert summary["transaction_count"] == len(inside)

    trend = api.get("/api/reports/trend", params={**params, "granularity": granularity}).json()
    assert sum(Decimal(i["income"]) for i in trend["items"]) == Decimal(summary["total_income"])
    assert sum(Decimal(i["expenses"]) for i in trend["items"]) == Decimal(summary["total_expenses"])
    assert sum(Decimal(i["net"]) for i in trend["items"]) == Decimal(summary["net_savings"])
    periods = [i["period"] for i in trend["items"]]
    assert periods == sorted(set(periods)) and len(periods) >= 1
