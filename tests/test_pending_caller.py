"""A read's caller check riding on the route's first statement (shared/services/callers.py) or run
after the handler: whatever the read does, a revoked, logged-out or deleted caller gets 401, never the
read's answer, its 404 or its 422; and a read that carries the check sends one statement fewer."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem, make_user
from tests.money.conftest import count_statements, new_transaction, ok

# Reads of every kind: one that carries the check in its statement (a transaction), lists (checked after
# the handler), reports that read the caller's currency (checked on that first use), and reads that fail
# on their own (404, 422).
READS = [
    "/api/transactions/{txn}",
    "/api/transactions",
    "/api/transactions?page=50",
    "/api/transactions?sort=amount",
    "/api/transactions?type=expense",
    "/api/transactions/999999999",
    "/api/transactions?page_size=0",
    "/api/accounts",
    "/api/categories",
    "/api/reports/monthly",
    "/api/net-worth",
    "/api/tags",
]


def _revocations():
    def logout(user):
        assert user.client.post("/api/logout", json={"refresh_token": user.refresh_token}).status == 204

    def password_change(user):
        changed = user.client.post("/api/me/password", json={"current_password": user.password,
                                                              "new_password": "an0ther-Passw0rd!"})
        assert changed.status == 204, changed

    def deletion(user):
        deleted = user.client.delete("/api/me", json={"password": user.password})
        assert deleted.status == 204, deleted

    return {"logout": logout, "password change": password_change, "account deleted": deletion}


@pytest.mark.parametrize("revoke", list(_revocations()))
def test_every_read_of_a_revoked_caller_is_401(revoke):
    user = make_user()
    txn = new_transaction(user.client, tags=["kept"])
    paths = [p.format(txn=txn["id"]) for p in READS]
    before = {path: user.client.get(path).status for path in paths}
    assert before[paths[0]] == 200 and before["/api/transactions/999999999"] == 404
    assert before["/api/transactions?page_size=0"] == 422
    _revocations()[revoke](user)
    for path in paths:
        assert_problem(user.client.get(path), 401)


def test_another_users_token_never_reads_through_the_checked_statement(user, other_user):
    """The checked statement joins the caller's own rows: another user's transaction is a 404 to them."""
    mine = new_transaction(user.client, amount="7.00")
    assert_problem(other_user.client.get(f"/api/transactions/{mine['id']}"), 404)
    assert ok(other_user.client.get("/api/transactions"))["items"] == []


def test_a_caller_with_no_transactions_gets_an_empty_page_and_past_the_end_too(api):
    first = ok(api.get("/api/transactions"))
    assert first["items"] == [] and first["total"] == 0
    assert ok(api.get("/api/transactions?page=3"))["items"] == []


def test_the_unfiltered_list_answers_what_the_filtered_one_does(api):
    """Every sort order, a full page and the next: the prebuilt unfiltered page answers the same rows in
    the same order as the filtered list's statement does."""
    for amount, names in (("5.00", ["b", "a"]), ("1.00", []), ("3.00", ["z", "y", "x"]), ("3.00", ["a"])):
        new_transaction(api, amount=amount, tags=names)
    for sort in ("-date", "date", "amount", "-amount"):
        checked = ok(api.get(f"/api/transactions?sort={sort}&page_size=3"))
        plain = ok(api.get(f"/api/transactions?sort={sort}&page_size=3&min_amount=0"))
        assert checked == plain
        assert ok(api.get(f"/api/transactions?sort={sort}&page_size=3&page=2")) == \
            ok(api.get(f"/api/transactions?sort={sort}&page_size=3&page=2&min_amount=0"))


def test_a_get_carries_the_check_and_a_list_carries_it_on_its_count(api):
    """GET one: one statement (the check rides on it). The list: two. Its page, with the page's tags
    joined, does not carry the check (joined to the caller's rows its order would no longer come from
    the user-date index); the kept count that follows does."""
    made = new_transaction(api, tags=["x", "y"])
    new_transaction(api)
    with count_statements() as counter:
        ok(api.get(f"/api/transactions/{made['id']}"))
    assert len(counter.statements) == 1 and "auth_sessions" in counter.statements[0]
    with count_statements() as counter:
        page = ok(api.get("/api/transactions"))
    assert [item["tags"] for item in page["items"]] == [[], ["x", "y"]] and page["total"] == 2
    assert len(counter.statements) == 2, counter.statements
    assert "transaction_tags" in counter.statements[0] and "auth_sessions" in counter.statements[1]


def test_the_monthly_report_is_one_statement_carrying_the_check(api):
    """The report's category names and budgets (with the check) and its ledger in one statement: the
    home currency read from the caller's row in it."""
    new_transaction(api, amount="12.00")
    with count_statements() as counter:
        report = ok(api.get("/api/reports/monthly"))
    assert report["total_expenses"] == "12.00" and report["currency"] == "USD"
    assert len(counter.statements) == 1 and "auth_sessions" in counter.statements[0], counter.statements
    assert "monthly_totals" in counter.statements[0]


def test_a_caller_without_categories_still_gets_the_monthly_report(api):
    """The checked names statement answers one row with no category for them: not a 401."""
    for category in ok(api.get("/api/categories?page_size=100"))["items"]:
        assert api.delete(f"/api/categories/{category['id']}").status == 204
    assert ok(api.get("/api/categories"))["total"] == 0
    report = ok(api.get("/api/reports/monthly"))
    assert report["by_category"] == [] and report["budgets"] == []
