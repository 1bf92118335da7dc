"""/api/credit-cards: balance = charges − payments, available_credit and utilization."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import fetch, new_account, new_card, new_transaction, ok


def test_a_new_card_owes_nothing(api):
    card = new_card(api, issuer="Bank", last4="1234", apr="19.99", credit_limit="2500.00")
    assert card["balance"] == "0.00" and card["available_credit"] == "2500.00" and card["utilization"] == "0.0000"
    assert card["apr"] == "19.99" and card["last4"] == "1234" and card["issuer"] == "Bank"
    assert card["statement_day"] == 1 and card["due_day"] == 25


def test_balance_is_expenses_on_the_card_minus_payments_to_it(api):
    card = new_card(api, credit_limit="1000.00")
    account = new_account(api, opening_balance="500.00")
    new_transaction(api, amount="300.10", credit_card_id=card["id"])
    new_transaction(api, amount="49.90", credit_card_id=card["id"])
    new_transaction(api, type="transfer", amount="100.00", account_id=account["id"], to_credit_card_id=card["id"])
    body = fetch(api, f"/api/credit-cards/{card['id']}")
    assert body["balance"] == "250.00"
    assert body["available_credit"] == "750.00"
    assert body["utilization"] == "0.2500"
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "400.00"


def test_over_the_limit_utilization_is_above_one_and_available_credit_negative(api):
    card = new_card(api, credit_limit="100.00")
    new_transaction(api, amount="150.00", credit_card_id=card["id"])
    body = fetch(api, f"/api/credit-cards/{card['id']}")
    assert body["balance"] == "150.00" and body["available_credit"] == "-50.00" and body["utilization"] == "1.5000"


def test_an_overpaid_card_has_a_negative_balance_and_zero_utilization(api):
    card = new_card(api, credit_limit="100.00")
    account = new_account(api)
    new_transaction(api, type="transfer", amount="20.00", account_id=account["id"], to_credit_card_id=card["id"])
    body = fetch(api, f"/api/credit-cards/{card['id']}")
    assert body["balance"] == "-20.00" and body["available_credit"] == "120.00" and body["utilization"] == "0.0000"


def test_raising_the_limit_changes_utilization_not_balance(api):
    card = new_card(api, credit_limit="200.00")
    new_transaction(api, amount="50.00", credit_card_id=card["id"])
    body = ok(api.patch(f"/api/credit-cards/{card['id']}", json={"credit_limit": "1000"}))
    assert body["balance"] == "50.00" and body["utilization"] == "0.0500" and body["available_credit"] == "950.00"


def test_utilization_rounds_to_four_places(api):
    card = new_card(api, credit_limit="300.00")
    new_transaction(api, amount="100.00", credit_card_id=card["id"])
    assert fetch(api, f"/api/credit-cards/{card['id']}")["utilization"] == "0.3333"


@pytest.mark.parametrize("body, field", [
    ({"credit_limit": "0"}, "credit_limit"),
    ({"credit_limit": "-5"}, "credit_limit"),
    ({"last4": "123"}, "last4"),
    ({"last4": "12345"}, "last4"),
    ({"last4": 1234}, "last4"),
    ({"statement_day": 0}, "statement_day"),
    ({"due_day": 32}, "due_day"),
    ({"apr": "-1"}, "apr"),
    ({"apr": "abc"}, "apr"),
    ({"balance": "10"}, "balance"),
    ({"utilization": "0.1"}, "utilization"),
])
def test_invalid_fields_are_422(api, body, field):
    base = {"name": "Visa", "credit_limit": "1000.00", "statement_day": 1, "due_day": 25}
    assert_problem(api.post("/api/credit-cards", json={**base, **body}), 422, field)


def test_apr_round_trips_exactly(api):
    card = new_card(api, apr="24.5")
    assert card["apr"] == "24.50"
    assert fetch(api, f"/api/credit-cards/{card['id']}")["apr"] == "24.50"


def test_apr_with_more_fraction_digits_than_answered_is_refused_not_rounded(api):
    assert_problem(api.post("/api/credit-cards", json={"name": "V", "credit_limit": "1", "statement_day": 1,
                                                       "due_day": 1, "apr": "19.125"}), 422, "apr")


def test_patch_null_clears_optional_fields_and_refuses_required_ones(api):
    card = new_card(api, issuer="Bank", last4="9876", apr="12.00")
    body = ok(api.patch(f"/api/credit-cards/{card['id']}", json={"issuer": None, "last4": None, "apr": None}))
    assert body["issuer"] is None and body["last4"] is None and body["apr"] is None and body["name"] == "Visa"
    for required in ("name", "credit_limit", "statement_day", "due_day"):
        assert_problem(api.patch(f"/api/credit-cards/{card['id']}", json={required: None}), 422, required)


def test_deleting_a_card_that_transactions_use_is_409(api):
    charged, paid = new_card(api), new_card(api, name="Paid")
    account = new_account(api)
    new_transaction(api, credit_card_id=charged["id"])
    new_transaction(api, type="transfer", account_id=account["id"], to_credit_card_id=paid["id"])
    assert_problem(api.delete(f"/api/credit-cards/{charged['id']}"), 409)
    assert_problem(api.delete(f"/api/credit-cards/{paid['id']}"), 409)
    unused = new_card(api, name="Unused")
    assert api.delete(f"/api/credit-cards/{unused['id']}").status == 204
    assert_problem(api.get(f"/api/credit-cards/{unused['id']}"), 404)


def test_list_carries_the_computed_fields(api):
    card = new_card(api, credit_limit="400.00")
    new_transaction(api, amount="100.00", credit_card_id=card["id"])
    body = ok(api.get("/api/credit-cards"))
    assert body["total"] == 1
    assert body["items"][0]["balance"] == "100.00" and body["items"][0]["utilization"] == "0.2500"
