"""Valuation and history in the user's currency: each asset's value at the rate of the day, its cost held
at each buy's rate, an asset whose currency has no rate left out and named. Figures worked out by hand.

A USD user. Own rates EUR→USD: 1.10 on 2036-01-01, 1.20 on 2036-02-01; none before, none in between (a day
takes the latest rate on or before it; before the first rate, the earliest after it).
- Euro fund E (EUR): 10 units bought 2035-12-20 for 1,000 EUR (before any rate: at 1.10 = 1,100.00 USD);
  5 more bought 2036-01-15 at 110 = 550 EUR (at 1.10 = 605.00 USD); 3 sold 2036-02-10 at 120.
  Cost held after the sell: EUR 1,550 − 1,550 × 3/15 = 1,240.00; USD 1,705 − 1,705 × 3/15 = 1,364.00.
  Prices 2035-12-20: 100, 2036-01-20: 112.345, 2036-02-15: 125.
- US fund U (USD): 2 units bought 2036-01-05 for 200.00, priced 101 that day.
- Yen fund J (JPY, no rate at all): 1 unit bought 2036-01-02 for 1,000 JPY, never priced: left out, named.

2035-12-31 (rate 1.10, the earliest after): E 10 × 100 = 1,000.00 EUR → 1,100.00 USD; invested 1,100.00.
2036-01-31 (1.10): E 15 × 112.345 = 1,685.175 → 1,685.18 EUR (half-even) × 1.10 = 1,853.698 → 1,853.70;
  U 202.00; total 2,055.70, invested 1,705.00 + 200.00 = 1,905.00, gain 150.70, return 7.91%.
2036-02-01 (1.20): E 1,685.18 × 1.20 = 2,022.216 → 2,022.22; total 2,224.22.
2036-02-28 (1.20): E 12 × 125 = 1,500.00 EUR × 1.20 = 1,800.00; U 202.00; total 2,002.00;
  invested 1,364.00 + 200.00 = 1,564.00, gain 438.00.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_problem, make_user
from tests.investments.helpers import add_prices, new_asset, new_portfolio
from tests.money.conftest import created, new_account, ok


@pytest.fixture(scope="module")
def world():
    user = make_user(currency="USD")
    api = user.client
    ok(api.post("/api/fx-rates", json=[{"date": "2036-01-01", "base": "EUR", "quote": "USD", "rate": "1.10"},
                                       {"date": "2036-02-01", "base": "EUR", "quote": "USD", "rate": "1.20"}]), 201)
    pid = new_portfolio(api)
    e = new_asset(api, pid, name="E", type="fund", quantity="10", amount_invested="1000.00",
                  purchase_date="2035-12-20", currency="EUR")
    u = new_asset(api, pid, name="U", type="fund", quantity="2", amount_invested="200.00",
                  purchase_date="2036-01-05")
    j = new_asset(api, pid, name="J", type="fund", quantity="1", amount_invested="1000.00",
                  purchase_date="2036-01-02", currency="JPY")
    add_prices(api, e, {"2035-12-20": "100", "2036-01-20": "112.345", "2036-02-15": "125"})
    add_prices(api, u, {"2036-01-05": "101"})
    created(api.post(f"/api/assets/{e}/trades", json={"type": "buy", "date": "2036-01-15", "quantity": "5",
                                                      "price": "110"}))
    created(api.post(f"/api/assets/{e}/trades", json={"type": "sell", "date": "2036-02-10", "quantity": "3",
                                                      "price": "120"}))
    return user, pid, {"E": e, "U": u, "J": j}


def valued(user, pid, day):
    return ok(user.client.get(f"/api/portfolios/{pid}/valuation", params={"date": day}))


def figures(body):
    return {a["name"]: (a["currency"], a["quantity"], a["market_value"], a["amount_invested"],
                        a["converted_market_value"], a["converted_amount_invested"]) for a in body["assets"]}


def test_valuation_converts_each_asset_at_the_days_rate_and_its_cost_at_each_buys(world):
    user, pid, _ = world
    body = valued(user, pid, "2036-01-31")
    assert body["currency"] == "USD"
    assert figures(body) == {
        "E": ("EUR", "15", "1685.18", "1550.00", "1853.70", "1705.00"),
        "U": ("USD", "2", "202.00", "200.00", "202.00", "200.00"),
        "J": ("JPY", "1", "1000.00", "1000.00", None, None),
    }
    assert body["totals"] == {"market_value": "2055.70", "amount_invested": "1905.00", "gain": "150.70",
                              "return_pct": "7.91"}
    assert body["missing_rates"] == [{"currency": "JPY", "first_date": "2036-01-31"}]


def test_after_a_sell_at_the_later_rate(world):
    user, pid, _ = world
    body = valued(user, pid, "2036-02-28")
    assert figures(body)["E"] == ("EUR", "12", "1500.00", "1240.00", "1800.00", "1364.00")
    assert body["totals"] == {"market_value": "2002.00", "amount_invested": "1564.00", "gain": "438.00",
                              "return_pct": "28.01"}


def test_before_the_first_rate_the_earliest_after_it_applies(world):
    user, pid, _ = world
    body = valued(user, pid, "2035-12-31")
    assert figures(body) == {"E": ("EUR", "10", "1000.00", "1000.00", "1100.00", "1100.00")}
    assert body["totals"]["market_value"] == "1100.00" and body["missing_rates"] == []


def test_history_converts_each_period_at_its_own_rate(world):
    user, pid, _ = world
    months = ok(user.client.get(f"/api/portfolios/{pid}/history",
                                params={"date_from": "2035-12-01", "date_to": "2036-02-28"}))
    assert months["currency"] == "USD"
    assert [(i["period"], i["market_value"]) for i in months["items"]] == [
        ("2035-12", "1100.00"), ("2036-01", "2055.70"), ("2036-02", "2002.00")]
    assert months["missing_rates"] == [{"currency": "JPY", "first_date": "2036-01-31"}]
    days = ok(user.client.get(f"/api/portfolios/{pid}/history",
                              params={"granularity": "day", "date_from": "2036-01-30", "date_to": "2036-02-02"}))
    assert [(i["period"], i["market_value"]) for i in days["items"]] == [
        ("2036-01-30", "2055.70"), ("2036-01-31", "2055.70"), ("2036-02-01", "2224.22"), ("2036-02-02", "2224.22")]
    for item in days["items"]:
        assert valued(user, pid, item["period"])["totals"]["market_value"] == item["market_value"]


def test_net_worth_investments_are_the_valuation_total(world):
    user, pid, _ = world
    for day in ("2035-12-31", "2036-01-20", "2036-01-31", "2036-02-01", "2036-02-28"):
        worth = ok(user.client.get("/api/net-worth", params={"date": day}))
        total = valued(user, pid, day)["totals"]["market_value"]
        assert worth["investments"] == total, day
    history = ok(user.client.get("/api/net-worth/history", params={"date_from": "2035-12-01",
                                                                   "date_to": "2036-02-28"}))
    assert [i["investments"] for i in history["items"]] == ["1100.00", "2055.70", "2002.00"]


def test_a_rate_added_later_brings_the_left_out_asset_in():
    user = make_user(currency="USD")
    pid = new_portfolio(user.client)
    new_asset(user.client, pid, name="J", quantity="1", amount_invested="1000.00", purchase_date="2036-01-02",
              currency="JPY")
    assert valued(user, pid, "2036-01-31")["totals"]["market_value"] == "0.00"
    ok(user.client.post("/api/fx-rates", json={"date": "2036-01-10", "base": "USD", "quote": "JPY",
                                               "rate": "160"}), 201)
    body = valued(user, pid, "2036-01-31")
    # 1,000 JPY / 160 = 6.25 USD, on the buy's day as on the valuation's (the only rate)
    assert (body["totals"]["market_value"], body["totals"]["amount_invested"], body["missing_rates"]) == (
        "6.25", "6.25", [])


def test_another_users_portfolio_is_404(world):
    _, pid, _ = world
    stranger = make_user(currency="USD")
    assert_problem(stranger.client.get(f"/api/portfolios/{pid}/valuation", params={"date": "2036-01-31"}), 404)
    assert_problem(stranger.client.get(f"/api/portfolios/{pid}/history"), 404)


# --- where a defaulted history starts ----------------------------------------------------------------------


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _last_month() -> dt.date:
    today = _today()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=min(today.day, 28))


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def test_net_worth_history_starts_at_the_first_activity_of_a_newcomer():
    user = make_user(currency="USD")
    account = new_account(user.client, opening_balance="100.00")
    began = _last_month()
    created(user.client.post("/api/transactions", json={"type": "income", "amount": "50", "date": began.isoformat(),
                                                        "account_id": account["id"]}))
    body = ok(user.client.get("/api/net-worth/history"))
    assert body["date_from"] == began.replace(day=1).isoformat()
    assert [i["period"] for i in body["items"]] == [_month(began), _month(_today())]
    assert [i["total"] for i in body["items"]] == ["150.00", "150.00"]
    days = ok(user.client.get("/api/net-worth/history", params={"granularity": "day"}))
    assert days["date_from"] == max(began, _today() - dt.timedelta(days=29)).isoformat()
    # a date_from the client sends is kept
    sent = ok(user.client.get("/api/net-worth/history", params={"date_from": "2020-01-01", "date_to": "2020-03-31"}))
    assert [i["period"] for i in sent["items"]] == ["2020-01", "2020-02", "2020-03"]


def test_net_worth_history_of_someone_with_nothing_is_this_month():
    user = make_user(currency="USD")
    body = ok(user.client.get("/api/net-worth/history"))
    assert [i["period"] for i in body["items"]] == [_month(_today())]


def test_an_asset_bought_before_registering_counts_as_activity():
    """Back-dated holdings: net worth history and the portfolio's history reach back to the first buy (up to the
    12 months of the default)."""
    user = make_user(currency="USD")
    pid = new_portfolio(user.client)
    began = _last_month()
    new_asset(user.client, pid, quantity="1", amount_invested="10.00", purchase_date=began.isoformat())
    for url in ("/api/net-worth/history", f"/api/portfolios/{pid}/history"):
        body = ok(user.client.get(url))
        assert [i["period"] for i in body["items"]] == [_month(began), _month(_today())], url
    long_ago = _today().replace(year=_today().year - 3)
    new_asset(user.client, pid, quantity="1", amount_invested="10.00", purchase_date=long_ago.isoformat())
    for url in ("/api/net-worth/history", f"/api/portfolios/{pid}/history"):
        assert len(ok(user.client.get(url))["items"]) == 12, url


def test_an_empty_portfolio_history_starts_at_its_creation():
    user = make_user(currency="USD")
    pid = new_portfolio(user.client)
    body = ok(user.client.get(f"/api/portfolios/{pid}/history"))
    assert body["items"] == [{"period": _month(_today()), "market_value": "0.00"}]
    days = ok(user.client.get(f"/api/portfolios/{pid}/history", params={"granularity": "day"}))
    assert [i["period"] for i in days["items"]] == [_today().isoformat()]
