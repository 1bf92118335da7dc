"""Every report and investment route, driven with extreme dates and amounts: the answer is never a 5xx
(issue 15, item 8). Whatever the product can store, it can read back; whatever it cannot compute is a 4xx."""
from __future__ import annotations

import datetime as dt
import functools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import function_app
from shared.web import route_table
from tests.conftest import make_user
from tests.investments.helpers import new_portfolio

EDGE_DAYS = [dt.date.min, dt.date(1, 1, 31), dt.date(1, 12, 31), dt.date(1900, 2, 28), dt.date(2000, 2, 29),
             dt.date(9998, 12, 31), dt.date(9999, 1, 1), dt.date(9999, 11, 30), dt.date(9999, 12, 1), dt.date.max]
days = st.one_of(st.sampled_from(EDGE_DAYS), st.dates())
day_text = st.one_of(days.map(dt.date.isoformat), st.sampled_from(["0000-01-01", "10000-01-01", "9999-13-01"]))
month_text = st.one_of(days.map(lambda d: d.strftime("%Y-%m") if d.year >= 1000 else f"{d.year:04d}-{d.month:02d}"),
                       st.sampled_from(["0000-12", "9999-12", "0001-01", "10000-01"]))
EDGE_AMOUNTS = ["0.01", "999999999999.99", "1000000000000.00", "1e999", "-1e999", "1e-999", "NaN",
                "99999999999999999999.99999999", "100000000000000000000", "0.00000001", "0.000000001"]
