"""Trades of an asset: what each type takes, average-cost figures, and histories that cannot happen.

The asset used throughout: 10 units bought on 2026-01-10 for 1,000.00 (its first buy).
"""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.investments.helpers import add_prices, new_asset, new_portfolio


@pytest.fixture
def asset(api):
    pid = new_portfolio(api)
    return new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2026-01-10")


def trade(api, asset_id, status=201, **body):
    r = api.post(f"/api/assets/{asset_id}/trades", json=body)
    assert r.status == status, r
    return r.json()


def figures(api, asset_id):
    body = api.get(f"/api/assets/{asset_id}").json()
    return body["quantity"], body["amount_invested"], body["realized_gain"], body["dividends"]


def test_the_first_buy_is_the_first_trade(api, asset):
    items = api.get(f"/api/assets/{asset}/trades").json()["items"]
    assert len(items) == 1
    first = items[0]
    assert (first["type"], first["date"], first["quantity"], first["amount"], first["price"], first["initial"]) == \
        ("buy", "2026-01-10", "10", "1000.00", None, True)
    assert figures(api, asset) == ("10", "1000.00", "0.00", "0.00")


def test_a_buy_answers_its_cost_and_adds_to_the_position(api, asset):
    body = trade(api, asset, type="buy", date="2026-02-01", quantity="10", price="200", fee="5.00")
    assert (body["type"], body["quantity"], body["price"], body["fee"], body["amount"], body["initial"]) == \
        ("buy", "10", "200", "5.00", "2005.00", False)
    assert api.get(f"/api/trades/{body['id']}").json() == body
    assert figures(api, asset) == ("20", "3005.00", "0.00", "0.00")


def test_a_sell_realizes_against_the_average_cost(api, asset):
    trade(api, asset, type="buy", date="2026-02-01", quantity="10", price="200")
    # 20 units cost 3,000 (150 each). Selling 5 at 300 with a 10.00 fee: proceeds 1,490, cost out 750.
    body = trade(api, asset, type="sell", date="2026-03-01", quantity="5", price="300", fee="10")
    assert body["amount"] == "1490.00"
    assert figures(api, asset) == ("15", "2250.00", "740.00", "0.00")


def test_selling_everything_takes_out_the_whole_cost(api, asset):
    trade(api, asset, type="buy", date="2026-02-01", quantity="20", price="0.01")  # cost 0.20, 30 units
    trade(api, asset, type="sell", date="2026-03-01", quantity="10", price="100")  # cost out 333.40
    trade(api, asset, type="sell", date="2026-03-02", quantity="20", price="100")  # the rest: 666.80
    quantity, invested, realized, _ = figures(api, asset)
    assert (quantity, invested) == ("0", "0.00")
    assert realized == "1999.80"  # 3,000 − 1,000.20


def test_dividends_and_fees_change_no_quantity_nor_cost(api, asset):
    trade(api, asset, type="dividend", date="2026-02-01", amount="12.34")
    trade(api, asset, type="dividend", date="2026-03-01", amount="0.66")
    trade(api, asset, type="fee", date="2026-03-01", amount="3.00")
    assert figures(api, asset) == ("10", "1000.00", "0.00", "13.00")


def test_a_split_multiplies_the_quantity_and_keeps_the_cost(api, asset):
    trade(api, asset, type="split", date="2026-02-01", quantity="2")
    assert figures(api, asset)[:2] == ("20", "1000.00")
    trade(api, asset, type="split", date="2026-03-01", quantity="0.25")  # a 1:4 reverse split
    assert figures(api, asset)[:2] == ("5", "1000.00")


@pytest.mark.parametrize("body, field_name", [
    ({"type": "buy", "date": "2026-02-01", "quantity": "1"}, "price"),
    ({"type": "buy", "date": "2026-02-01", "price": "1"}, "quantity"),
    ({"type": "buy", "date": "2026-02-01", "quantity": "1", "price": "1", "amount": "1"}, "amount"),
    ({"type": "sell", "date": "2026-02-01", "quantity": "1"}, "price"),
    ({"type": "dividend", "date": "2026-02-01", "amount": "5", "quantity": "1"}, "quantity"),
    ({"type": "dividend", "date": "2026-02-01"}, "amount"),
    ({"type": "dividend", "date": "2026-02-01", "amount": "5", "fee": "1"}, "fee"),
    ({"type": "fee", "date": "2026-02-01", "amount": "5", "price": "1"}, "price"),
    ({"type": "split", "date": "2026-02-01"}, "quantity"),
    ({"type": "split", "date": "2026-02-01", "quantity": "2", "price": "3"}, "price"),
    ({"type": "dividend", "date": "2026-02-01", "amount": "0"}, "amount"),
    ({"type": "buy", "date": "2026-02-01", "quantity": "-1", "price": "1"}, "quantity"),
    ({"type": "buy", "date": "2026-02-30", "quantity": "1", "price": "1"}, "date"),
    ({"type": "gift", "date": "2026-02-01", "amount": "1"}, "type"),
    ({"type": "buy", "date": "2026-02-01", "quantity": "1", "price": "1", "user_id": 1}, "user_id"),
])
def test_each_type_takes_its_own_fields(api, asset, body, field_name):
    problem = assert_problem(api.post(f"/api/assets/{asset}/trades", json=body), 422, field_name)
    assert problem["detail"]
    assert figures(api, asset) == ("10", "1000.00", "0.00", "0.00")
    assert api.get(f"/api/assets/{asset}/trades").json()["total"] == 1


