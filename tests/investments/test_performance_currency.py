"""Performance in the user's currency: an asset in another currency is valued and its flows counted at the
rate of each day, its cost held at its buy's rate. Figures worked out by hand.

A USD user. Own rates EUR→USD: 1.10 from 2030-01-01, 1.20 from 2030-07-01.
- Euro fund (EUR): 10 units bought 2030-01-02 for 1,000 EUR (= 1,100.00 USD at 1.10), priced 100 that day and
  110 on 2030-06-30, 120 on 2030-12-31; 5 units sold on 2030-07-01 at 110 = 550 EUR (= 660.00 USD at 1.20).
  Cost of what is sold, in USD at the buy's rate: half of 1,100.00 = 550.00, so realized gain 660 − 550 = 110.00.
- US fund (USD): 2 units bought 2030-01-02 for 200.00, priced 150 on 2030-12-31.
- Yen fund (JPY, no rate at all): bought 2030-03-01; left out and named in missing_rates.

Over 2030-01-01..2030-12-31 (nothing held at the start):
  values   2030-01-02: 1,000 EUR × 1.10 + 200 (US fund not priced yet: its cost)      = 1,300.00
           2030-07-01: 5 × 110 EUR × 1.20 + 200                                        =   860.00
           2030-12-31: 5 × 120 EUR × 1.20 + 2 × 150                                    = 1,020.00
  net contributions 1,300 − 660 = 640.00; realized 110.00; cost held at the end 550 + 200 = 750.00,
  unrealized 1,020 − 750 = 270.00 (and 640 + 110 + 270 = 1,020 − 0)
  TWR  (860 + 660) / 1,300 × 1,020 / 860 − 1 = 1,550,400 / 1,118,000 − 1 = 38.6762…%
The euro fund alone: contributions 1,100 − 660 = 440.00, end 720.00, unrealized 720 − 550 = 170.00,
  TWR (660 + 660) / 1,100 × 720 / 660 − 1 = 30.9090…% (= 20% in euros × the euro's 1.20 / 1.10).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import make_user
from tests.investments.helpers import add_prices, new_asset, new_portfolio
from tests.investments.test_performance import bisection_irr

RANGE = {"date_from": "2030-01-01", "date_to": "2030-12-31"}
FIGURES = ("currency", "start_value", "end_value", "net_contributions", "dividends", "fees", "realized_gain",
           "unrealized_gain", "twr")


@pytest.fixture(scope="module")
def world():
    user = make_user(currency="USD")
    api = user.client
    r = api.post("/api/fx-rates", json=[{"date": "2030-01-01", "base": "EUR", "quote": "USD", "rate": "1.10"},
                                        {"date": "2030-07-01", "base": "EUR", "quote": "USD", "rate": "1.20"}])
    assert r.status == 201, r
    pid = new_portfolio(api)
    euro = new_asset(api, pid, name="Euro fund", quantity="10", amount_invested="1000.00",
                     purchase_date="2030-01-02", currency="EUR")
    add_prices(api, euro, {"2030-01-02": "100", "2030-06-30": "110", "2030-12-31": "120"})
    r = api.post(f"/api/assets/{euro}/trades", json={"type": "sell", "date": "2030-07-01", "quantity": "5",
                                                      "price": "110"})
    assert r.status == 201, r
    us = new_asset(api, pid, name="US fund", quantity="2", amount_invested="200.00", purchase_date="2030-01-02")
    add_prices(api, us, {"2030-12-31": "150"})
    yen = new_asset(api, pid, name="Yen fund", quantity="3", amount_invested="30000", purchase_date="2030-03-01",
                    currency="JPY")
    add_prices(api, yen, {"2030-12-31": "20000"})
    return api, {"portfolio": pid, "euro": euro, "us": us, "yen": yen}


def performance(api, path: str) -> dict:
    r = api.get(f"/api/{path}/performance", params=RANGE)
    assert r.status == 200, r
    return r.json()


def test_a_portfolio_in_two_currencies_answers_in_the_users(world):
    api, ids = world
    body = performance(api, f"portfolios/{ids['portfolio']}")
    assert {k: body[k] for k in FIGURES} == {
        "currency": "USD", "start_value": "0.00", "end_value": "1020.00", "net_contributions": "640.00",
        "dividends": "0.00", "fees": "0.00", "realized_gain": "110.00", "unrealized_gain": "270.00",
        "twr": "38.68"}
    flows = [(dt.date(2030, 1, 2), -1300.0), (dt.date(2030, 7, 1), 660.0), (dt.date(2030, 12, 31), 1020.0)]
    assert abs(Decimal(body["xirr"]) - Decimal(repr(bisection_irr(flows) * 100))) < Decimal("0.01")
    assert body["missing_rates"] == [{"currency": "JPY", "first_date": "2030-03-01"}]


def test_an_asset_in_another_currency_includes_the_currencys_move(world):
    api, ids = world
    body = performance(api, f"assets/{ids['euro']}")
    assert {k: body[k] for k in FIGURES} == {
        "currency": "USD", "start_value": "0.00", "end_value": "720.00", "net_contributions": "440.00",
        "dividends": "0.00", "fees": "0.00", "realized_gain": "110.00", "unrealized_gain": "170.00",
        "twr": "30.91"}
    assert body["missing_rates"] == []


def test_a_rate_added_later_brings_the_left_out_asset_in_at_once():
    api = make_user(currency="USD").client
    pid = new_portfolio(api)
    yen = new_asset(api, pid, quantity="3", amount_invested="30000", purchase_date="2030-03-01", currency="JPY")
    add_prices(api, yen, {"2030-12-31": "20000"})
    us = new_asset(api, pid, quantity="2", amount_invested="200.00", purchase_date="2030-01-02")
    add_prices(api, us, {"2030-12-31": "150"})
    alone = performance(api, f"assets/{yen}")
    assert (alone["end_value"], alone["twr"], alone["missing_rates"]) == (
        "0.00", None, [{"currency": "JPY", "first_date": "2030-03-01"}])
    r = api.post("/api/fx-rates", json={"date": "2030-01-01", "base": "USD", "quote": "JPY", "rate": "100"})
    assert r.status == 201, r
    body = performance(api, f"assets/{yen}")
    # 30,000 JPY at 1/100 = 300.00 in; 3 × 20,000 = 60,000 JPY = 600.00 at the end
    assert (body["net_contributions"], body["end_value"], body["unrealized_gain"], body["twr"],
            body["missing_rates"]) == ("300.00", "600.00", "300.00", "100.00", [])
    whole = performance(api, f"portfolios/{pid}")
    assert (whole["end_value"], whole["net_contributions"], whole["missing_rates"]) == ("900.00", "500.00", [])


def test_in_the_users_own_currency_nothing_changes_and_nothing_is_missing(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2030-01-02")
    add_prices(api, aid, {"2030-12-31": "110"})
    body = performance(api, f"portfolios/{pid}")
    assert (body["end_value"], body["unrealized_gain"], body["twr"], body["missing_rates"]) == (
        "1100.00", "100.00", "10.00", [])
