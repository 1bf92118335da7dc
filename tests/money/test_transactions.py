"""/api/transactions: the shape rules, ledger effects, filters, sorting and paging."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import (
    fetch,
    new_account,
    new_card,
    new_category,
    new_income_source,
    new_transaction,
    ok,
)


def balance(api, account) -> str:
    return fetch(api, f"/api/accounts/{account['id']}")["balance"]


def card_balance(api, card) -> str:
    return fetch(api, f"/api/credit-cards/{card['id']}")["balance"]


# --- shapes ------------------------------------------------------------------------------

def test_income_into_an_account(api):
    account = new_account(api)
    salary = new_category(api, "income")
    source = new_income_source(api)
    tx = new_transaction(api, type="income", amount="1500.00", account_id=account["id"], category_id=salary["id"],
                         income_source_id=source["id"], description="Pay", date="2026-10-31")
    assert tx["type"] == "income" and tx["amount"] == "1500.00" and tx["date"] == "2026-10-31"
    assert tx["income_source_id"] == source["id"] and tx["description"] == "Pay"
    assert balance(api, account) == "1500.00"


def test_expense_from_an_account_from_a_card_or_in_cash(api):
    account, card = new_account(api, opening_balance="100"), new_card(api)
    new_transaction(api, amount="10.00", account_id=account["id"])
    new_transaction(api, amount="20.00", credit_card_id=card["id"])
    cash = new_transaction(api, amount="5.00")
    assert cash["account_id"] is None and cash["credit_card_id"] is None
    assert balance(api, account) == "90.00" and card_balance(api, card) == "20.00"


def test_expense_from_both_an_account_and_a_card_is_422(api):
    account, card = new_account(api), new_card(api)
    r = api.post("/api/transactions", json={"type": "expense", "amount": "1", "date": "2026-01-01",
                                            "account_id": account["id"], "credit_card_id": card["id"]})
    assert_problem(r, 422, "credit_card_id")


def test_transfer_between_two_own_accounts(api):
    a, b = new_account(api, opening_balance="100"), new_account(api, name="B")
    new_transaction(api, type="transfer", amount="40.00", account_id=a["id"], to_account_id=b["id"])
    assert balance(api, a) == "60.00" and balance(api, b) == "40.00"


def test_transfer_paying_a_card(api):
    account, card = new_account(api, opening_balance="100"), new_card(api)
    new_transaction(api, amount="70.00", credit_card_id=card["id"])
    new_transaction(api, type="transfer", amount="50.00", account_id=account["id"], to_credit_card_id=card["id"])
    assert balance(api, account) == "50.00" and card_balance(api, card) == "20.00"


def test_a_refund_on_a_card_lowers_its_balance(api):
    card = new_card(api)
    new_transaction(api, amount="70.00", credit_card_id=card["id"])
    refund = new_transaction(api, type="income", amount="25.50", credit_card_id=card["id"])
    assert refund["credit_card_id"] == card["id"] and card_balance(api, card) == "44.50"
    ok(api.patch(f"/api/transactions/{refund['id']}", json={"amount": "30.00"}))
    assert card_balance(api, card) == "40.00"
    assert api.delete(f"/api/transactions/{refund['id']}").status == 204
    assert card_balance(api, card) == "70.00"


def test_shape_errors_are_sentences_that_say_what_to_send():
    from shared.errors import Invalid
    from shared.services.transactions import Transactions

    try:
        Transactions().validate_row(None, None, {"type": "income", "amount": 1, "to_account_id": 3}, None)
    except Invalid as exc:
        message = exc.errors[0]["message"]
        assert message == "to_account_id is not used by an income transaction; leave it out"
        assert exc.detail == ("The transaction is not valid: to_account_id is not used by an income transaction; "
                              "leave it out.")
    else:
        raise AssertionError("an income with to_account_id was accepted")


@pytest.mark.parametrize("shape, field", [
    ({"type": "transfer"}, "account_id"),
    ({"type": "transfer", "account_id": "A"}, "to_account_id"),
    ({"type": "transfer", "account_id": "A", "to_account_id": "A"}, "to_account_id"),
    ({"type": "transfer", "account_id": "A", "to_account_id": "B", "to_credit_card_id": "C"}, "to_account_id"),
    ({"type": "transfer", "account_id": "A", "to_account_id": "B", "category_id": "E"}, "category_id"),
    ({"type": "transfer", "credit_card_id": "C", "to_account_id": "B"}, "credit_card_id"),
    ({"type": "income", "account_id": "A", "to_account_id": "B"}, "to_account_id"),
    ({"type": "income", "account_id": "A", "credit_card_id": "C"}, "credit_card_id"),
    ({"type": "expense", "account_id": "A", "income_source_id": "S"}, "income_source_id"),
    ({"type": "expense", "account_id": "A", "to_credit_card_id": "C"}, "to_credit_card_id"),
    ({"type": "expense", "category_id": "I"}, "category_id"),
    ({"type": "income", "category_id": "E"}, "category_id"),
    ({"type": "refund"}, "type"),
])
def test_shape_rules_are_422(api, shape, field):
    ids = {"A": new_account(api)["id"], "B": new_account(api, name="B")["id"], "C": new_card(api)["id"],
           "E": new_category(api, "expense")["id"], "I": new_category(api, "income")["id"],
           "S": new_income_source(api)["id"]}
    body = {"amount": "1.00", "date": "2026-01-01", **{k: ids.get(v, v) for k, v in shape.items()}}
    assert_problem(api.post("/api/transactions", json=body), 422, field)
    assert ok(api.get("/api/transactions"))["total"] == 0
    assert all(fetch(api, f"/api/accounts/{ids[k]}")["balance"] == "0.00" for k in "AB")


@pytest.mark.parametrize("field", ["account_id", "to_account_id", "credit_card_id", "to_credit_card_id",
                                   "category_id", "income_source_id"])
def test_a_reference_to_another_users_row_is_422(api, other_user, field):
    them = other_user.client
    theirs = {"account_id": new_account(them)["id"], "credit_card_id": new_card(them)["id"],
              "category_id": new_category(them, "expense")["id"], "income_source_id": new_income_source(them)["id"]}
    mine = new_account(api)
    bodies = {
        "account_id": {"type": "expense", "account_id": theirs["account_id"]},
        "to_account_id": {"type": "transfer", "account_id": mine["id"], "to_account_id": theirs["account_id"]},
        "credit_card_id": {"type": "expense", "credit_card_id": theirs["credit_card_id"]},
        "to_credit_card_id": {"type": "transfer", "account_id": mine["id"],
                              "to_credit_card_id": theirs["credit_card_id"]},
        "category_id": {"type": "expense", "category_id": theirs["category_id"]},
        "income_source_id": {"type": "income", "income_source_id": theirs["income_source_id"]},
    }
    body = {"amount": "5.00", "date": "2026-01-01", **bodies[field]}
    assert_problem(api.post("/api/transactions", json=body), 422, field)
    tx = new_transaction(api, **{"type": bodies[field]["type"], "amount": "5.00"} | (
        {"account_id": mine["id"], "to_account_id": new_account(api, name="B")["id"]}
        if bodies[field]["type"] == "transfer" else {}))
    patch = {field: bodies[field][field]}
    assert_problem(api.patch(f"/api/transactions/{tx['id']}", json=patch), 422, field)
    assert fetch(them, f"/api/accounts/{theirs['account_id']}")["balance"] == "0.00"
    assert fetch(them, f"/api/credit-cards/{theirs['credit_card_id']}")["balance"] == "0.00"


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "1000000000000.00", "1e400", "NaN", "Infinity", "abc",
                                    True, None])
def test_bad_amounts_are_422(api, amount):
    r = api.post("/api/transactions", json={"type": "expense", "amount": amount, "date": "2026-01-01"})
    assert_problem(r, 422, "amount")


def test_largest_amount_is_accepted_and_exact(api):
    account = new_account(api)
    tx = new_transaction(api, type="income", amount="999999999999.99", account_id=account["id"])
    assert tx["amount"] == "999999999999.99" and balance(api, account) == "999999999999.99"


def test_amount_as_a_json_number_is_exact(api):
    tx = new_transaction(api, amount=123456.78)
    assert tx["amount"] == "123456.78"
    assert fetch(api, f"/api/transactions/{tx['id']}")["amount"] == "123456.78"


@pytest.mark.parametrize("field", ["user_id", "id", "balance", "created_at"])
def test_unknown_fields_are_422(api, field):
    r = api.post("/api/transactions", json={"type": "expense", "amount": "1", "date": "2026-01-01", field: 1})
    assert_problem(r, 422, field)


@pytest.mark.parametrize("date", ["2026-13-01", "2026-02-29", "26-01-01", "", 20260101, None])
def test_bad_dates_are_422(api, date):
    assert_problem(api.post("/api/transactions", json={"type": "expense", "amount": "1", "date": date}), 422, "date")


# --- patch and delete keep balances in step ----------------------------------------------

def test_patching_the_amount_moves_the_balance(api):
    account = new_account(api, opening_balance="100")
    tx = new_transaction(api, amount="10.00", account_id=account["id"])
    ok(api.patch(f"/api/transactions/{tx['id']}", json={"amount": "25.50"}))
    assert balance(api, account) == "74.50"


def test_moving_a_transaction_to_another_account_moves_its_effect(api):
    a, b = new_account(api), new_account(api, name="B")
    tx = new_transaction(api, amount="10.00", account_id=a["id"])
    ok(api.patch(f"/api/transactions/{tx['id']}", json={"account_id": b["id"]}))
    assert balance(api, a) == "0.00" and balance(api, b) == "-10.00"


def test_changing_an_expense_into_a_card_payment(api):
    account, card = new_account(api), new_card(api)
    category = new_category(api)
    tx = new_transaction(api, amount="10.00", account_id=account["id"], category_id=category["id"])
    assert_problem(api.patch(f"/api/transactions/{tx['id']}", json={"type": "transfer",
                                                                   "to_credit_card_id": card["id"]}),
                   422, "category_id")
    ok(api.patch(f"/api/transactions/{tx['id']}", json={"type": "transfer", "to_credit_card_id": card["id"],
                                                         "category_id": None}))
    assert balance(api, account) == "-10.00" and card_balance(api, card) == "-10.00"


def test_patch_applies_only_sent_fields_and_null_clears_optional_ones(api):
    category = new_category(api)
    tx = new_transaction(api, description="Lunch", category_id=category["id"], amount="12.00")
    body = ok(api.patch(f"/api/transactions/{tx['id']}", json={"description": None}))
    assert body["description"] is None and body["category_id"] == category["id"] and body["amount"] == "12.00"
    body = ok(api.patch(f"/api/transactions/{tx['id']}", json={"category_id": None}))
    assert body["category_id"] is None
    for required in ("type", "amount", "date"):
        assert_problem(api.patch(f"/api/transactions/{tx['id']}", json={required: None}), 422, required)


def test_deleting_a_transaction_undoes_its_effect(api):
    a, b = new_account(api, opening_balance="50"), new_account(api, name="B")
    card = new_card(api)
    t1 = new_transaction(api, type="transfer", amount="20.00", account_id=a["id"], to_account_id=b["id"])
    t2 = new_transaction(api, type="transfer", amount="5.00", account_id=a["id"], to_credit_card_id=card["id"])
    for tx in (t1, t2):
        assert api.delete(f"/api/transactions/{tx['id']}").status == 204
    assert balance(api, a) == "50.00" and balance(api, b) == "0.00" and card_balance(api, card) == "0.00"


def test_a_failed_patch_changes_nothing(api):
    a = new_account(api)
    tx = new_transaction(api, amount="10.00", account_id=a["id"])
    assert_problem(api.patch(f"/api/transactions/{tx['id']}", json={"amount": "20", "to_account_id": a["id"]}), 422)
    assert fetch(api, f"/api/transactions/{tx['id']}")["amount"] == "10.00" and balance(api, a) == "-10.00"


# --- list: filters, sort, paging ---------------------------------------------------------

@pytest.fixture
def ledger(api):
    a, b = new_account(api, name="A"), new_account(api, name="B")
    card = new_card(api)
    food, pay = new_category(api, "expense"), new_category(api, "income")
    rows = {
        "coffee": new_transaction(api, amount="3.50", date="2026-01-05", description="Morning COFFEE",
                                  account_id=a["id"], category_id=food["id"]),
        "salary": new_transaction(api, type="income", amount="2000.00", date="2026-01-31", description="Salary Jan",
                                  account_id=a["id"], category_id=pay["id"]),
        "move": new_transaction(api, type="transfer", amount="500.00", date="2026-02-01", description="to savings",
                                account_id=a["id"], to_account_id=b["id"]),
        "back": new_transaction(api, type="transfer", amount="50.00", date="2026-02-10",
                                account_id=b["id"], to_account_id=a["id"]),
        "dinner": new_transaction(api, amount="45.10", date="2026-02-14", description="dinner 50% off",
                                  credit_card_id=card["id"], category_id=food["id"]),
        "payment": new_transaction(api, type="transfer", amount="45.10", date="2026-02-20",
                                   account_id=a["id"], to_credit_card_id=card["id"]),
        "cash": new_transaction(api, amount="3.50", date="2026-02-20", description="coffee again"),
    }
    return {"rows": rows, "a": a, "b": b, "card": card, "food": food, "pay": pay}


def names(api, ledger, **params) -> list[str]:
    by_id = {tx["id"]: name for name, tx in ledger["rows"].items()}
    body = ok(api.get("/api/transactions", params=params))
    assert body["total"] == len(body["items"]) or params.get("page_size")
    return [by_id[item["id"]] for item in body["items"]]


def test_default_order_is_newest_first_then_newest_id(api, ledger):
    assert names(api, ledger) == ["cash", "payment", "dinner", "back", "move", "salary", "coffee"]


@pytest.mark.parametrize("sort, expected", [
    ("date", ["coffee", "salary", "move", "back", "dinner", "payment", "cash"]),
    ("-date", ["cash", "payment", "dinner", "back", "move", "salary", "coffee"]),
    ("amount", ["coffee", "cash", "dinner", "payment", "back", "move", "salary"]),
    ("-amount", ["salary", "move", "back", "payment", "dinner", "cash", "coffee"]),
])
def test_sort(api, ledger, sort, expected):
    assert names(api, ledger, sort=sort) == expected


@pytest.mark.parametrize("params, expected", [
    ({"type": "transfer"}, {"move", "back", "payment"}),
    ({"type": "income"}, {"salary"}),
    ({"date_from": "2026-02-10", "date_to": "2026-02-20"}, {"back", "dinner", "payment", "cash"}),
    ({"date_from": "2026-02-14"}, {"dinner", "payment", "cash"}),
    ({"date_to": "2026-01-31"}, {"coffee", "salary"}),
    ({"min_amount": "45.10", "max_amount": "500"}, {"dinner", "payment", "move", "back"}),
    ({"min_amount": "3.5", "max_amount": "3.50"}, {"coffee", "cash"}),
    ({"q": "coffee"}, {"coffee", "cash"}),
    ({"q": "CoFfEe"}, {"coffee", "cash"}),
    ({"q": "50%"}, {"dinner"}),
    ({"q": "_"}, set()),
    ({"q": "nothing like it"}, set()),
    ({"type": "expense", "q": "coffee", "max_amount": "3.50", "date_from": "2026-02-01"}, {"cash"}),
])
def test_filters(api, ledger, params, expected):
    assert set(names(api, ledger, **params)) == expected


def test_q_ignores_case_beyond_ascii(api):
    new_transaction(api, description="Café CRÈME")
    assert ok(api.get("/api/transactions", params={"q": "crème"}))["total"] == 1


def test_filter_by_category(api, ledger):
    assert set(names(api, ledger, category_id=ledger["food"]["id"])) == {"coffee", "dinner"}


def test_filter_by_account_matches_either_side_of_a_transfer(api, ledger):
    assert set(names(api, ledger, account_id=ledger["b"]["id"])) == {"move", "back"}
    assert set(names(api, ledger, account_id=ledger["a"]["id"])) == {"coffee", "salary", "move", "back", "payment"}


def test_filter_by_credit_card_matches_charges_and_payments(api, ledger):
    assert set(names(api, ledger, credit_card_id=ledger["card"]["id"])) == {"dinner", "payment"}


def test_filters_combine_with_paging_and_total(api, ledger):
    body = ok(api.get("/api/transactions", params={"account_id": ledger["a"]["id"], "page_size": 2, "page": 2,
                                                   "sort": "date"}))
    assert body["total"] == 5 and body["page"] == 2 and body["page_size"] == 2
    assert [i["id"] for i in body["items"]] == [ledger["rows"]["move"]["id"], ledger["rows"]["back"]["id"]]
    beyond = ok(api.get("/api/transactions", params={"account_id": ledger["a"]["id"], "page": 9}))
    assert beyond["items"] == [] and beyond["total"] == 5


def test_another_users_ids_as_filters_find_nothing(api, ledger, other_user):
    them = other_user.client
    assert ok(them.get("/api/transactions"))["total"] == 0
    assert ok(them.get("/api/transactions", params={"account_id": ledger["a"]["id"]}))["total"] == 0


@pytest.mark.parametrize("params, field", [
    ({"type": "refund"}, "type"),
    ({"sort": "name"}, "sort"),
    ({"date_from": "yesterday"}, "date_from"),
    ({"date_to": "2026-02-30"}, "date_to"),
    ({"min_amount": "abc"}, "min_amount"),
    ({"max_amount": "NaN"}, "max_amount"),
    ({"min_amount": "1e400"}, "min_amount"),
    ({"account_id": "x"}, "account_id"),
    ({"category_id": "-1"}, "category_id"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "101"}, "page_size"),
    ({"page_size": "abc"}, "page_size"),
    ({"colour": "red"}, "colour"),
])
def test_bad_query_parameters_are_422(api, params, field):
    assert_problem(api.get("/api/transactions", params=params), 422, field)


def test_inverted_ranges_are_422(api):
    assert_problem(api.get("/api/transactions", params={"date_from": "2026-02-01", "date_to": "2026-01-01"}), 422)
    assert_problem(api.get("/api/transactions", params={"min_amount": "5", "max_amount": "1"}), 422)


def test_today_is_a_fine_default_date_for_helpers(api):
    assert new_transaction(api)["date"] == dt.date.today().isoformat()


def test_a_balance_that_would_pass_the_balance_limit_is_422_and_changes_nothing(api, db_session):
    """The limit is the money maximum, 999,999,999,999.99; the row is set near it directly."""
    from sqlalchemy import update

    from shared.data.models import Account

    account = new_account(api)
    db_session.execute(update(Account).where(Account.id == account["id"])
                       .values(balance=Decimal("999999999999.00")))
    db_session.commit()
    r = api.post("/api/transactions", json={"type": "income", "amount": "1.00", "date": "2026-01-01",
                                            "account_id": account["id"]})
    assert_problem(r, 422, "amount")
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "999999999999.00"
    assert ok(api.get("/api/transactions"))["total"] == 0
    new_transaction(api, type="income", amount="0.99", account_id=account["id"])
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "999999999999.99"


@pytest.mark.parametrize("tagged", [False, True])
def test_a_create_answers_what_a_get_of_it_answers(api, tagged):
    """POST answers from the columns it wrote (no ORM row): the same answer, field for field, as the
    row read back; and the ledger moved once."""
    from tests.money.conftest import new_account, new_category

    account, food = new_account(api), new_category(api, "expense")
    body = {"type": "expense", "amount": "19.99", "date": "2026-02-03", "account_id": account["id"],
            "category_id": food["id"], "description": "Groceries ☕", "payee": "Corner shop"}
    if tagged:
        body["tags"] = ["weekly", "food"]
    made = api.post("/api/transactions", json=body)
    assert made.status == 201, made
    answer = made.json()
    assert answer == api.get(f"/api/transactions/{answer['id']}").json()
    assert answer["tags"] == (["weekly", "food"] if tagged else [])
    assert answer["currency"] == account["currency"] and answer["amount"] == "19.99"
    assert api.get(f"/api/accounts/{account['id']}").json()["balance"] == "-19.99"
