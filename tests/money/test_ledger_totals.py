"""monthly_totals stay exactly in step with the transactions, whatever is written."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared.data.db import new_session
from shared.data.models import MonthlyTotal, Transaction
from tests.conftest import make_user


def _raw_totals(user_id: int) -> dict:
    with new_session() as session:
        rows = session.execute(
            select(Transaction.date, Transaction.type, Transaction.category_id, Transaction.amount)
            .where(Transaction.user_id == user_id)).all()
    out: dict = {}
    for date, kind, category, amount in rows:
        key = (date.replace(day=1), kind, category or 0)
        total, count = out.get(key, (Decimal(0), 0))
        out[key] = (total + amount, count + 1)
    return out


def _kept_totals(user_id: int) -> dict:
    with new_session() as session:
        rows = session.execute(
            select(MonthlyTotal.month, MonthlyTotal.type, MonthlyTotal.category_key, MonthlyTotal.total,
                   MonthlyTotal.count).where(MonthlyTotal.user_id == user_id)).all()
    return {(m, t, c): (total, count) for m, t, c, total, count in rows if count or total}


def _categories(client) -> dict[str, int]:
    return {c["name"]: c["id"] for c in client.get("/api/categories", params={"page_size": 100}).json()["items"]}


operations = st.lists(st.tuples(
    st.sampled_from(["create", "create", "create", "patch", "delete"]),
    st.sampled_from(["income", "expense", "transfer"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    st.dates(min_value=dt.date(2025, 11, 1), max_value=dt.date(2026, 2, 28)),
    st.integers(min_value=0, max_value=50),
), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_monthly_totals_equal_the_transactions_after_any_writes(ops):
    user = make_user()
    api = user.client
    cats = _categories(api)
    a = api.post("/api/accounts", json={"name": "A", "type": "checking"}).json()["id"]
    b = api.post("/api/accounts", json={"name": "B", "type": "savings"}).json()["id"]
    made: list[int] = []
    for op, kind, amount, date, pick in ops:
        body = {"type": kind, "amount": str(amount), "date": date.isoformat(), "account_id": a}
        if kind == "income":
            body["category_id"] = cats["Salary"]
        elif kind == "expense":
            body["category_id"] = [cats["Groceries"], cats["Rent"]][pick % 2] if pick % 3 else None
        else:
            body["to_account_id"] = b
        if op == "create" or not made:
            r = api.post("/api/transactions", json=body)
            assert r.status == 201, r
            made.append(r.json()["id"])
        elif op == "patch":
            r = api.patch(f"/api/transactions/{made[pick % len(made)]}", json={
                **body, "category_id": body.get("category_id"), "to_account_id": body.get("to_account_id")})
            assert r.status == 200, r
        else:
            assert api.delete(f"/api/transactions/{made.pop(pick % len(made))}").status == 204
    assert _kept_totals(user.id) == _raw_totals(user.id)
    assert api.get("/api/transactions", params={"page_size": 1}).json()["total"] == len(made)


def test_reassigning_a_category_moves_its_totals(api, user):
    cats = _categories(api)
    api.post("/api/transactions", json={"type": "expense", "amount": "10.00", "date": "2026-01-05",
                                        "category_id": cats["Dining"]})
    api.post("/api/transactions", json={"type": "expense", "amount": "2.50", "date": "2026-01-06",
                                        "category_id": cats["Groceries"]})
    assert api.delete(f"/api/categories/{cats['Dining']}", params={"reassign_to": cats["Groceries"]}).status == 204
    assert _kept_totals(user.id) == _raw_totals(user.id)
    report = api.get("/api/reports/monthly", params={"month": "2026-01"}).json()
    assert [(c["name"], c["total"]) for c in report["by_category"]] == [("Groceries", "12.50")]


def test_a_report_over_whole_months_reads_the_kept_totals(api, user):
    cats = _categories(api)
    api.post("/api/transactions", json={"type": "expense", "amount": "40.00", "date": "2026-03-31",
                                        "category_id": cats["Rent"]})
    api.post("/api/transactions", json={"type": "income", "amount": "100.00", "date": "2026-04-01",
                                        "category_id": cats["Salary"]})
    api.post("/api/transactions", json={"type": "expense", "amount": "5.00", "date": "2026-04-15",
                                        "category_id": cats["Rent"]})
    whole = api.get("/api/reports/summary", params={"date_from": "2026-03-01", "date_to": "2026-04-30"}).json()
    partial = api.get("/api/reports/summary", params={"date_from": "2026-03-31", "date_to": "2026-04-14"}).json()
    assert (whole["total_income"], whole["total_expenses"], whole["transaction_count"]) == ("100.00", "45.00", 3)
    assert (partial["total_income"], partial["total_expenses"], partial["transaction_count"]) == ("100.00", "40.00", 2)
    with new_session() as session:
        assert session.execute(select(func.count()).select_from(MonthlyTotal)
                               .where(MonthlyTotal.user_id == user.id)).scalar_one() == 3


def test_the_portable_upsert_used_on_sql_server_keeps_the_same_totals(api, user, monkeypatch):
    from shared.services import balances

    monkeypatch.setattr(balances, "_UPSERTS", {})  # as on SQL Server: UPDATE, else INSERT
    cats = _categories(api)
    for amount in ("1.10", "2.20"):
        assert api.post("/api/transactions", json={"type": "expense", "amount": amount, "date": "2026-05-02",
                                                   "category_id": cats["Health"]}).status == 201
    assert _kept_totals(user.id) == _raw_totals(user.id)
    assert _kept_totals(user.id)[(dt.date(2026, 5, 1), "expense", cats["Health"])] == (Decimal("3.30"), 2)


def test_an_account_loaded_before_a_write_answers_its_new_balance(user, api):
    """The ledger moves balances with its own statements (not the ORM): an account the same unit of work
    loaded before the write must not answer the old figure afterwards (the assistant and MCP do this)."""
    from decimal import Decimal

    from shared.data.db import run_unit_of_work
    from shared.data.models import Account, User
    from shared.schemas.money import TransactionIn
    from shared.services.transactions import Transactions
    from tests.money.conftest import new_account

    account = new_account(api, opening_balance="100.00")

    def work(session):
        loaded = session.get(Account, account["id"])
        assert loaded.balance == Decimal("100.00")
        Transactions().create(session, session.get(User, user.id), TransactionIn.model_validate(
            {"type": "expense", "amount": "12.34", "date": "2026-01-05", "account_id": account["id"]}))
        return loaded.balance

    assert run_unit_of_work(work) == Decimal("87.66")
