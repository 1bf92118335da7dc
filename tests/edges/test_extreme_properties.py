"""Every report and investment route, driven with extreme dates and amounts: the answer is never a 5xx
(issue 15, item 8). Whatever the product can store, it can read back; whatever it cannot compute is a 4xx."""
from __future__ import annotations

import datetime as dt
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    of the calendar (built once: hypothesis calls the tests many times)."""
    user = make_user()
    api = user.client
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
