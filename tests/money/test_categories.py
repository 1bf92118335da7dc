"""/api/categories: defaults, case-insensitive unique names, kinds, and deleting with ?reassign_to."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import all_items, fetch, new_budget, new_category, new_transaction, ok


def test_a_new_user_starts_with_a_sensible_default_set(api):
    items = all_items(api, "/api/categories")
    by_kind = {kind: {c["name"] for c in items if c["kind"] == kind} for kind in ("income", "expense")}
    assert len(by_kind["expense"]) >= 5 and len(by_kind["income"]) >= 1
    assert {"Groceries", "Rent"} <= by_kind["expense"] and "Salary" in by_kind["income"]
    assert len({c["name"].lower() for c in items}) == len(items)


def test_defaults_are_per_user(user, other_user):
    mine = {c["id"] for c in all_items(user.client, "/api/categories")}
    theirs = {c["id"] for c in all_items(other_user.client, "/api/categories")}
    assert mine and theirs and not mine & theirs


def test_create_get_patch_delete(api):
    category = new_category(api, "expense", color="#123abc")
    assert category["color"] == "#123abc"
    assert fetch(api, f"/api/categories/{category['id']}") == category
    patched = ok(api.patch(f"/api/categories/{category['id']}", json={"name": "Pets", "color": None}))
    assert patched["name"] == "Pets" and patched["color"] is None and patched["kind"] == "expense"
    assert api.delete(f"/api/categories/{category['id']}").status == 204
    assert_problem(api.get(f"/api/categories/{category['id']}"), 404)


@pytest.mark.parametrize("name", ["groceries", "GROCERIES", "  Groceries  "])
def test_duplicate_name_is_409_case_insensitively(api, name):
    assert_problem(api.post("/api/categories", json={"name": name, "kind": "expense"}), 409)


def test_renaming_onto_another_name_is_409_but_changing_case_of_its_own_name_is_fine(api):
    category = new_category(api, "expense", name="Pets")
    assert_problem(api.patch(f"/api/categories/{category['id']}", json={"name": "RENT"}), 409)
    assert ok(api.patch(f"/api/categories/{category['id']}", json={"name": "PETS"}))["name"] == "PETS"


def test_the_same_name_is_fine_for_another_user(user, other_user):
    new_category(user.client, name="Boats")
    new_category(other_user.client, name="boats")


@pytest.mark.parametrize("body, field", [
    ({"kind": "transfer"}, "kind"),
    ({"color": "red"}, "color"),
    ({"name": ""}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"user_id": 1}, "user_id"),
])
def test_invalid_fields_are_422(api, body, field):
    assert_problem(api.post("/api/categories", json={"name": "Valid", "kind": "expense", **body}), 422, field)


def test_null_on_a_required_field_is_422(api):
    category = new_category(api)
    for required in ("name", "kind"):
        assert_problem(api.patch(f"/api/categories/{category['id']}", json={required: None}), 422, required)


def test_deleting_a_category_in_use_is_409(api):
    category = new_category(api)
    tx = new_transaction(api, category_id=category["id"])
    assert_problem(api.delete(f"/api/categories/{category['id']}"), 409)
    assert fetch(api, f"/api/transactions/{tx['id']}")["category_id"] == category["id"]


def test_reassign_to_moves_the_transactions_then_deletes(api):
    old, new = new_category(api), new_category(api)
    txs = [new_transaction(api, category_id=old["id"]) for _ in range(3)]
    assert api.delete(f"/api/categories/{old['id']}", params={"reassign_to": new["id"]}).status == 204
    assert_problem(api.get(f"/api/categories/{old['id']}"), 404)
    assert {fetch(api, f"/api/transactions/{t['id']}")["category_id"] for t in txs} == {new["id"]}


def test_reassign_to_a_bad_target_is_422_and_moves_nothing(api, other_user):
    old = new_category(api)
    income = new_category(api, "income")
    theirs = new_category(other_user.client)
    tx = new_transaction(api, category_id=old["id"])
    for target in (income["id"], theirs["id"], old["id"], 999999999):
        assert_problem(api.delete(f"/api/categories/{old['id']}", params={"reassign_to": target}), 422,
                       "reassign_to")
    assert_problem(api.delete(f"/api/categories/{old['id']}", params={"reassign_to": "abc"}), 422, "reassign_to")
    assert fetch(api, f"/api/transactions/{tx['id']}")["category_id"] == old["id"]
    assert fetch(api, f"/api/categories/{old['id']}")["id"] == old["id"]


def test_deleting_a_category_deletes_its_budgets(api):
    category = new_category(api)
    budget = new_budget(api, category_id=category["id"])
    assert api.delete(f"/api/categories/{category['id']}").status == 204
    assert_problem(api.get(f"/api/budgets/{budget['id']}"), 404)


def test_changing_the_kind_of_a_category_in_use_is_409(api):
    used, budgeted, free = new_category(api), new_category(api), new_category(api)
    new_transaction(api, category_id=used["id"])
    new_budget(api, category_id=budgeted["id"])
    for category in (used, budgeted):
        assert_problem(api.patch(f"/api/categories/{category['id']}", json={"kind": "income"}), 409)
        assert fetch(api, f"/api/categories/{category['id']}")["kind"] == "expense"
    assert ok(api.patch(f"/api/categories/{free['id']}", json={"kind": "income"}))["kind"] == "income"


def test_list_is_paginated(api):
    total = ok(api.get("/api/categories"))["total"]
    page = ok(api.get("/api/categories", params={"page_size": 5, "page": 2}))
    assert page["total"] == total and len(page["items"]) == min(5, max(0, total - 5))


def test_dates_in_transactions_do_not_matter_for_in_use(api):
    category = new_category(api)
    new_transaction(api, category_id=category["id"], date=(dt.date.today() - dt.timedelta(days=4000)).isoformat())
    assert_problem(api.delete(f"/api/categories/{category['id']}"), 409)


def test_two_racing_creates_of_the_same_name_give_one_201_and_one_409(api):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(4)

    def create(i):
        barrier.wait()
        return api.post("/api/categories", json={"name": "Racing" if i % 2 else "RACING", "kind": "expense"})

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(r.status for r in pool.map(create, range(4)))
    assert statuses == [201, 409, 409, 409]
