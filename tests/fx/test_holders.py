"""A currency on every money holder, transactions in their holder's currency, transfers across
currencies with `to_amount`."""
from __future__ import annotations

from tests.conftest import assert_problem, make_user
from tests.money.conftest import created, new_account, new_card, ok


def test_holders_default_to_the_users_currency():
    client = make_user(currency="EUR").client
    assert new_account(client)["currency"] == "EUR"
    assert new_card(client)["currency"] == "EUR"
    portfolio = created(client.post("/api/portfolios", json={"name": "P"}))
    asset = created(client.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "A", "type": "stock", "quantity": "1", "amount_invested": "10", "purchase_date": "2026-01-02"}))
    assert asset["currency"] == "EUR"


def test_a_holder_takes_its_own_currency_and_refuses_unknown_ones(api):
    assert new_account(api, currency="gbp")["currency"] == "GBP"
    assert new_card(api, currency="JPY")["currency"] == "JPY"
    for code in ("XYZ", "US", "EURO", 840):
        assert_problem(api.post("/api/accounts", json={"name": "A", "type": "cash", "currency": code}), 422,
                       "currency")
    account = new_account(api)
    assert_problem(api.patch(f"/api/accounts/{account['id']}", json={"currency": None}), 422, "currency")


def test_currency_changes_until_transactions_use_the_holder(api):
    account = new_account(api)
    assert ok(api.patch(f"/api/accounts/{account['id']}", json={"currency": "CHF"}))["currency"] == "CHF"
    created(api.post("/api/transactions", json={"type": "income", "amount": "5", "date": "2026-01-02",
                                                "account_id": account["id"]}))
    assert_problem(api.patch(f"/api/accounts/{account['id']}", json={"currency": "EUR"}), 409)
    assert ok(api.patch(f"/api/accounts/{account['id']}", json={"currency": "CHF", "name": "Same"}))["name"] == "Same"
    card = new_card(api)
    created(api.post("/api/transactions", json={"type": "expense", "amount": "5", "date": "2026-01-02",
                                                "credit_card_id": card["id"]}))
    assert_problem(api.patch(f"/api/credit-cards/{card['id']}", json={"currency": "EUR"}), 409)


def test_an_asset_currency_is_fixed_once_it_has_prices(api):
    portfolio = created(api.post("/api/portfolios", json={"name": "P"}))
    asset = created(api.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "A", "type": "stock", "quantity": "1", "amount_invested": "10", "purchase_date": "2026-01-02",
        "currency": "EUR"}))
    assert ok(api.patch(f"/api/assets/{asset['id']}", json={"currency": "GBP"}))["currency"] == "GBP"
    created(api.post(f"/api/assets/{asset['id']}/prices", json={"date": "2026-01-03", "price": "11"}))
    assert_problem(api.patch(f"/api/assets/{asset['id']}", json={"currency": "USD"}), 409)


def test_a_transaction_is_in_its_holders_currency_or_the_users():
    client = make_user(currency="GBP").client
    euros, dollars = new_account(client, currency="EUR"), new_card(client, currency="USD")
    at = {"type": "expense", "amount": "3.50", "date": "2026-01-02"}
    assert created(client.post("/api/transactions", json={**at, "account_id": euros["id"]}))["currency"] == "EUR"
    assert created(client.post("/api/transactions", json={**at, "credit_card_id": dollars["id"]}))["currency"] == "USD"
    cash = created(client.post("/api/transactions", json=at))
    assert cash["currency"] == "GBP" and cash["to_amount"] is None
    moved = ok(client.patch(f"/api/transactions/{cash['id']}", json={"account_id": euros["id"]}))
    assert moved["currency"] == "EUR"
    assert ok(client.get(f"/api/accounts/{euros['id']}"))["balance"] == "-7.00"


def test_a_transfer_across_currencies_needs_the_amount_that_arrived(api):
    euros, pounds = new_account(api, currency="EUR", opening_balance="1000"), new_account(api, currency="GBP")
    transfer = {"type": "transfer", "amount": "100.00", "date": "2026-01-02", "account_id": euros["id"],
                "to_account_id": pounds["id"]}
    assert_problem(api.post("/api/transactions", json=transfer), 422, "to_amount")
    done = created(api.post("/api/transactions", json={**transfer, "to_amount": "85.37"}))
    assert (done["currency"], done["amount"], done["to_amount"]) == ("EUR", "100.00", "85.37")
    assert ok(api.get(f"/api/accounts/{euros['id']}"))["balance"] == "900.00"
    assert ok(api.get(f"/api/accounts/{pounds['id']}"))["balance"] == "85.37"
    ok(api.patch(f"/api/transactions/{done['id']}", json={"to_amount": "86.00"}))
    assert ok(api.get(f"/api/accounts/{pounds['id']}"))["balance"] == "86.00"
    api.delete(f"/api/transactions/{done['id']}")
    assert ok(api.get(f"/api/accounts/{pounds['id']}"))["balance"] == "0.00"
    assert ok(api.get(f"/api/accounts/{euros['id']}"))["balance"] == "1000.00"


def test_paying_a_card_in_another_currency(api):
    euros, card = new_account(api, currency="EUR"), new_card(api, currency="USD")
    created(api.post("/api/transactions", json={"type": "expense", "amount": "50", "date": "2026-01-02",
                                                "credit_card_id": card["id"]}))
    pay = {"type": "transfer", "amount": "40.00", "date": "2026-01-03", "account_id": euros["id"],
           "to_credit_card_id": card["id"]}
    assert_problem(api.post("/api/transactions", json=pay), 422, "to_amount")
    created(api.post("/api/transactions", json={**pay, "to_amount": "43.10"}))
    assert ok(api.get(f"/api/credit-cards/{card['id']}"))["balance"] == "6.90"
    assert ok(api.get(f"/api/accounts/{euros['id']}"))["balance"] == "-40.00"


def test_to_amount_is_refused_where_it_means_nothing(api):
    a, b = new_account(api), new_account(api)
    same = {"type": "transfer", "amount": "10", "date": "2026-01-02", "account_id": a["id"], "to_account_id": b["id"],
            "to_amount": "10"}
    assert_problem(api.post("/api/transactions", json=same), 422, "to_amount")
    assert_problem(api.post("/api/transactions", json={"type": "expense", "amount": "1", "date": "2026-01-02",
                                                       "to_amount": "1"}), 422, "to_amount")
    assert_problem(api.post("/api/transactions", json={**same, "to_amount": "0"}), 422, "to_amount")
