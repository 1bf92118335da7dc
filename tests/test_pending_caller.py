"""A read's caller check riding on the route's first statement (shared/services/callers.py) or run
after the handler: whatever the read does, a revoked, logged-out or deleted caller gets 401, never the
read's answer, its 404 or its 422; and a read that carries the check sends one statement fewer."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_problem, make_user
from tests.money.conftest import count_statements, created, new_account, new_budget, new_category, new_transaction, ok

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



def test_the_checked_monthly_report_answers_what_the_unchecked_one_does():
    """The report carrying the caller's check reads only the names it shows (the budgeted categories,
    and each ledger row's own); the one for a caller already checked reads every category with its
    budget. Both answer the same, on a month with budgets spent and unspent, income, an uncategorized
    expense, a foreign-currency account (its amounts come from the daily totals) and another user's
    categories and spending beside it."""
    from sqlalchemy import select

    from shared.data.db import run_unit_of_work
    from shared.data.models import User
    from shared.schemas.reports import MonthlyReportOut
    from shared.services import reports
    from shared.services.callers import Caller

    user, other = make_user(currency="USD"), make_user(currency="USD")
    c = user.client
    month = dt.date.today().strftime("%Y-%m")
    ok(c.post("/api/fx-rates", json={"date": "2000-01-01", "base": "EUR", "quote": "USD", "rate": "1.5"}), 201)
    home, euros = new_account(c, opening_balance="1000"), new_account(c, name="Euro", currency="EUR")
    food, rent, pay = new_category(c, "expense"), new_category(c, "expense"), new_category(c, "income")
    idle = new_category(c, "expense")
    new_budget(c, category_id=food["id"], amount="100.00")
    new_budget(c, category_id=idle["id"], amount="50.00")
    new_transaction(c, account_id=home["id"], category_id=food["id"], amount="30.10")
    new_transaction(c, account_id=euros["id"], category_id=rent["id"], amount="20.00")  # 30.00 USD
    new_transaction(c, account_id=euros["id"], category_id=food["id"], amount="1.00")
    new_transaction(c, account_id=home["id"], amount="7.77")  # uncategorized
    new_transaction(c, type="income", account_id=home["id"], category_id=pay["id"], amount="2000.00")
    theirs = new_category(other.client, "expense")
    new_transaction(other.client, category_id=theirs["id"], amount="99.00")

    checked = ok(c.get(f"/api/reports/monthly?month={month}"))

    def unchecked(session):
        row = session.execute(select(User).where(User.username == user.username)).scalar_one()
        caller = Caller(session, row.id, row.currency, row.role, row.created_at)
        return MonthlyReportOut.model_validate(reports.monthly_report(session, caller, month)).model_dump(mode="json")

    assert checked == run_unit_of_work(unchecked, reads_only=True)
    assert {line["category_id"] for line in checked["budgets"]} == {food["id"], idle["id"]}
    assert {line["name"] for line in checked["by_category"]} == {food["name"], rent["name"], pay["name"],
                                                                 "Uncategorized"}

# --- a write that carries the check: creating a transaction (shared/services/callers.PendingWriter) ---------

def _stored_transactions(user_id: int) -> int:
    from sqlalchemy import func, select

    from shared.data.db import new_session
    from shared.data.models import Transaction

    with new_session() as session:
        return session.execute(select(func.count()).select_from(Transaction)
                               .where(Transaction.user_id == user_id)).scalar_one()


@pytest.mark.parametrize("revoke", list(_revocations()))
def test_every_create_of_a_revoked_caller_is_401_and_writes_nothing(revoke, other_user):
    """Whatever the body names (the caller's own rows, another user's, nothing, nonsense), a revoked
    caller's create is a 401, never the create's 201, 422 or 404, and nothing is stored."""
    from tests.money.conftest import new_account, new_category

    user = make_user()
    mine, food = new_account(user.client), new_category(user.client, "expense")
    theirs = new_account(other_user.client)
    user_id = user.client.get("/api/me").json()["id"]
    today = "2026-01-05"
    bodies = [
        {"type": "expense", "amount": "1.00", "date": today, "account_id": mine["id"], "category_id": food["id"]},
        {"type": "expense", "amount": "1.00", "date": today, "account_id": theirs["id"]},
        {"type": "expense", "amount": "1.00", "date": today},  # names no row: the check runs on its own
        {"type": "expense", "amount": "1.00", "date": today, "account_id": 999999999},
        {"type": "transfer", "amount": "1.00", "date": today, "account_id": mine["id"]},  # 422 when allowed
    ]
    assert user.client.post("/api/transactions", json=bodies[0]).status == 201
    # A key used before the revocation: its stored answer is found before the check runs, and must
    # still not be replayed to the revoked caller.
    used = user.client.post("/api/transactions", json=bodies[0], headers={"Idempotency-Key": "k-used"})
    assert used.status == 201, used
    stored = _stored_transactions(user_id)
    _revocations()[revoke](user)
    for body in bodies:
        assert_problem(user.client.post("/api/transactions", json=body), 401)
    for key in ("k-1", "k-used"):
        keyed = user.client.post("/api/transactions", json=bodies[0], headers={"Idempotency-Key": key})
        assert_problem(keyed, 401)
    assert _stored_transactions(user_id) == (0 if revoke == "account deleted" else stored)


def test_a_create_carries_the_check_on_its_reference_lookup(api):
    """The caller's check (with whether they have an active rule) and the rows the body names are read
    by one statement: no separate check, and no rules statement for a caller without rules."""
    from tests.money.conftest import new_account, new_category

    account, food = new_account(api), new_category(api, "expense")
    body = {"type": "expense", "amount": "2.50", "date": "2026-01-05", "account_id": account["id"],
            "category_id": food["id"]}
    with count_statements() as counter:
        made = api.post("/api/transactions", json=body)
    assert made.status == 201, made
    checks = [s for s in counter.statements if "auth_sessions" in s]
    assert len(checks) == 1, counter.statements
    assert "FROM accounts" in checks[0] and "FROM categories" in checks[0] and "rules" in checks[0]
    assert not [s for s in counter.statements if "FROM rules" in s and "auth_sessions" not in s]
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "-2.50"


def test_a_carried_check_still_applies_the_callers_rules(api):
    """has_rules comes from the carried check: a caller with an active rule has it applied on create."""
    from tests.money.conftest import new_account, new_category

    account, food = new_account(api), new_category(api, "expense")
    rule = api.post("/api/rules", json={"name": "coffee", "conditions": [
        {"field": "description", "op": "contains", "value": "coffee"}],
        "actions": [{"set": "category_id", "value": food["id"]}]})
    assert rule.status == 201, rule
    made = created(api.post("/api/transactions", json={"type": "expense", "amount": "3.00", "date": "2026-01-05",
                                                  "account_id": account["id"], "description": "Coffee bar"}))
    assert made["category_id"] == food["id"]
