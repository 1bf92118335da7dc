"""The assistant answers net worth (accounts + investments − card debt) in the caller's currency, and
names the currency when it records into a foreign-currency account."""
from __future__ import annotations

import datetime as dt

from tests.conftest import make_user
from tests.money.conftest import created, new_account, new_card, ok


def chat(client, message: str) -> dict:
    return ok(client.post("/api/chat", json={"message": message}))


def test_net_worth_is_accounts_plus_investments_minus_card_debt_in_the_users_currency():
    user = make_user(currency="USD")
    c = user.client
    today = dt.date.today().isoformat()
    ok(c.post("/api/fx-rates", json={"date": "2000-01-01", "base": "EUR", "quote": "USD", "rate": "1.5"}), 201)
    new_account(c, name="Euro savings", currency="EUR", opening_balance="200.00")   # 300.00 USD
    new_account(c, name="Checking", opening_balance="1000.00")
    card = new_card(c, name="Visa")
    created(c.post("/api/transactions", json={"type": "expense", "amount": "250", "date": today,
                                              "credit_card_id": card["id"]}))
    portfolio = created(c.post("/api/portfolios", json={"name": "Brokerage"}))
    created(c.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "ETF", "type": "etf", "quantity": "2", "amount_invested": "400", "purchase_date": today}))
    body = chat(c, "what is my net worth?")
    assert body["intent"] == "net_worth"
    assert (body["data"]["total"], body["data"]["accounts"], body["data"]["investments"],
            body["data"]["credit_cards"]) == ("1450.00", "1300.00", "400.00", "250.00")
    assert "$1,450.00" in body["reply"] and "$250.00" in body["reply"]
    assert body["data"]["total"] == ok(c.get("/api/net-worth"))["total"]


def test_net_worth_names_what_it_left_out():
    user = make_user(currency="GBP")
    new_account(user.client, name="Yen", currency="JPY", opening_balance="1000")
    new_account(user.client, name="Pounds", opening_balance="10")
    body = chat(user.client, "how much am I worth?")
    assert body["intent"] == "net_worth" and body["data"]["total"] == "10.00"
    assert "JPY" in body["reply"] and body["data"]["missing_rates"][0]["currency"] == "JPY"


def test_recording_into_a_foreign_account_names_its_currency():
    user = make_user(currency="USD")
    euros = new_account(user.client, name="Euro checking", currency="EUR")
    body = chat(user.client, "spent 12.50 on coffee from euro checking today")
    assert body["intent"] == "record_expense", body
    assert body["data"]["transaction"]["currency"] == "EUR"
    assert body["data"]["transaction"]["account_id"] == euros["id"]
    assert "€12.50 (EUR)" in body["reply"]


def test_balances_show_each_account_in_its_currency_and_the_total_in_the_users():
    user = make_user(currency="USD")
    c = user.client
    ok(c.post("/api/fx-rates", json={"date": "2000-01-01", "base": "USD", "quote": "EUR", "rate": "0.5"}), 201)
    new_account(c, name="Euros", currency="EUR", opening_balance="100.00")   # inverse: 200.00 USD
    new_account(c, name="Dollars", opening_balance="50.00")
    body = chat(c, "what are my balances?")
    assert body["intent"] == "balance" and body["data"]["total"] == "250.00"
    assert "€100.00 (EUR)" in body["reply"] and "$250.00 in all" in body["reply"]
