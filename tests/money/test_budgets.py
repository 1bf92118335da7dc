"""/api/budgets: one per expense category and month; spent and remaining for that month."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import fetch, new_account, new_budget, new_card, new_category, new_transaction, ok


def test_spent_counts_the_months_expenses_in_the_category_only(api):
    food, other = new_category(api), new_category(api)
    card, account = new_card(api), new_account(api)
    budget = new_budget(api, category_id=food["id"], month="2026-02", amount="300.00")
    new_transaction(api, amount="100.25", date="2026-02-01", category_id=food["id"], account_id=account["id"])
    new_transaction(api, amount="50.00", date="2026-02-28", category_id=food["id"], credit_card_id=card["id"])
    new_transaction(api, amount="9.99", date="2026-02-15", category_id=food["id"])  # cash
    new_transaction(api, amount="70.00", date="2026-01-31", category_id=food["id"])  # other month
    new_transaction(api, amount="70.00", date="2026-03-01", category_id=food["id"])  # other month
    new_transaction(api, amount="70.00", date="2026-02-10", category_id=other["id"])  # other category
    body = fetch(api, f"/api/budgets/{budget['id']}")
    assert body["spent"] == "160.24" and body["remaining"] == "139.76"
    assert body["month"] == "2026-02" and body["amount"] == "300.00" and body["category_id"] == food["id"]


def test_remaining_is_negative_when_over_budget(api):
    food = new_category(api)
    budget = new_budget(api, category_id=food["id"], month="2026-02", amount="10.00")
    new_transaction(api, amount="12.50", date="2026-02-02", category_id=food["id"])
    body = fetch(api, f"/api/budgets/{budget['id']}")
    assert body["spent"] == "12.50" and body["remaining"] == "-2.50"


def test_leap_february_includes_the_29th(api):
    food = new_category(api)
    budget = new_budget(api, category_id=food["id"], month="2028-02", amount="10.00")
    new_transaction(api, amount="1.00", date="2028-02-29", category_id=food["id"])
    assert fetch(api, f"/api/budgets/{budget['id']}")["spent"] == "1.00"


def test_list_by_month_carries_spent_and_remaining(api):
    food, fun = new_category(api), new_category(api)
    new_budget(api, category_id=food["id"], month="2026-02", amount="100")
    new_budget(api, category_id=fun["id"], month="2026-02", amount="50")
    new_budget(api, category_id=food["id"], month="2026-03", amount="100")
    new_transaction(api, amount="30.00", date="2026-02-03", category_id=food["id"])
    body = ok(api.get("/api/budgets", params={"month": "2026-02"}))
    assert body["total"] == 2
    by_category = {b["category_id"]: b for b in body["items"]}
    assert by_category[food["id"]]["spent"] == "30.00" and by_category[food["id"]]["remaining"] == "70.00"
    assert by_category[fun["id"]]["spent"] == "0.00" and by_category[fun["id"]]["remaining"] == "50.00"
    assert ok(api.get("/api/budgets"))["total"] == 3


@pytest.mark.parametrize("month", ["2026-13", "2026-2", "26-02", "2026-02-01", "abc"])
def test_bad_month_is_422(api, month):
    assert_problem(api.get("/api/budgets", params={"month": month}), 422, "month")
    category = new_category(api)
    assert_problem(api.post("/api/budgets", json={"category_id": category["id"], "month": month, "amount": "1"}),
                   422, "month")


def test_the_same_category_and_month_twice_is_409(api):
    food = new_category(api)
    new_budget(api, category_id=food["id"], month="2026-02")
    assert_problem(api.post("/api/budgets", json={"category_id": food["id"], "month": "2026-02", "amount": "5"}),
                   409)
    other = new_budget(api, category_id=food["id"], month="2026-03")
    assert_problem(api.patch(f"/api/budgets/{other['id']}", json={"month": "2026-02"}), 409)
    assert fetch(api, f"/api/budgets/{other['id']}")["month"] == "2026-03"


def test_a_budget_on_an_income_category_is_422(api):
    income = new_category(api, "income")
    assert_problem(api.post("/api/budgets", json={"category_id": income["id"], "month": "2026-02", "amount": "5"}),
                   422, "category_id")
    budget = new_budget(api)
    assert_problem(api.patch(f"/api/budgets/{budget['id']}", json={"category_id": income["id"]}), 422, "category_id")


def test_another_users_category_is_422(api, other_user):
    theirs = new_category(other_user.client)
    assert_problem(api.post("/api/budgets", json={"category_id": theirs["id"], "month": "2026-02", "amount": "5"}),
                   422, "category_id")


@pytest.mark.parametrize("amount", ["0", "-1", "1.999", "1000000000000", "abc", True])
def test_bad_amount_is_422(api, amount):
    category = new_category(api)
    assert_problem(api.post("/api/budgets", json={"category_id": category["id"], "month": "2026-02",
                                                  "amount": amount}), 422, "amount")


def test_patch_moves_the_month_and_spent_follows(api):
    food = new_category(api)
    budget = new_budget(api, category_id=food["id"], month="2026-02", amount="100")
    new_transaction(api, amount="7.00", date="2026-03-09", category_id=food["id"])
    body = ok(api.patch(f"/api/budgets/{budget['id']}", json={"month": "2026-03"}))
    assert body["month"] == "2026-03" and body["spent"] == "7.00" and body["amount"] == "100.00"
    for required in ("category_id", "month", "amount"):
        assert_problem(api.patch(f"/api/budgets/{budget['id']}", json={required: None}), 422, required)


def test_spent_and_remaining_cannot_be_written(api):
    category = new_category(api)
    for field in ("spent", "remaining"):
        assert_problem(api.post("/api/budgets", json={"category_id": category["id"], "month": "2026-02",
                                                      "amount": "1", field: "0"}), 422, field)


def test_delete(api):
    budget = new_budget(api)
    assert api.delete(f"/api/budgets/{budget['id']}").status == 204
    assert_problem(api.get(f"/api/budgets/{budget['id']}"), 404)
