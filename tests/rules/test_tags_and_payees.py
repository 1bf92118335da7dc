"""Payees and tags on transactions, GET /api/tags, ?tag= filters (API.md, "Tags, payees and rules")."""
from __future__ import annotations

from tests.conftest import assert_problem
from tests.money.conftest import new_account, new_transaction, ok


def test_payee_and_tags_are_stored_and_answered(api):
    tx = new_transaction(api, payee="Blue Bottle", tags=["Coffee", "work"])
    assert tx["payee"] == "Blue Bottle" and tx["tags"] == ["Coffee", "work"]
    assert ok(api.get(f"/api/transactions/{tx['id']}"))["tags"] == ["Coffee", "work"]


def test_a_transaction_without_tags_answers_an_empty_list(api):
    tx = new_transaction(api)
    assert tx["tags"] == [] and tx["payee"] is None


def test_tags_compare_case_insensitively_and_keep_the_first_spelling(api):
    new_transaction(api, tags=["Coffee"])
    second = new_transaction(api, tags=["COFFEE", "coffee"])
    assert second["tags"] == ["Coffee"]  # one tag, as it was first written


def test_tag_limits_are_refused(api):
    assert_problem(api.post("/api/transactions", json={
        "type": "expense", "amount": "1", "date": "2026-10-01", "tags": [f"t{i}" for i in range(11)]}), 422, "tags")
    assert_problem(api.post("/api/transactions", json={
        "type": "expense", "amount": "1", "date": "2026-10-01", "tags": ["x" * 33]}), 422, "tags")
    assert_problem(api.post("/api/transactions", json={
        "type": "expense", "amount": "1", "date": "2026-10-01", "tags": [""]}), 422, "tags")
    assert_problem(api.post("/api/transactions", json={
        "type": "expense", "amount": "1", "date": "2026-10-01", "payee": "p" * 101}), 422, "payee")


def test_patch_replaces_tags_and_null_is_refused(api):
    tx = new_transaction(api, tags=["a", "b"])
    assert ok(api.patch(f"/api/transactions/{tx['id']}", json={"tags": ["c"]}))["tags"] == ["c"]
    assert_problem(api.patch(f"/api/transactions/{tx['id']}", json={"tags": None}), 422, "tags")
    assert ok(api.patch(f"/api/transactions/{tx['id']}", json={"payee": "Shop"}))["tags"] == ["c"]


def test_filter_by_tag_is_case_insensitive(api):
    tagged = new_transaction(api, tags=["Trip"])
    new_transaction(api, tags=["other"])
    new_transaction(api)
    found = ok(api.get("/api/transactions", params={"tag": "trip"}))
    assert [t["id"] for t in found["items"]] == [tagged["id"]] and found["total"] == 1


def test_tags_list_counts_and_totals_unsigned(api):
    account = new_account(api)
    new_transaction(api, amount="10.50", tags=["trip"], account_id=account["id"])
    new_transaction(api, type="income", amount="4.25", tags=["Trip", "refund"], account_id=account["id"])
    new_transaction(api, amount="1.00", tags=["refund"])
    items = ok(api.get("/api/tags"))["items"]
    assert items == [{"name": "refund", "count": 2, "total": "5.25"},
                     {"name": "trip", "count": 2, "total": "14.75"}]


def test_deleted_transactions_leave_the_tag_list(api):
    tx = new_transaction(api, tags=["gone"])
    assert api.delete(f"/api/transactions/{tx['id']}").status == 204
    assert ok(api.get("/api/tags"))["items"] == []


def test_tags_are_per_user(api, other_user):
    new_transaction(api, tags=["mine"])
    assert ok(other_user.client.get("/api/tags"))["total"] == 0
    assert ok(other_user.client.get("/api/transactions", params={"tag": "mine"}))["total"] == 0


def test_summary_report_takes_a_tag(api):
    account = new_account(api)
    new_transaction(api, amount="30.00", date="2026-10-05", tags=["trip"], account_id=account["id"])
    new_transaction(api, type="income", amount="5.00", date="2026-10-06", tags=["TRIP"], account_id=account["id"])
    new_transaction(api, amount="99.00", date="2026-10-07")
    summary = ok(api.get("/api/reports/summary", params={"date_from": "2026-01-01", "date_to": "2026-12-31",
                                                          "tag": "Trip"}))
    assert (summary["total_income"], summary["total_expenses"], summary["net_savings"],
            summary["transaction_count"]) == ("5.00", "30.00", "-25.00", 2)
