"""A list request sends the same small number of SQL statements whatever the page holds (no N+1)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_problem, make_user
from tests.money.conftest import (
    IS_POSTGRES,
    count_statements,
    new_account,
    new_budget,
    new_card,
    new_category,
    new_goal,
    new_income_source,
    new_transaction,
    ok,
)

MONTH = dt.date.today().strftime("%Y-%m")


def _seed(client, resource: str, n: int) -> None:
    """`n` rows of `resource` for the caller (transactions of three shapes, budgets with spending)."""
    if resource == "transactions":
        _seed_transactions(client, n)
        return
    for i in range(n):
        _ONE_ROW[resource](client, i)


def _seed_transactions(client, n: int) -> None:
    account, card = new_account(client), new_card(client)
    category = new_category(client)
    shapes = [dict(account_id=account["id"], category_id=category["id"]), dict(credit_card_id=card["id"]),
              dict(type="transfer", account_id=account["id"], to_credit_card_id=card["id"])]
    for i in range(n):
        new_transaction(client, description=f"t{i}", **shapes[i % 3])


def _budget_with_spending(client) -> None:
    category = new_category(client)
    new_budget(client, category_id=category["id"], month=MONTH)
    new_transaction(client, category_id=category["id"])


_ONE_ROW = {
    "accounts": lambda client, i: new_account(client, name=f"A{i}"),
    "credit-cards": lambda client, i: new_card(client, name=f"C{i}"),
    "income-sources": lambda client, i: new_income_source(client, name=f"S{i}"),
    "categories": lambda client, _i: new_category(client),
    "budgets": lambda client, _i: _budget_with_spending(client),
    "goals": lambda client, i: new_goal(client, title=f"G{i}", target_date="2030-01-01"),
}


def _list_statements(client, resource: str, params: dict) -> int:
    with count_statements() as counter:
        body = ok(client.get(f"/api/{resource}", params=params))
    assert body["items"], "the page must hold rows for the count to mean anything"
    return counter.count


RESOURCES = ["accounts", "credit-cards", "income-sources", "categories", "transactions", "budgets", "goals"]
# The others: 3. Budgets: + spent/remaining. Transactions: the page with its tags, and the kept count
# carrying the caller's check.
EXPECTED_LIST_STATEMENTS = {"budgets": 4, "transactions": 2}


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_statement_count_does_not_grow_with_the_page(resource):
    small, large = make_user().client, make_user().client
    _seed(small, resource, 1)
    _seed(large, resource, 25)
    params = {"month": MONTH} if resource == "budgets" else {}
    one = _list_statements(small, resource, {**params, "page_size": 1})
    many = _list_statements(large, resource, {**params, "page_size": 100})
    assert one == many, f"{resource}: {one} statements for 1 row, {many} for a full page (N+1?)"
    # BEGIN (SQLite issues it as a statement), the caller, the count, the page (+ computed fields)
    assert many <= EXPECTED_LIST_STATEMENTS.get(resource, 3) + 1, many


def test_transaction_list_with_every_filter_stays_constant(api):
    _seed(api, "transactions", 12)
    params = {"type": "expense", "date_from": "2000-01-01", "date_to": "2100-01-01", "min_amount": "0",
              "max_amount": "100", "q": "t", "sort": "-amount", "page_size": 100}
    assert _list_statements(api, "transactions", params) == _list_statements(api, "transactions",
                                                                             {**params, "page_size": 1})


def test_get_and_create_send_a_handful_of_statements(api):
    account = new_account(api)
    with count_statements() as get_count:
        ok(api.get(f"/api/accounts/{account['id']}"))
    with count_statements() as create_count:
        new_transaction(api, account_id=account["id"])
    assert get_count.count <= 3, get_count.statements
    # 10 on SQLite: + the account's currency (the transaction is in it) and + the daily total (foreign
    # amounts convert at their day's rate); on PostgreSQL the ledger stays one statement.
    assert create_count.count <= 10, create_count.statements


@pytest.mark.skipif(not IS_POSTGRES, reason="one ledger statement per write is PostgreSQL's (data-modifying CTEs)")
@pytest.mark.parametrize("shape", ["expense", "transfer", "card payment"])
def test_a_write_moves_every_balance_and_total_in_one_statement_on_postgresql(api, shape):
    account, savings, card = new_account(api), new_account(api, name="Savings"), new_card(api)
    fields = {"expense": dict(account_id=account["id"]),  # one balance, one monthly total
              "transfer": dict(type="transfer", account_id=account["id"], to_account_id=savings["id"]),
              "card payment": dict(type="transfer", account_id=account["id"], to_credit_card_id=card["id"])}[shape]
    with count_statements() as counter:
        new_transaction(api, **fields)
    ledger = [s for s in counter.statements
              if any(part in s for part in ("UPDATE accounts", "UPDATE credit_cards", "monthly_totals"))]
    assert len(ledger) == 1, counter.statements


def test_reads_are_answered_without_a_transaction(api):
    """A GET sends no BEGIN (on SQLite no BEGIN IMMEDIATE either: a read never takes the write lock)."""
    account = new_account(api)
    with count_statements() as counter:
        ok(api.get(f"/api/accounts/{account['id']}"))
    begins = [s for s in counter.statements if s.strip().upper().startswith("BEGIN")]
    assert begins == [], counter.statements


def test_a_read_proceeds_while_a_writer_holds_sqlites_write_lock(api):
    """On SQLite a GET used to queue behind any open write transaction (its BEGIN IMMEDIATE waited for
    the lock); a read now answers from the last committed state while a writer is mid-transaction."""
    import threading

    from sqlalchemy import text

    from shared.data.db import get_engine

    if get_engine().dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    account = new_account(api, opening_balance="10.00")
    with get_engine().connect() as writer:  # BEGIN IMMEDIATE: the write lock, held until rollback
        writer.execute(text("UPDATE accounts SET name = 'mid-write' WHERE id = :id"), {"id": account["id"]})
        answered = []
        reader = threading.Thread(target=lambda: answered.append(api.get(f"/api/accounts/{account['id']}")))
        reader.start()
        reader.join(timeout=10)
        assert answered and answered[0].status == 200, "the read waited for the writer"
        assert answered[0].json()["name"] == account["name"]  # not the uncommitted change
        writer.rollback()


def test_a_write_in_a_read_unit_of_work_is_refused():
    """A GET's unit of work runs without a transaction, so a write there would not be atomic: refused."""
    from sqlalchemy import text

    from shared.data.db import run_unit_of_work

    with pytest.raises(RuntimeError, match="read-only unit of work tried to write"):
        run_unit_of_work(lambda session: session.execute(text("UPDATE users SET role = role WHERE id = -1")),
                         reads_only=True)


