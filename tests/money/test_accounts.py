"""/api/accounts: the five routes, exact money, validation, and the computed balance."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import fetch, new_account, new_card, new_category, new_transaction, ok


def test_create_answers_201_with_the_fields_and_a_balance_equal_to_the_opening_balance(api):
    r = api.post("/api/accounts", json={"name": "Main", "type": "checking", "institution": "Bank",
                                        "opening_balance": "123456.78"})
    assert r.status == 201, r
    body = r.json()
    assert body["name"] == "Main" and body["type"] == "checking" and body["institution"] == "Bank"
    assert body["opening_balance"] == "123456.78" and body["balance"] == "123456.78"
    assert isinstance(body["id"], int) and body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")


def test_opening_balance_defaults_to_zero(api):
    body = new_account(api)
    assert body["opening_balance"] == "0.00" and body["balance"] == "0.00" and body["institution"] is None


@pytest.mark.parametrize("amount", ["123456.78", 123456.78, "0.1", "999999999999.99", "-250.5"])
def test_money_round_trips_exactly_as_a_string(api, amount):
    body = new_account(api, opening_balance=amount)
    expected = {"0.1": "0.10", "-250.5": "-250.50"}.get(str(amount), str(amount))
    assert body["opening_balance"] == expected
    assert fetch(api, f"/api/accounts/{body['id']}")["opening_balance"] == expected


@pytest.mark.parametrize("amount", ["1000000000000.00", "1e400", "NaN", "Infinity", "-Infinity", "abc", True,
                                    "12.345", "", None, [], {}, "1e-400", "12345678901234567890123456789.123"])
def test_bad_money_is_422_never_500(api, amount):
    assert_problem(api.post("/api/accounts", json={"name": "x", "type": "checking", "opening_balance": amount}),
                   422, "opening_balance")


def test_json_nan_and_infinity_literals_are_422(api):
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        raw = '{"name": "x", "type": "cash", "opening_balance": ' + literal + '}'
        r = api.post("/api/accounts", data=raw, headers={"content-type": "application/json"})
        assert_problem(r, 422, "opening_balance")


@pytest.mark.parametrize("field", ["user_id", "id", "balance", "created_at", "nickname"])
def test_unknown_or_computed_fields_are_422(api, field):
    assert_problem(api.post("/api/accounts", json={"name": "x", "type": "cash", field: 1}), 422, field)


def test_type_must_be_one_of_the_listed_kinds(api):
    assert_problem(api.post("/api/accounts", json={"name": "x", "type": "crypto"}), 422, "type")


def test_name_and_type_are_required(api):
    body = assert_problem(api.post("/api/accounts", json={}), 422)
    assert {e["field"] for e in body["errors"]} >= {"name", "type"}


def test_patch_applies_only_the_sent_fields(api):
    account = new_account(api, institution="Bank", opening_balance="10.00")
    body = ok(api.patch(f"/api/accounts/{account['id']}", json={"name": "Renamed"}))
    assert body["name"] == "Renamed" and body["institution"] == "Bank" and body["opening_balance"] == "10.00"
    assert body["type"] == "checking"


def test_patch_null_clears_an_optional_field_but_not_a_required_one(api):
    account = new_account(api, institution="Bank")
    assert ok(api.patch(f"/api/accounts/{account['id']}", json={"institution": None}))["institution"] is None
    for required in ("name", "type", "opening_balance"):
        assert_problem(api.patch(f"/api/accounts/{account['id']}", json={required: None}), 422, required)
    assert fetch(api, f"/api/accounts/{account['id']}")["name"] == "Checking"


def test_patch_refuses_computed_fields(api):
    account = new_account(api)
    assert_problem(api.patch(f"/api/accounts/{account['id']}", json={"balance": "5"}), 422, "balance")


def test_changing_the_opening_balance_moves_the_balance_by_the_difference(api):
    account = new_account(api, opening_balance="100.00")
    new_transaction(api, account_id=account["id"], amount="30.00")
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "70.00"
    body = ok(api.patch(f"/api/accounts/{account['id']}", json={"opening_balance": "150.25"}))
    assert body["balance"] == "120.25"


def test_balance_is_opening_plus_income_minus_expenses_minus_transfers_out_plus_transfers_in(api):
    a = new_account(api, opening_balance="1000.00")
    b = new_account(api, name="Savings", type="savings", opening_balance="50.00")
    card = new_card(api)
    salary = new_category(api, "income")["id"]
    new_transaction(api, type="income", amount="2500.10", account_id=a["id"], category_id=salary)
    new_transaction(api, type="expense", amount="99.99", account_id=a["id"])
    new_transaction(api, type="transfer", amount="400.00", account_id=a["id"], to_account_id=b["id"])
    new_transaction(api, type="transfer", amount="25.05", account_id=b["id"], to_account_id=a["id"])
    new_transaction(api, type="transfer", amount="100.00", account_id=a["id"], to_credit_card_id=card["id"])
    new_transaction(api, type="expense", amount="7.00", credit_card_id=card["id"])  # not from the account
    assert fetch(api, f"/api/accounts/{a['id']}")["balance"] == "2925.16"
    assert fetch(api, f"/api/accounts/{b['id']}")["balance"] == "424.95"


def test_list_is_paginated_with_a_total(api):
    for i in range(5):
        new_account(api, name=f"A{i}")
    body = ok(api.get("/api/accounts", params={"page": 2, "page_size": 2}))
    assert body["page"] == 2 and body["page_size"] == 2 and body["total"] == 5
    assert [a["name"] for a in body["items"]] == ["A2", "A3"]
    default = ok(api.get("/api/accounts"))
    assert default["page"] == 1 and default["page_size"] == 50 and len(default["items"]) == 5


def test_a_page_beyond_the_end_is_empty_with_the_right_total(api):
    new_account(api)
    body = ok(api.get("/api/accounts", params={"page": 7, "page_size": 10}))
    assert body["items"] == [] and body["total"] == 1 and body["page"] == 7


@pytest.mark.parametrize("params", [{"page_size": 0}, {"page_size": 101}, {"page_size": "abc"}, {"page": 0},
                                    {"page": "x"}, {"page": -1}])
def test_bad_paging_is_422(api, params):
    field = next(iter(params))
    assert_problem(api.get("/api/accounts", params=params), 422, field)


def test_page_size_100_is_accepted(api):
    assert ok(api.get("/api/accounts", params={"page_size": 100}))["page_size"] == 100


def test_delete_answers_204_and_the_account_is_gone(api):
    account = new_account(api)
    r = api.delete(f"/api/accounts/{account['id']}")
    assert r.status == 204 and r.body == b""
    assert_problem(api.get(f"/api/accounts/{account['id']}"), 404)
    assert_problem(api.delete(f"/api/accounts/{account['id']}"), 404)


def test_deleting_an_account_that_transactions_use_is_409(api):
    a, b = new_account(api), new_account(api, name="B")
    new_transaction(api, account_id=a["id"])
    new_transaction(api, type="transfer", account_id=a["id"], to_account_id=b["id"])
    for account in (a, b):
        assert_problem(api.delete(f"/api/accounts/{account['id']}"), 409)
        assert fetch(api, f"/api/accounts/{account['id']}")["id"] == account["id"]


def test_deleting_an_account_unlinks_its_income_sources(api):
    account = new_account(api)
    source = ok(api.post("/api/income-sources", json={"name": "Job", "amount": "10", "frequency": "monthly",
                                                      "account_id": account["id"]}), 201)
    assert api.delete(f"/api/accounts/{account['id']}").status == 204
    assert fetch(api, f"/api/income-sources/{source['id']}")["account_id"] is None


def test_another_users_account_is_404_for_get_patch_and_delete(api, other_user):
    account = new_account(api)
    them = other_user.client
    assert_problem(them.get(f"/api/accounts/{account['id']}"), 404)
    assert_problem(them.patch(f"/api/accounts/{account['id']}", json={"name": "mine"}), 404)
    assert_problem(them.delete(f"/api/accounts/{account['id']}"), 404)
    assert fetch(api, f"/api/accounts/{account['id']}") == account
    assert ok(them.get("/api/accounts"))["total"] == 0


def test_unknown_id_is_404(api):
    assert_problem(api.get("/api/accounts/999999999"), 404)
    assert_problem(api.get("/api/accounts/0"), 404)


def test_without_a_token_it_is_401(anon):
    assert_problem(anon.get("/api/accounts"), 401)
    assert_problem(anon.post("/api/accounts", json={"name": "x", "type": "cash"}), 401)


def test_body_that_is_not_json_is_400(api):
    assert_problem(api.post("/api/accounts", data="{nope", headers={"content-type": "application/json"}), 400)
    assert_problem(api.post("/api/accounts", json=["a"]), 400)


def test_patch_moves_updated_at_but_not_created_at(api):
    account = new_account(api)
    body = ok(api.patch(f"/api/accounts/{account['id']}", json={"name": "Later"}))
    assert body["created_at"] == account["created_at"] and body["updated_at"] > account["updated_at"]
