"""The largest balance the product keeps is the money maximum, 999,999,999,999.99 either way; a write
past it is a 422 that changes nothing (issue 15, item 6: a balance reached −3,999,999,999,999.96)."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem

MAX = "999999999999.99"


def account(api, opening: str = "0") -> int:
    r = api.post("/api/accounts", json={"name": "Main", "type": "checking", "opening_balance": opening})
    assert r.status == 201, r
    return r.json()["id"]


def balance(api, path: str) -> str:
    return api.get(path).json()["balance"]


def spend(api, amount: str, **links):
    return api.post("/api/transactions", json={"type": "expense", "amount": amount, "date": "2026-03-01", **links})


def test_expenses_down_to_minus_the_maximum_are_kept(api):
    main = account(api)
    assert spend(api, MAX, account_id=main).status == 201
    assert balance(api, f"/api/accounts/{main}") == "-" + MAX


def test_an_expense_past_minus_the_maximum_is_422_and_changes_nothing(api):
    main = account(api)
    spend(api, MAX, account_id=main)
    assert_problem(spend(api, "0.01", account_id=main), 422, "amount")
    assert balance(api, f"/api/accounts/{main}") == "-" + MAX
    assert api.get("/api/transactions").json()["total"] == 1


def test_a_transfer_that_would_pass_the_maximum_on_its_receiving_side_is_422(api):
    full, other = account(api, MAX), account(api, "5")
    r = api.post("/api/transactions", json={"type": "transfer", "amount": "1", "date": "2026-03-01",
                                            "account_id": other, "to_account_id": full})
    assert_problem(r, 422, "amount")
    assert balance(api, f"/api/accounts/{other}") == "5.00" and balance(api, f"/api/accounts/{full}") == MAX + ""


def test_card_charges_past_the_maximum_are_422(api):
    card = api.post("/api/credit-cards", json={"name": "Visa", "credit_limit": MAX, "statement_day": 1,
                                               "due_day": 20}).json()["id"]
    assert spend(api, MAX, credit_card_id=card).status == 201
    assert_problem(spend(api, "0.01", credit_card_id=card), 422, "amount")
    assert balance(api, f"/api/credit-cards/{card}") == MAX


@pytest.mark.parametrize("opening", ["-1", "1"])
def test_an_opening_balance_change_that_would_pass_the_maximum_is_422(api, opening):
    main = account(api, opening)
    sign = "" if opening == "1" else "-"
    kind = "income" if opening == "1" else "expense"
    assert api.post("/api/transactions", json={"type": kind, "amount": "999999999998.99", "date": "2026-03-01",
                                               "account_id": main}).status == 201
    assert balance(api, f"/api/accounts/{main}") == sign + MAX
    assert_problem(api.patch(f"/api/accounts/{main}", json={"opening_balance": sign + "1.01"}), 422,
                   "opening_balance")
    assert balance(api, f"/api/accounts/{main}") == sign + MAX


def test_a_create_past_the_kept_monthly_total_is_422_and_changes_nothing(api):
    """The kept totals have a limit of their own (their column's): reached only after some ten
    thousand maximal expenses, so the month's total is set near it here. The create that would pass
    it is refused whole: no row, no daily total, no balance moved (on PostgreSQL the refusal comes
    from inside the ledger's one statement, which may be committing as it runs)."""
    from sqlalchemy import update

    from shared.data.db import run_unit_of_work
    from shared.data.models import DailyTotal, MonthlyTotal
    from shared.services.balances import COLUMN_LIMIT

    main = account(api, "100.00")
    assert spend(api, "1.00", account_id=main).status == 201
    me = api.get("/api/me").json()["id"]
    run_unit_of_work(lambda s: s.execute(update(MonthlyTotal).where(MonthlyTotal.user_id == me)
                                         .values(total=COLUMN_LIMIT - 1)))
    answer = spend(api, "1.01", account_id=main)
    assert_problem(answer, 422, "amount")
    assert "would take a monthly total past" in answer.json()["detail"]  # the same words on every database
    assert api.get("/api/transactions").json()["total"] == 1
    assert balance(api, f"/api/accounts/{main}") == "99.00"
    days = run_unit_of_work(lambda s: [(t.total, t.count) for t in s.query(DailyTotal).filter_by(user_id=me)],
                            reads_only=True)
    assert [(str(total), count) for total, count in days] == [("1.00", 1)]
    assert spend(api, "1.00", account_id=main).status == 201  # exactly up to the limit is kept


def test_concurrent_creates_near_the_limit_keep_exactly_what_fits(api):
    """Ten expenses of 2.00 at once on an account 10.00 from the limit: exactly five are kept, the
    other five refused whole (on PostgreSQL each create is one statement committed as it runs, and its
    balance part re-reads the row it waited for), and the balance, the transactions and the kept
    monthly total agree to the cent."""
    from concurrent.futures import ThreadPoolExecutor

    main = account(api)
    assert spend(api, "999999999989.99", account_id=main).status == 201
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: spend(api, "2.00", account_id=main), range(10)))
    assert sorted(a.status for a in answers) == [201] * 5 + [422] * 5, [a.status for a in answers]
    assert balance(api, f"/api/accounts/{main}") == "-" + MAX
    assert api.get("/api/transactions").json()["total"] == 6
    kept = api.get("/api/reports/summary?date_from=2026-03-01&date_to=2026-03-31").json()  # the kept totals
    assert kept["total_expenses"] == MAX and kept["transaction_count"] == 6


def test_twenty_concurrent_creates_on_one_account_all_count(api):
    """No lost update: each create's balance move and kept totals land, whatever the interleaving."""
    from concurrent.futures import ThreadPoolExecutor

    main = account(api, "100.00")
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: spend(api, "2.25", account_id=main), range(20)))
    assert [a.status for a in answers] == [201] * 20
    assert len({a.json()["id"] for a in answers}) == 20
    assert balance(api, f"/api/accounts/{main}") == "55.00"
    kept = api.get("/api/reports/summary?date_from=2026-03-01&date_to=2026-03-31").json()  # the kept totals
    assert kept["total_expenses"] == "45.00" and kept["transaction_count"] == 20
