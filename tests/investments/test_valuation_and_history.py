"""What a portfolio is worth on a day and over time, checked against figures computed by hand.

The portfolio used throughout:
  A  stock   10 units,  invested  1,000.00, bought 2026-01-10; prices 01-10: 100, 01-31: 105.5,
                                                               02-15: 120.12345678
  B  crypto  0.5 units, invested 10,000.00, bought 2026-01-20; prices 02-01: 25,000, 03-01: 18,000
  C  bond    3 units,   invested    300.00, bought 2026-02-10; no price ever
  D  cash    1 unit,    invested      0.00, bought 2026-01-01; price 01-01: 50
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_problem, make_user
from tests.investments.helpers import add_prices, new_asset, new_portfolio


@pytest.fixture
def book(api):
    pid = new_portfolio(api)
    ids = {
        "A": new_asset(api, pid, name="A", type="stock", quantity="10", amount_invested="1000.00",
                       purchase_date="2026-01-10"),
        "B": new_asset(api, pid, name="B", type="crypto", quantity="0.5", amount_invested="10000.00",
                       purchase_date="2026-01-20"),
        "C": new_asset(api, pid, name="C", type="bond", quantity="3", amount_invested="300.00",
                       purchase_date="2026-02-10"),
        "D": new_asset(api, pid, name="D", type="cash", quantity="1", amount_invested="0",
                       purchase_date="2026-01-01"),
    }
    add_prices(api, ids["A"], {"2026-01-10": "100", "2026-01-31": "105.5", "2026-02-15": "120.12345678"})
    add_prices(api, ids["B"], {"2026-02-01": "25000", "2026-03-01": "18000"})
    add_prices(api, ids["D"], {"2026-01-01": "50"})
    return pid, ids


def valuation(api, pid, day=None):
    r = api.get(f"/api/portfolios/{pid}/valuation", params={"date": day} if day else None)
    assert r.status == 200, r
    return r.json()


def lines(body):
    return {a["name"]: a for a in body["assets"]}


def test_valuation_with_prices_on_and_between_dates(api, book):
    pid, ids = book
    body = valuation(api, pid, "2026-02-20")
    assert body["portfolio_id"] == pid and body["date"] == "2026-02-20"
    a, b, c, d = (lines(body)[k] for k in "ABCD")
    # A: latest price 02-15 (between dates): 10 × 120.12345678 = 1201.2345678 → 1201.23
    assert a["asset_id"] == ids["A"] and a["priced"] is True
    assert (a["price"], a["price_date"], a["market_value"], a["gain"], a["return_pct"]) == \
        ("120.12345678", "2026-02-15", "1201.23", "201.23", "20.12")
    assert (a["quantity"], a["amount_invested"]) == ("10", "1000.00")
    # B: price of 02-01: 0.5 × 25,000
    assert (b["price"], b["market_value"], b["gain"], b["return_pct"]) == ("25000", "12500.00", "2500.00", "25.00")
    # C: no price yet: valued at what was invested
    assert (c["priced"], c["price"], c["price_date"], c["market_value"], c["gain"], c["return_pct"]) == \
        (False, None, None, "300.00", "0.00", "0.00")
    # D: nothing invested: no return percentage
    assert (d["market_value"], d["gain"], d["return_pct"]) == ("50.00", "50.00", None)
    # 1201.23 + 12500 + 300 + 50; gain 2751.23 / 11300 = 24.347…%
    assert body["totals"] == {"market_value": "14051.23", "amount_invested": "11300.00", "gain": "2751.23",
                              "return_pct": "24.35"}


def test_valuation_on_the_day_of_a_price_uses_it(api, book):
    pid, _ = book
    assert lines(valuation(api, pid, "2026-01-31"))["A"]["market_value"] == "1055.00"
    assert lines(valuation(api, pid, "2026-01-30"))["A"]["market_value"] == "1000.00"


def test_assets_bought_after_the_date_are_left_out(api, book):
    pid, _ = book
    body = valuation(api, pid, "2026-01-15")
    assert sorted(lines(body)) == ["A", "D"]
    assert body["totals"] == {"market_value": "1050.00", "amount_invested": "1000.00", "gain": "50.00",
                              "return_pct": "5.00"}
    early = valuation(api, pid, "2026-01-05")
    assert sorted(lines(early)) == ["D"] and early["totals"]["return_pct"] is None


def test_valuation_defaults_to_today(api, book):
    pid, _ = book
    body = valuation(api, pid)
    assert body["date"] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    # B at its latest price (03-01): 9000
    assert body["totals"]["market_value"] == "10551.23"


def test_an_empty_portfolio_is_worth_nothing(api):
    body = valuation(api, new_portfolio(api), "2026-01-01")
    assert body["assets"] == [] and body["totals"] == {"market_value": "0.00", "amount_invested": "0.00",
                                                       "gain": "0.00", "return_pct": None}


def test_market_values_round_half_even_to_cents(api):
    pid = new_portfolio(api)
    down = new_asset(api, pid, name="down", quantity="1", amount_invested="2.00")
    up = new_asset(api, pid, name="up", quantity="3", amount_invested="0.03", purchase_date="2026-01-01")
    add_prices(api, down, {"2026-01-01": "2.345"})  # 2.345 → 2.34 (half-even), not 2.35
    add_prices(api, up, {"2026-01-01": "0.005"})  # 0.015 → 0.02
    body = valuation(api, pid, "2026-01-01")
    assert lines(body)["down"]["market_value"] == "2.34" and lines(body)["down"]["return_pct"] == "17.00"
    assert lines(body)["up"]["market_value"] == "0.02" and lines(body)["up"]["return_pct"] == "-33.33"
    assert body["totals"]["market_value"] == "2.36"


def test_a_losing_asset_has_a_negative_gain(api, book):
    pid, _ = book
    b = lines(valuation(api, pid, "2026-03-01"))["B"]
    assert (b["market_value"], b["gain"], b["return_pct"]) == ("9000.00", "-1000.00", "-10.00")


def test_valuation_refuses_impossible_dates(api, book):
    pid, _ = book
    assert_problem(api.get(f"/api/portfolios/{pid}/valuation", params={"date": "2026-02-30"}), 422, "date")
    assert_problem(api.get(f"/api/portfolios/{pid}/valuation", params={"day": "2026-02-01"}), 422, "day")
    assert_problem(api.get("/api/portfolios/999999/valuation"), 404)


# --- history ----------------------------------------------------------------------------------


def history(api, pid, **params):
    r = api.get(f"/api/portfolios/{pid}/history", params=params)
    assert r.status == 200, r
    return r.json()


def test_monthly_history_values_each_month_end(api, book):
    pid, _ = book
    body = history(api, pid, granularity="month", date_from="2026-01-01", date_to="2026-03-15")
    assert (body["granularity"], body["date_from"], body["date_to"]) == ("month", "2026-01-01", "2026-03-15")
    assert body["items"] == [
        # 01-31: A 10 × 105.5, B not priced yet (its invested 10,000), C not bought, D 50
        {"period": "2026-01", "market_value": "11105.00"},
        # 02-28: A 1201.23, B 12,500, C 300 (unpriced), D 50
        {"period": "2026-02", "market_value": "14051.23"},
        # as of 03-15 (date_to): B at 18,000 × 0.5
        {"period": "2026-03", "market_value": "10551.23"},
    ]


def test_daily_history_has_every_day(api, book):
    pid, _ = book
    body = history(api, pid, granularity="day", date_from="2026-01-30", date_to="2026-02-02")
    assert body["items"] == [
        {"period": "2026-01-30", "market_value": "11050.00"},
        {"period": "2026-01-31", "market_value": "11105.00"},
        {"period": "2026-02-01", "market_value": "13605.00"},
        {"period": "2026-02-02", "market_value": "13605.00"},
    ]


def test_history_matches_valuation_every_day(api, book):
    pid, _ = book
    body = history(api, pid, granularity="day", date_from="2025-12-30", date_to="2026-03-03")
    assert len(body["items"]) == 64
    for item in body["items"][::7] + body["items"][-3:]:
        assert valuation(api, pid, item["period"])["totals"]["market_value"] == item["market_value"], item


def test_history_before_anything_was_bought_is_zero(api, book):
    pid, _ = book
    body = history(api, pid, granularity="month", date_from="2025-11-01", date_to="2025-12-31")
    assert body["items"] == [{"period": "2025-11", "market_value": "0.00"},
                             {"period": "2025-12", "market_value": "0.00"}]


def test_history_defaults(api, book):
    pid, _ = book
    today = dt.datetime.now(dt.timezone.utc).date()
    monthly = history(api, pid)
    assert monthly["granularity"] == "month" and monthly["date_to"] == today.isoformat()
    # 12 months back, but not before the portfolio's first activity: D's first buy on 2026-01-01
    twelve_back = dt.date(today.year - (today.month <= 11), (today.month - 12) % 12 + 1, 1)
    start = max(twelve_back, dt.date(2026, 1, 1))
    months = (today.year - start.year) * 12 + today.month - start.month + 1
    assert monthly["date_from"] == start.isoformat() and len(monthly["items"]) == months
    assert monthly["items"][-1]["period"] == today.strftime("%Y-%m")
    daily = history(api, pid, granularity="day")
    assert len(daily["items"]) == 30 and daily["items"][-1]["period"] == today.isoformat()
    since = history(api, pid, granularity="month", date_to="2026-03-31")
    assert since["date_from"] == "2026-01-01" and since["items"][0]["period"] == "2026-01"
    assert len(since["items"]) == 3
    sent = history(api, pid, granularity="month", date_from="2025-04-01", date_to="2026-03-31")
    assert len(sent["items"]) == 12 and sent["items"][0] == {"period": "2025-04", "market_value": "0.00"}


def test_history_caps_and_bad_ranges(api, book):
    pid, _ = book
    url = f"/api/portfolios/{pid}/history"
    assert len(history(api, pid, granularity="day", date_from="2016-01-01",
                       date_to=(dt.date(2016, 1, 1) + dt.timedelta(days=3659)).isoformat())["items"]) == 3660
    assert_problem(api.get(url, params={"granularity": "day", "date_from": "2016-01-01",
                                        "date_to": (dt.date(2016, 1, 1) + dt.timedelta(days=3660)).isoformat()}),
                   422, "date_from")
    assert len(history(api, pid, date_from="1977-01-01", date_to="2026-12-31")["items"]) == 600
    assert_problem(api.get(url, params={"date_from": "1976-12-31", "date_to": "2026-12-31"}), 422, "date_from")
    assert_problem(api.get(url, params={"date_from": "2026-03-02", "date_to": "2026-03-01"}), 422, "date_to")
    assert_problem(api.get(url, params={"date_from": "2999-01-01"}), 422, "date_to")
    assert_problem(api.get(url, params={"granularity": "week"}), 422, "granularity")
    assert_problem(api.get(url, params={"date_to": "2026-04-31"}), 422, "date_to")


def test_history_of_another_users_portfolio_is_404(book):
    pid, _ = book
    assert_problem(make_user().client.get(f"/api/portfolios/{pid}/history"), 404)