def test_the_message_says_what_a_type_takes(api, asset):
    problem = assert_problem(api.post(f"/api/assets/{asset}/trades", json={
        "type": "dividend", "date": "2026-02-01", "amount": "5", "quantity": "1"}), 422, "quantity")
    assert "amount only" in problem["errors"][0]["message"]


def test_selling_more_than_is_held_is_422(api, asset):
    problem = assert_problem(api.post(f"/api/assets/{asset}/trades", json={
        "type": "sell", "date": "2026-02-01", "quantity": "10.00000001", "price": "1"}), 422, "quantity")
    assert "only 10 are held" in problem["detail"]
    # what a later buy brings does not count on an earlier day
    trade(api, asset, type="buy", date="2026-03-01", quantity="5", price="1")
    assert_problem(api.post(f"/api/assets/{asset}/trades", json={
        "type": "sell", "date": "2026-02-01", "quantity": "11", "price": "1"}), 422, "quantity")
    assert figures(api, asset)[0] == "15"


def test_a_trade_before_the_first_buy_is_422(api, asset):
    for kind, extra in [("buy", {"quantity": "1", "price": "1"}), ("dividend", {"amount": "1"}),
                        ("split", {"quantity": "2"})]:
        assert_problem(api.post(f"/api/assets/{asset}/trades", json={"type": kind, "date": "2026-01-09", **extra}),
                       422, "date")
    trade(api, asset, type="sell", date="2026-01-10", quantity="10", price="1")  # the same day is after it


def test_a_sell_whose_fee_passes_its_value_is_422(api, asset):
    assert_problem(api.post(f"/api/assets/{asset}/trades", json={
        "type": "sell", "date": "2026-02-01", "quantity": "1", "price": "1", "fee": "1.01"}), 422, "fee")


def test_extreme_values_are_422_not_500(api, asset):
    huge = "99999999999999999999.99999999"
    assert_problem(api.post(f"/api/assets/{asset}/trades", json={
        "type": "buy", "date": "2026-02-01", "quantity": huge, "price": huge}), 422, "quantity")
    assert_problem(api.post(f"/api/assets/{asset}/trades", json={
        "type": "split", "date": "2026-02-01", "quantity": huge}), 422, "quantity")
    trade(api, asset, type="split", date="2026-02-01", quantity="10000000000")  # 10^11 units
    add_prices(api, asset, {"2026-02-01": huge})
    r = api.get(f"/api/assets/{asset}/performance", params={"date_from": "2026-01-01", "date_to": "2026-03-01"})
    assert r.status == 200, r
    assert r.json()["end_value"] == "9999999999999999999999999999000.00"  # (10^20 − 10^-8) × 10^11, exact
    assert api.get(f"/api/portfolios/{api.get(f'/api/assets/{asset}').json()['portfolio_id']}/valuation",
                   params={"date": "2026-03-01"}).status == 200


def test_deleting_a_trade_recomputes_what_follows(api, asset):
    buy = trade(api, asset, type="buy", date="2026-02-01", quantity="10", price="200")
    trade(api, asset, type="sell", date="2026-03-01", quantity="10", price="300")
    assert figures(api, asset) == ("10", "1500.00", "1500.00", "0.00")
    # without the buy the sell takes out the first buy at 100 each
    sell_left = api.delete(f"/api/trades/{buy['id']}")
    assert sell_left.status == 204, sell_left
    assert figures(api, asset) == ("0", "0.00", "2000.00", "0.00")


def test_deleting_a_trade_that_a_later_sell_needs_is_422(api, asset):
    buy = trade(api, asset, type="buy", date="2026-02-01", quantity="10", price="200")
    trade(api, asset, type="sell", date="2026-03-01", quantity="15", price="300")
    problem = assert_problem(api.delete(f"/api/trades/{buy['id']}"), 422)
    assert "held" in problem["detail"]
    assert api.get(f"/api/assets/{asset}/trades").json()["total"] == 3


