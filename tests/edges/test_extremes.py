"""No extreme date or amount reaches a 500 (issue 15, item 8): what cannot be computed is a 422 naming
the field, and every combination that can be stored can be read back."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.investments.helpers import add_prices, new_asset, new_portfolio

HUGE = "99999999999999999999.99999999"  # the largest quantity and price a column keeps
# (10^20 − 10^-8)^2 = 10^40 − 2·10^12 + 10^-16, to the cent:
HUGE_SQUARED = "9999999999999999999999999998000000000000.00"


def answered(response, *statuses: int):
    assert response.status in statuses, response
    return response


def test_the_monthly_report_for_the_last_month_there_is(api):
    body = answered(api.get("/api/reports/monthly", params={"month": "9999-12"}), 200).json()
    assert body["month"] == "9999-12" and body["total_income"] == "0.00"


def test_a_transaction_on_the_last_day_there_is_shows_in_its_months_report(api):
    created = api.post("/api/transactions", json={"type": "income", "amount": "5", "date": "9999-12-31"})
    assert created.status in (201, 422), created
    if created.status == 201:
        assert api.get("/api/reports/monthly", params={"month": "9999-12"}).json()["total_income"] == "5.00"


@pytest.mark.parametrize("route,extra", [("trend", {"granularity": "month"}), ("trend", {"granularity": "quarter"}),
                                         ("trend", {"granularity": "year"}), ("summary", {}),
                                         ("spending-patterns", {})])
def test_reports_ending_on_the_last_day_there_is(api, route, extra):
    answered(api.get(f"/api/reports/{route}", params={"date_from": "9999-01-01", "date_to": "9999-12-31", **extra}),
             200)


@pytest.mark.parametrize("route", ["trend", "summary", "spending-patterns"])
def test_reports_starting_on_the_first_day_there_is(api, route):
    answered(api.get(f"/api/reports/{route}", params={"date_from": "0001-01-01", "date_to": "0001-12-31"}), 200)


def test_portfolio_history_ending_on_the_first_day_there_is(api):
    portfolio = new_portfolio(api)
    r = api.get(f"/api/portfolios/{portfolio}/history", params={"date_to": "0001-01-01"})
    answered(r, 200, 422)
    if r.status == 422:
        assert_problem(r, 422)


@pytest.mark.parametrize("granularity", ["month", "day"])
def test_portfolio_history_in_the_last_year_there_is(api, granularity):
    portfolio = new_portfolio(api)
    r = api.get(f"/api/portfolios/{portfolio}/history",
                params={"granularity": granularity, "date_from": "9999-01-01", "date_to": "9999-12-31"})
    body = answered(r, 200).json()
    assert body["items"][-1]["period"] in ("9999-12", "9999-12-31")


def test_the_largest_holding_at_the_largest_price_is_valued(api):
    portfolio = new_portfolio(api)
    asset = new_asset(api, portfolio, quantity=HUGE, amount_invested="0")
    add_prices(api, asset, {"2026-01-02": HUGE})
    body = answered(api.get(f"/api/portfolios/{portfolio}/valuation", params={"date": "2026-01-31"}), 200).json()
    assert body["assets"][0]["market_value"] == HUGE_SQUARED
    assert body["totals"]["market_value"] == HUGE_SQUARED and body["totals"]["return_pct"] is None


def test_the_largest_holding_at_the_largest_price_has_a_history(api):
    portfolio = new_portfolio(api)
    asset = new_asset(api, portfolio, quantity=HUGE, amount_invested="0")
    add_prices(api, asset, {"2026-01-02": HUGE})
    r = api.get(f"/api/portfolios/{portfolio}/history",
                params={"granularity": "month", "date_from": "2026-01-01", "date_to": "2026-02-28"})
    assert [item["market_value"] for item in answered(r, 200).json()["items"]] == [HUGE_SQUARED] * 2