amounts = st.one_of(st.sampled_from(EDGE_AMOUNTS),
                    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f")[:64]))
granularity = st.sampled_from(["month", "quarter", "year", "day", "week"])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@functools.cache
def world():
    """One user with a portfolio holding the largest asset at the largest price, and money at the edges
    of the calendar, in their own currency and in one converted at extreme rates (built once:
    hypothesis calls the tests many times)."""
    user = make_user()
    api = user.client
    euros = api.post("/api/accounts", json={"name": "Euros", "type": "cash", "currency": "EUR"})
    assert euros.status == 201, euros
    assert api.post("/api/fx-rates", json=[
        {"date": "0001-01-01", "base": "EUR", "quote": "USD", "rate": "999999999999999999.9999999999"},
        {"date": "9999-12-31", "base": "EUR", "quote": "USD", "rate": "0.0000000001"}]).status == 201
    for day in ("0001-01-01", "2026-01-15", "9999-12-31"):
        api.post("/api/transactions", json={"type": "income", "amount": "333333333333.33", "date": day,
                                            "account_id": euros.json()["id"]})
    portfolio = new_portfolio(api)
    huge = "99999999999999999999.99999999"
    asset = api.post(f"/api/portfolios/{portfolio}/assets", json={
        "name": "Huge", "type": "stock", "quantity": huge, "amount_invested": "0.01", "purchase_date": "0001-01-01"})
    assert asset.status == 201, asset
    api.post(f"/api/assets/{asset.json()['id']}/prices", json=[
        {"date": "0001-01-01", "price": huge}, {"date": "9999-12-31", "price": "0.00000001"}])
    for day in ("0001-01-01", "9999-12-31"):
        api.post("/api/transactions", json={"type": "income", "amount": "999999999999.99", "date": day})
        api.post("/api/transactions", json={"type": "expense", "amount": "0.01", "date": day})
    return api, portfolio, asset.json()["id"]


def no_5xx(response):
    assert response.status < 500, response


# Every report and investment route (the modules below, and the two report-like GETs named here) and
# the test that drives it with extreme input: a route added to one of these modules fails
# test_every_report_and_investment_route_is_driven until a property test drives it.
REPORT_AND_INVESTMENT_MODULES = {f"blueprints.{name}.handlers" for name in
                                 ("reports", "portfolios", "assets", "trades", "net_worth")}
ALSO_REPORTS = {("GET", "summaries"), ("GET", "forecast")}
ASSETS_AND_PRICES = "test_writing_extreme_assets_and_prices_never_answers_5xx_and_stays_readable"
DRIVERS = {
    ("GET", "reports/monthly"): "test_the_monthly_report_never_answers_5xx",
    ("GET", "reports/summary"): "test_range_reports_never_answer_5xx",
    ("GET", "reports/trend"): "test_range_reports_never_answer_5xx",
    ("GET", "reports/spending-patterns"): "test_range_reports_never_answer_5xx",
    ("GET", "summaries"): "test_stored_summaries_never_answer_5xx",
    ("GET", "forecast"): "test_the_forecast_never_answers_5xx",
    ("GET", "net-worth"): "test_net_worth_never_answers_5xx",
    ("GET", "net-worth/history"): "test_net_worth_history_never_answers_5xx",
    ("GET", "portfolios/{id:int}/history"): "test_portfolio_history_never_answers_5xx",
    ("GET", "portfolios/{id:int}/valuation"): "test_portfolio_valuation_never_answers_5xx",
    ("GET", "portfolios/{id:int}/performance"): "test_performance_never_answers_5xx",
    ("GET", "assets/{id:int}/performance"): "test_performance_never_answers_5xx",
    ("POST", "portfolios"): "test_portfolios_with_extreme_assets_stay_readable",
    ("GET", "portfolios"): "test_portfolios_with_extreme_assets_stay_readable",
    ("GET", "portfolios/{id:int}"): "test_portfolios_with_extreme_assets_stay_readable",
    ("PATCH", "portfolios/{id:int}"): "test_portfolios_with_extreme_assets_stay_readable",
    ("DELETE", "portfolios/{id:int}"): "test_portfolios_with_extreme_assets_stay_readable",
    ("POST", "portfolios/{id:int}/assets"): ASSETS_AND_PRICES,
    ("GET", "portfolios/{id:int}/assets"): "test_portfolios_with_extreme_assets_stay_readable",
    ("GET", "assets/{id:int}"): ASSETS_AND_PRICES,
    ("PATCH", "assets/{id:int}"): "test_patching_extreme_assets_never_answers_5xx",
    ("DELETE", "assets/{id:int}"): ASSETS_AND_PRICES,
    ("POST", "assets/{id:int}/prices"): ASSETS_AND_PRICES,
    ("GET", "assets/{id:int}/prices"): "test_listing_prices_and_trades_over_extreme_ranges_never_answers_5xx",
    ("POST", "assets/{id:int}/trades"): "test_extreme_trades_never_answer_5xx_and_stay_readable",
    ("GET", "assets/{id:int}/trades"): "test_listing_prices_and_trades_over_extreme_ranges_never_answers_5xx",
    ("GET", "trades/{id:int}"): "test_extreme_trades_never_answer_5xx_and_stay_readable",
    ("DELETE", "trades/{id:int}"): "test_extreme_trades_never_answer_5xx_and_stay_readable",
}


def call(api, method: str, template: str, id: int | None = None, **kw):  # noqa: A002 - the route's name
    """One of DRIVERS' routes, by its template, answered without a 5xx."""
    assert (method, template) in DRIVERS, (method, template)
    response = api.request(method, "/api/" + re.sub(r"\{id(:int)?\}", str(id), template), **kw)
    no_5xx(response)
    return response


def test_every_report_and_investment_route_is_driven():
    table = {(method, f.template) for f in route_table.routes(function_app.app)
             if f.function.__module__ in REPORT_AND_INVESTMENT_MODULES for method in f.methods}
    assert table | ALSO_REPORTS == set(DRIVERS)
    assert not [name for name in DRIVERS.values() if name not in globals()]


@SETTINGS
@given(date_from=day_text, date_to=day_text, granularity=granularity,
       route=st.sampled_from(["summary", "trend", "spending-patterns"]))
def test_range_reports_never_answer_5xx(date_from, date_to, granularity, route):
    api, _, _ = world()
    params = {"date_from": date_from, "date_to": date_to}
    if route == "trend":
        params["granularity"] = granularity
    no_5xx(api.get(f"/api/reports/{route}", params=params))


@SETTINGS
@given(month=month_text)
def test_the_monthly_report_never_answers_5xx(month):
    api, _, _ = world()
    no_5xx(api.get("/api/reports/monthly", params={"month": month}))


@SETTINGS
@given(granularity=granularity)
def test_stored_summaries_never_answer_5xx(granularity):
    api, _, _ = world()
    no_5xx(api.get("/api/summaries", params={"granularity": granularity}))


@SETTINGS
@given(date_from=day_text, date_to=day_text, granularity=granularity, use_from=st.booleans(),
       use_to=st.booleans())
def test_portfolio_history_never_answers_5xx(date_from, date_to, granularity, use_from, use_to):
    api, portfolio, _ = world()
    params = {"granularity": granularity}
    if use_from:
        params["date_from"] = date_from
    if use_to:
        params["date_to"] = date_to
    no_5xx(api.get(f"/api/portfolios/{portfolio}/history", params=params))


@SETTINGS
@given(day=day_text)
def test_portfolio_valuation_never_answers_5xx(day):
    api, portfolio, _ = world()
    no_5xx(api.get(f"/api/portfolios/{portfolio}/valuation", params={"date": day}))


@SETTINGS
@given(quantity=amounts, invested=amounts, price=amounts, day=day_text)
def test_writing_extreme_assets_and_prices_never_answers_5xx_and_stays_readable(quantity, invested, price, day):
    api, portfolio, _ = world()
    created = api.post(f"/api/portfolios/{portfolio}/assets", json={
        "name": "X", "type": "fund", "quantity": quantity, "amount_invested": invested, "purchase_date": day})
    no_5xx(created)
    if created.status == 201:
        asset = created.json()["id"]
        no_5xx(api.post(f"/api/assets/{asset}/prices", json={"date": day, "price": price}))
        no_5xx(api.get(f"/api/assets/{asset}"))
        no_5xx(api.get(f"/api/portfolios/{portfolio}/valuation", params={"date": "9999-12-31"}))
        no_5xx(api.get(f"/api/portfolios/{portfolio}/history", params={"date_to": day}))
        api.delete(f"/api/assets/{asset}")


@SETTINGS
@given(amount=amounts, day=day_text, kind=st.sampled_from(["income", "expense"]))
def test_writing_extreme_transactions_never_answers_5xx_and_reports_stay_readable(amount, day, kind):
    api, _, _ = world()
    created = api.post("/api/transactions", json={"type": kind, "amount": amount, "date": day})
    no_5xx(created)
    if created.status == 201:
        month = day[:7]
        no_5xx(api.get("/api/reports/monthly", params={"month": month}))
        no_5xx(api.get("/api/reports/summary", params={"date_from": day, "date_to": day}))
        api.delete(f"/api/transactions/{created.json()['id']}")


@SETTINGS
@given(date_from=day_text, date_to=day_text, use_from=st.booleans(), use_to=st.booleans(),
       of_asset=st.booleans())
def test_performance_never_answers_5xx(date_from, date_to, use_from, use_to, of_asset):
    api, portfolio, asset = world()
    params = {**({"date_from": date_from} if use_from else {}), **({"date_to": date_to} if use_to else {})}
    if of_asset:
        call(api, "GET", "assets/{id:int}/performance", asset, params=params)
    else:
        call(api, "GET", "portfolios/{id:int}/performance", portfolio, params=params)


@SETTINGS
@given(day=day_text)
def test_net_worth_never_answers_5xx(day):
    api, _, _ = world()
    call(api, "GET", "net-worth", params={"date": day})


@SETTINGS
@given(date_from=day_text, date_to=day_text, granularity=granularity, use_from=st.booleans(),
       use_to=st.booleans())
def test_net_worth_history_never_answers_5xx(date_from, date_to, granularity, use_from, use_to):
    api, _, _ = world()
    params = {"granularity": granularity, **({"date_from": date_from} if use_from else {}),
              **({"date_to": date_to} if use_to else {})}
    call(api, "GET", "net-worth/history", params=params)


@SETTINGS
@given(days=st.one_of(st.integers(-2, 400), st.sampled_from(["1e999", "366.0", "٣", "9" * 40])))
def test_the_forecast_never_answers_5xx(days):
    api, _, _ = world()
    call(api, "GET", "forecast", params={"days": days})


@SETTINGS
@given(kind=st.sampled_from(["buy", "sell", "dividend", "fee", "split"]), day=day_text, quantity=amounts,
       price=amounts, amount=amounts, fee=st.one_of(st.none(), amounts))
def test_extreme_trades_never_answer_5xx_and_stay_readable(kind, day, quantity, price, amount, fee):
    api, portfolio, _ = world()
    asset = api.post(f"/api/portfolios/{portfolio}/assets", json={
        "name": "T", "type": "fund", "quantity": "1", "amount_invested": "1", "purchase_date": "0001-01-01"})
    assert asset.status == 201, asset
    asset = asset.json()["id"]
    body = {"type": kind, "date": day, **({"quantity": quantity, "price": price} if kind in ("buy", "sell") else {}),
            **({"quantity": quantity} if kind == "split" else {}),
            **({"amount": amount} if kind in ("dividend", "fee") else {}), **({"fee": fee} if fee else {})}
    trade = call(api, "POST", "assets/{id:int}/trades", asset, json=body)
    call(api, "GET", "portfolios/{id:int}/valuation", portfolio, params={"date": day})
    call(api, "GET", "portfolios/{id:int}/history", portfolio, params={"date_to": day})
    call(api, "GET", "portfolios/{id:int}/performance", portfolio, params={"date_to": day})
    call(api, "GET", "assets/{id:int}/performance", asset)
    if trade.status == 201:
        call(api, "GET", "trades/{id:int}", trade.json()["id"])
        call(api, "DELETE", "trades/{id:int}", trade.json()["id"])
    api.delete(f"/api/assets/{asset}")


@SETTINGS
@given(date_from=day_text, date_to=day_text, use_from=st.booleans(), use_to=st.booleans(),
       sort=st.sampled_from(["date", "-date"]), page=st.sampled_from(["1", "2", "99999999999999999999"]))
def test_listing_prices_and_trades_over_extreme_ranges_never_answers_5xx(date_from, date_to, use_from, use_to,
                                                                         sort, page):
    api, _, asset = world()
    params = {"sort": sort, "page": page, **({"date_from": date_from} if use_from else {}),
              **({"date_to": date_to} if use_to else {})}
    call(api, "GET", "assets/{id:int}/prices", asset, params=params)
    call(api, "GET", "assets/{id:int}/trades", asset, params=params)


@SETTINGS
@given(quantity=amounts, invested=amounts, day=day_text)
def test_patching_extreme_assets_never_answers_5xx(quantity, invested, day):
    api, portfolio, _ = world()
    asset = api.post(f"/api/portfolios/{portfolio}/assets", json={
        "name": "P", "type": "fund", "quantity": "1", "amount_invested": "1", "purchase_date": "2026-01-01"})
    assert asset.status == 201, asset
    asset = asset.json()["id"]
    api.post(f"/api/assets/{asset}/prices", json={"date": "2026-01-02", "price": "99999999999999999999.99999999"})
    call(api, "PATCH", "assets/{id:int}", asset, json={"quantity": quantity, "amount_invested": invested,
                                                        "purchase_date": day})
    call(api, "GET", "assets/{id:int}", asset)
    call(api, "GET", "portfolios/{id:int}/valuation", portfolio, params={"date": "9999-12-31"})
    api.delete(f"/api/assets/{asset}")


@SETTINGS
@given(quantity=amounts, price=amounts, name=st.text(min_size=0, max_size=300))
def test_portfolios_with_extreme_assets_stay_readable(quantity, price, name):
    api, _, _ = world()
    portfolio = call(api, "POST", "portfolios", json={"name": name or "P"})
    if portfolio.status != 201:
        return
    portfolio = portfolio.json()["id"]
    asset = api.post(f"/api/portfolios/{portfolio}/assets", json={
        "name": "A", "type": "fund", "quantity": quantity, "amount_invested": "1", "purchase_date": "2026-01-01"})
    if asset.status == 201:
        api.post(f"/api/assets/{asset.json()['id']}/prices", json={"date": "2026-01-02", "price": price})
    call(api, "PATCH", "portfolios/{id:int}", portfolio, json={"name": name})
    call(api, "GET", "portfolios/{id:int}", portfolio)
    call(api, "GET", "portfolios/{id:int}/assets", portfolio)
    call(api, "GET", "portfolios", params={"page_size": "100"})
    call(api, "DELETE", "portfolios/{id:int}", portfolio)
