"""GET /api/net-worth and /api/net-worth/history: accounts + investments − card debt, each balance
as of the day, converted at that day's rate. Figures computed by hand."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem, make_user
from tests.money.conftest import created, new_account, new_card, ok


@pytest.fixture(scope="module")
def world():
    """A USD user. Own rates: EUR→USD 1.10 from 2036-01-01, 1.20 from 2036-02-01; GBP→USD 1.25.
    EUR account opening 1000; -100 on 01-10; +50 on 02-05; pays 20 EUR (= 22.00 USD) to the card on 02-20.
    USD card: charge 80 on 01-15, refund 30 on 02-10. GBP fund: 10 units bought 01-05 for 100 GBP,
    priced 12.345 on 01-20 (market value 123.45 GBP). A JPY account with no rate."""
    user = make_user(currency="USD")
    c = user.client
    ok(c.post("/api/fx-rates", json=[{"date": "2036-01-01", "base": "EUR", "quote": "USD", "rate": "1.10"},
                                     {"date": "2036-02-01", "base": "EUR", "quote": "USD", "rate": "1.20"},
                                     {"date": "2036-01-01", "base": "GBP", "quote": "USD", "rate": "1.25"}]), 201)
    eur = new_account(c, name="Euros", currency="EUR", opening_balance="1000.00")
    card = new_card(c, name="Visa")
    post = lambda **b: created(c.post("/api/transactions", json=b))  # noqa: E731
    post(type="expense", amount="100", date="2036-01-10", account_id=eur["id"])
    post(type="income", amount="50", date="2036-02-05", account_id=eur["id"])
    post(type="expense", amount="80", date="2036-01-15", credit_card_id=card["id"])
    post(type="income", amount="30", date="2036-02-10", credit_card_id=card["id"])
    post(type="transfer", amount="20", to_amount="22.00", date="2036-02-20", account_id=eur["id"],
         to_credit_card_id=card["id"])
    post(type="income", amount="999", date="2036-01-02")  # cash: no holder, not part of net worth
    portfolio = created(c.post("/api/portfolios", json={"name": "ISA"}))
    fund = created(c.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "Fund", "type": "fund", "quantity": "10", "amount_invested": "100", "purchase_date": "2036-01-05",
        "currency": "GBP"}))
    created(c.post(f"/api/assets/{fund['id']}/prices", json={"date": "2036-01-20", "price": "12.345"}))
    return user, {"eur": eur["id"], "card": card["id"], "portfolio": portfolio["id"]}


def worth(user, date):
    return ok(user.client.get("/api/net-worth", params={"date": date}))


def test_net_worth_on_a_day(world):
    user, ids = world
    body = worth(user, "2036-01-31")
    assert (body["date"], body["currency"], body["accounts"], body["investments"], body["credit_cards"],
            body["total"]) == ("2036-01-31", "USD", "990.00", "154.31", "80.00", "1064.31")
    items = {(i["kind"], i["id"]): (i["currency"], i["balance"], i["converted"]) for i in body["items"]}
    assert items == {("account", ids["eur"]): ("EUR", "900.00", "990.00"),
                     ("credit_card", ids["card"]): ("USD", "80.00", "80.00"),
                     ("portfolio", ids["portfolio"]): ("GBP", "123.45", "154.31")}
    assert body["missing_rates"] == []


def test_later_balances_refunds_and_cross_currency_payments(world):
    user, _ = world
    body = worth(user, "2036-02-28")
    assert (body["accounts"], body["investments"], body["credit_cards"], body["total"]) == (
        "1116.00", "154.31", "28.00", "1242.31")


def test_before_a_price_and_before_a_purchase(world):
    user, _ = world
    assert worth(user, "2036-01-07")["total"] == "1225.00"  # the fund at its amount invested: 100 GBP
    early = worth(user, "2036-01-03")
    assert early["total"] == "1100.00" and [i["kind"] for i in early["items"]] == ["account", "credit_card"]


def test_history_has_every_period_and_ends_at_the_net_worth_of_its_last_day(world):
    user, _ = world
    months = ok(user.client.get("/api/net-worth/history", params={"date_from": "2035-12-01",
                                                                  "date_to": "2036-02-28"}))
    assert [(i["period"], i["total"]) for i in months["items"]] == [
        ("2035-12", "1100.00"), ("2036-01", "1064.31"), ("2036-02", "1242.31")]
    days = ok(user.client.get("/api/net-worth/history", params={"granularity": "day", "date_from": "2036-01-03",
                                                                "date_to": "2036-01-07"}))
    assert [i["period"] for i in days["items"]] == [f"2036-01-0{d}" for d in range(3, 8)]
    assert days["items"][-1]["total"] == worth(user, "2036-01-07")["total"]


def test_a_currency_without_rates_is_left_out_and_named():
    user = make_user(currency="USD")
    yen = new_account(user.client, currency="JPY", opening_balance="5000")
    body = worth(user, "2036-03-01")
    assert body["total"] == "0.00" and body["missing_rates"] == [{"currency": "JPY", "first_date": "2036-03-01"}]
    assert body["items"] == [{"kind": "account", "id": yen["id"], "name": "Checking", "currency": "JPY",
                              "balance": "5000.00", "converted": None}]


def test_the_range_is_bounded(world):
    user, _ = world
    assert_problem(user.client.get("/api/net-worth/history", params={
        "granularity": "day", "date_from": "2035-01-01", "date_to": "2036-01-02"}), 422, "date_from")
    assert_problem(user.client.get("/api/net-worth/history", params={
        "date_from": "1900-01-01", "date_to": "2036-01-02"}), 422, "date_from")
    assert_problem(user.client.get("/api/net-worth/history", params={
        "date_from": "2036-02-01", "date_to": "2036-01-02"}), 422, "date_to")
    assert_problem(user.client.get("/api/net-worth/history", params={"granularity": "week"}), 422)
    assert ok(user.client.get("/api/net-worth/history"))["granularity"] == "month"


def test_nobody_sees_anyone_elses_holders(world):
    stranger = make_user(currency="USD")
    body = worth(stranger, "2036-02-28")
    assert body["items"] == [] and body["total"] == "0.00"


def test_investments_are_the_quantity_held_after_trades_at_the_days_price():
    """A EUR fund of a USD user (EUR→USD 1.10): 10 units bought 2036-03-01 (price 100), 2 more bought 03-03 at 105,
    half (6) sold 03-10 at 120, split 2:1 on 03-20; priced 130 on 03-15 and 70 on 03-25. Held × price, in EUR:
    03-02 10 × 100 = 1000; 03-05 12 × 100 = 1200; 03-12 6 × 100 = 600; 03-16 6 × 130 = 780; 03-22 12 × 130 = 1560;
    03-31 12 × 70 = 840; each × 1.10 in USD."""
    user = make_user(currency="USD")
    c = user.client
    ok(c.post("/api/fx-rates", json={"date": "2036-01-01", "base": "EUR", "quote": "USD", "rate": "1.10"}), 201)
    portfolio = created(c.post("/api/portfolios", json={"name": "Broker"}))
    fund = created(c.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "Fund", "type": "fund", "quantity": "10", "amount_invested": "1000", "purchase_date": "2036-03-01",
        "currency": "EUR"}))
    ok(c.post(f"/api/assets/{fund['id']}/prices", json=[{"date": "2036-03-01", "price": "100"},
                                                         {"date": "2036-03-15", "price": "130"},
                                                         {"date": "2036-03-25", "price": "70"}]), 201)
    for trade in ({"type": "buy", "date": "2036-03-03", "quantity": "2", "price": "105"},
                  {"type": "sell", "date": "2036-03-10", "quantity": "6", "price": "120"},
                  {"type": "split", "date": "2036-03-20", "quantity": "2"}):
        created(c.post(f"/api/assets/{fund['id']}/trades", json=trade))
    expected = {"2036-03-02": ("1000.00", "1100.00"), "2036-03-05": ("1200.00", "1320.00"),
                "2036-03-12": ("600.00", "660.00"), "2036-03-16": ("780.00", "858.00"),
                "2036-03-22": ("1560.00", "1716.00"), "2036-03-31": ("840.00", "924.00")}
    for day, (native, converted) in expected.items():
        body = worth(user, day)
        item = next(i for i in body["items"] if i["kind"] == "portfolio")
        assert (item["currency"], item["balance"], item["converted"], body["investments"]) == (
            "EUR", native, converted, converted), day
        valued = ok(c.get(f"/api/portfolios/{portfolio['id']}/valuation", params={"date": day}))
        # the valuation's total is in the user's currency, the same figure as net worth's investments
        assert (valued["currency"], valued["totals"]["market_value"]) == ("USD", converted), day
        assert [(a["currency"], a["market_value"]) for a in valued["assets"]] == [("EUR", native)], day
    assert [i["kind"] for i in worth(user, "2036-02-29")["items"]] == []
    days = ok(c.get("/api/net-worth/history", params={"granularity": "day", "date_from": "2036-03-01",
                                                      "date_to": "2036-03-31"}))
    by_day = {i["period"]: i["investments"] for i in days["items"]}
    assert {day: by_day[day] for day in expected} == {day: converted for day, (_, converted) in expected.items()}