def test_a_create_checks_every_row_it_names_in_one_statement(api, other_user):
    """The account, the card and the category a transaction names are looked up together (owner,
    currency, kind): one statement however many it names, and another user's id is still a 422."""
    from tests.money.conftest import new_card, new_category

    account, card = new_account(api), new_card(api)
    food = new_category(api, "expense")
    with count_statements() as counter:
        new_transaction(api, account_id=account["id"], category_id=food["id"])
    with count_statements() as transfer:
        new_transaction(api, type="transfer", account_id=account["id"], to_credit_card_id=card["id"])
    for statements in (counter.statements, transfer.statements):
        lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT")
                   and any(f"FROM {t} " in s + " " for t in ("accounts", "credit_cards", "categories"))]
        assert len(lookups) == 1, statements
    theirs = new_account(other_user.client)
    for field, value in (("account_id", theirs["id"]), ("category_id", new_category(other_user.client)["id"])):
        answer = api.post("/api/transactions", json={"type": "expense", "amount": "1.00", "date": "2026-01-05",
                                                    field: value})
        assert_problem(answer, 422, field)


@pytest.mark.skipif(not IS_POSTGRES, reason="a row and its ledger in one statement: PostgreSQL only")
def test_a_create_on_postgresql_is_two_statements(api):
    """The caller's check riding on the lookup of the rows named, then the new row with its ledger (the
    balance and the kept totals) in one statement: two round trips besides BEGIN and COMMIT."""
    account, food = new_account(api), new_category(api, "expense")
    with count_statements() as counter:
        made = new_transaction(api, account_id=account["id"], category_id=food["id"], amount="4.25")
    assert len(counter.statements) == 2, counter.statements
    check, write = counter.statements
    assert "auth_sessions" in check and "FROM accounts" in check and "FROM categories" in check
    assert "INSERT INTO transactions" in write and "UPDATE accounts" in write and "monthly_totals" in write
    assert ok(api.get(f"/api/transactions/{made['id']}"))["amount"] == "4.25"
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "-4.25"