def test_the_first_buy_is_changed_through_the_asset_only(api, asset):
    first = api.get(f"/api/assets/{asset}/trades").json()["items"][0]
    assert_problem(api.delete(f"/api/trades/{first['id']}"), 422, "id")
    trade(api, asset, type="sell", date="2026-03-01", quantity="4", price="300")
    r = api.patch(f"/api/assets/{asset}", json={"quantity": "8", "amount_invested": "400"})
    assert r.status == 200, r
    # the patch is the first buy: 8 for 400 (50 each); the sell of 4 took out 200
    assert (r.json()["quantity"], r.json()["amount_invested"], r.json()["realized_gain"]) == ("4", "200.00", "1000.00")
    first = api.get(f"/api/assets/{asset}/trades", params={"sort": "date"}).json()["items"][0]
    assert (first["quantity"], first["amount"], first["initial"]) == ("8", "400.00", True)
    # a first buy too small for the later sell, or moved after it, is refused and changes nothing
    assert_problem(api.patch(f"/api/assets/{asset}", json={"quantity": "3"}), 422, "quantity")
    assert_problem(api.patch(f"/api/assets/{asset}", json={"purchase_date": "2026-03-02"}), 422, "purchase_date")
    assert figures(api, asset)[:2] == ("4", "200.00")


def test_trade_list_pages_and_filters(api, asset):
    for day in ("2026-02-01", "2026-03-01", "2026-04-01"):
        trade(api, asset, type="dividend", date=day, amount="1")
    body = api.get(f"/api/assets/{asset}/trades", params={"page_size": 2}).json()
    assert (body["total"], body["page_size"]) == (4, 2)
    assert [t["date"] for t in body["items"]] == ["2026-04-01", "2026-03-01"]
    body = api.get(f"/api/assets/{asset}/trades", params={"date_from": "2026-02-01", "date_to": "2026-03-01",
                                                          "sort": "date"}).json()
    assert [t["date"] for t in body["items"]] == ["2026-02-01", "2026-03-01"]
    assert_problem(api.get(f"/api/assets/{asset}/trades", params={"date_from": "2026-03-01",
                                                                  "date_to": "2026-02-01"}), 422, "date_to")


def test_deleting_the_asset_deletes_its_trades(api, asset):
    t = trade(api, asset, type="dividend", date="2026-02-01", amount="1")
    assert api.delete(f"/api/assets/{asset}").status == 204
    assert api.delete(f"/api/trades/{t['id']}").status == 404


def test_valuation_and_history_hold_each_days_quantity(api, asset):
    pid = api.get(f"/api/assets/{asset}").json()["portfolio_id"]
    add_prices(api, asset, {"2026-01-10": "100", "2026-02-10": "150"})
    trade(api, asset, type="buy", date="2026-02-01", quantity="10", price="120")  # cost 1,200
    trade(api, asset, type="sell", date="2026-03-01", quantity="5", price="150")  # cost out 550
    def line(day):
        return api.get(f"/api/portfolios/{pid}/valuation", params={"date": day}).json()["assets"][0]
    assert (line("2026-01-31")["quantity"], line("2026-01-31")["market_value"]) == ("10", "1000.00")
    assert (line("2026-02-01")["quantity"], line("2026-02-01")["amount_invested"]) == ("20", "2200.00")
    assert (line("2026-02-10")["market_value"], line("2026-02-10")["gain"]) == ("3000.00", "800.00")
    assert (line("2026-03-01")["quantity"], line("2026-03-01")["amount_invested"],
            line("2026-03-01")["market_value"]) == ("15", "1650.00", "2250.00")
    history = api.get(f"/api/portfolios/{pid}/history", params={"date_from": "2026-01-09", "date_to": "2026-03-01",
                                                                 "granularity": "day"}).json()["items"]
    by_day = {p["period"]: p["market_value"] for p in history}
    assert (by_day["2026-01-09"], by_day["2026-01-10"], by_day["2026-01-31"], by_day["2026-02-01"],
            by_day["2026-02-10"], by_day["2026-03-01"]) == ("0.00", "1000.00", "1000.00", "2000.00", "3000.00",
                                                            "2250.00")


def test_another_users_asset_and_trade_are_404(api, asset, other_user):
    t = trade(api, asset, type="dividend", date="2026-02-01", amount="1")
    other = other_user.client
    assert other.get(f"/api/assets/{asset}/trades").status == 404
    assert other.post(f"/api/assets/{asset}/trades", json={"type": "dividend", "date": "2026-02-01",
                                                           "amount": "1"}).status == 404
    assert other.delete(f"/api/trades/{t['id']}").status == 404
    assert other.get(f"/api/trades/{t['id']}").status == 404
    assert other.get(f"/api/assets/{asset}/performance").status == 404
    assert api.get(f"/api/assets/{asset}/trades").json()["total"] == 2
