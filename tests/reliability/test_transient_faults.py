"""Faults at the driver boundary during real money writes: Azure SQL's transient error numbers halfway
through a transfer are retried and leave exactly one transfer (both legs, once); a failed or unknown
COMMIT is a 503 that a retry with the same Idempotency-Key turns into exactly one write."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shared.data.db import TRANSIENT_MSSQL_ERRORS, get_engine
from tests.conftest import User, assert_problem, make_user
from tests.reliability import _stats

NON_TRANSIENT = [2627, 547, 8152, 207]  # duplicate key, foreign key, truncation, bad column


def driver_error(number: int, sqlstate: str = "HY000") -> Exception:
    """What pyodbc raises for a SQL Server error, as the loaded driver's own OperationalError."""
    base = get_engine().dialect.loaded_dbapi.OperationalError
    fake = type("PyodbcStyleError", (base,), {})
    return fake(sqlstate, f"[{sqlstate}] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]"
                          f"Injected error. ({number}) (SQLExecDirectW)")


class Injector:
    """Fails chosen driver calls: the n-th `UPDATE accounts` of the next request, or the next COMMIT."""

    def __init__(self, monkeypatch):
        self.dialect = get_engine().dialect
        self.real_execute, self.real_commit = self.dialect.do_execute, self.dialect.do_commit
        self.plan: dict = {}
        self.fired = 0
        monkeypatch.setattr(self.dialect, "do_execute", self._execute)
        monkeypatch.setattr(self.dialect, "do_commit", self._commit)

    def on_update(self, nth: int, error: Exception, times: int = 1) -> None:
        self.plan = {"kind": "update", "nth": nth, "error": error, "times": times, "seen": 0}

    def on_commit(self, error: Exception, after_real_commit: bool = False) -> None:
        self.plan = {"kind": "commit", "error": error, "times": 1, "after": after_real_commit}

    def _execute(self, cursor, statement, parameters, context=None):
        plan = self.plan
        if plan.get("kind") == "update" and plan["times"] and "UPDATE ACCOUNTS" in statement.upper():
            plan["seen"] += 1
            if plan["seen"] == plan["nth"]:
                plan["times"] -= 1
                plan["seen"] = 0
                self.fired += 1
                raise plan["error"]
        return self.real_execute(cursor, statement, parameters, context)

    def _commit(self, dbapi_connection):
        plan = self.plan
        if plan.get("kind") == "commit" and plan["times"]:
            plan["times"] -= 1
            self.fired += 1
            if plan["after"]:
                self.real_commit(dbapi_connection)  # it happened; only the answer is lost
            raise plan["error"]
        return self.real_commit(dbapi_connection)


@pytest.fixture
def inject(monkeypatch) -> Injector:
    return Injector(monkeypatch)


def second_leg() -> int:
    """Which `UPDATE accounts` carries a transfer's second leg: on PostgreSQL both legs (and the monthly
    total) are one statement (shared/services/balances.py), so the fault hits it with one leg applied in
    the statement's own work and the other not; elsewhere the legs are two statements."""
    return 1 if get_engine().dialect.name == "postgresql" else 2


def _money(value) -> Decimal:
    return Decimal(str(value))


def _two_accounts(user: User) -> tuple[int, int]:
    a = user.client.post("/api/accounts", json={"name": "From", "type": "checking", "opening_balance": "100.00"})
    b = user.client.post("/api/accounts", json={"name": "To", "type": "savings", "opening_balance": "0"})
    return a.json()["id"], b.json()["id"]


def _state(user: User, a: int, b: int) -> tuple[Decimal, Decimal, int]:
    c = user.client
    listed = c.get("/api/transactions", params={"page_size": 100}).json()
    return (_money(c.get(f"/api/accounts/{a}").json()["balance"]),
            _money(c.get(f"/api/accounts/{b}").json()["balance"]), listed["total"])


def _transfer(a: int, b: int, amount: str = "25.00") -> dict:
    return {"type": "transfer", "amount": amount, "date": "2026-03-04", "account_id": a, "to_account_id": b}


@pytest.mark.parametrize("number", sorted(TRANSIENT_MSSQL_ERRORS))
def test_azure_sql_transient_error_between_the_two_legs_is_retried_once_and_whole(inject, number):
    user = make_user()
    a, b = _two_accounts(user)
    inject.on_update(nth=second_leg(), error=driver_error(number))  # after the first leg ran, before the second
    response = user.client.post("/api/transactions", json=_transfer(a, b))
    assert response.status == 201, response
    assert inject.fired == 1
    assert _state(user, a, b) == (Decimal("75.00"), Decimal("25.00"), 1)
    _stats.bump("retry", "Azure SQL transient numbers injected mid-transfer and retried")


def test_transient_errors_on_every_attempt_give_a_503_and_no_leg_at_all(inject):
    user = make_user()
    a, b = _two_accounts(user)
    inject.on_update(nth=second_leg(), error=driver_error(40613), times=10)
    response = user.client.post("/api/transactions", json=_transfer(a, b))
    assert_problem(response, 503)
    assert response.header("Retry-After")
    assert _state(user, a, b) == (Decimal("100.00"), Decimal("0.00"), 0)
    _stats.bump("retry", "retries exhausted: 503 with neither leg written")


@pytest.mark.parametrize("number", NON_TRANSIENT)
def test_a_non_transient_error_between_the_legs_is_not_retried_and_writes_nothing(inject, number):
    user = make_user()
    a, b = _two_accounts(user)
    inject.on_update(nth=second_leg(), error=driver_error(number))
    response = user.client.post("/api/transactions", json=_transfer(a, b))
    assert_problem(response, 500)
    assert b"Injected" not in response.body and b"UPDATE" not in response.body
    assert inject.fired == 1
    assert _state(user, a, b) == (Decimal("100.00"), Decimal("0.00"), 0)
    _stats.bump("retry", "non-transient numbers: not retried, nothing written")


@pytest.mark.parametrize("after_real_commit", [False, True], ids=["commit-failed", "commit-happened-answer-lost"])
def test_an_unknown_commit_is_a_503_and_the_idempotent_retry_writes_exactly_once(inject, after_real_commit):
    user = make_user()
    a, b = _two_accounts(user)
    key = {"Idempotency-Key": f"retry-{after_real_commit}"}
    inject.on_commit(driver_error(10054), after_real_commit=after_real_commit)
    first = user.client.post("/api/transactions", json=_transfer(a, b), headers=key)
    assert_problem(first, 503)
    assert first.header("Retry-After")
    retry = user.client.post("/api/transactions", json=_transfer(a, b), headers=key)
    assert retry.status == 201, retry
    assert (retry.header("Idempotent-Replayed") == "true") == after_real_commit
    again = user.client.post("/api/transactions", json=_transfer(a, b), headers=key)
    assert again.status == 201 and again.json()["id"] == retry.json()["id"]
    assert _state(user, a, b) == (Decimal("75.00"), Decimal("25.00"), 1)
    _stats.bump("retry", "unknown commits resolved by an idempotent retry")


@pytest.mark.parametrize("after_real_commit", [False, True], ids=["commit-failed", "commit-happened-answer-lost"])
def test_a_contribution_whose_commit_is_unknown_counts_once_after_retry(inject, after_real_commit):
    user = make_user()
    goal = user.client.post("/api/goals", json={"title": "Car", "target_amount": "1000"}).json()
    key = {"Idempotency-Key": "contribution-1"}
    inject.on_commit(driver_error(40197), after_real_commit=after_real_commit)
    assert_problem(user.client.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "10"}, headers=key), 503)
    retry = user.client.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "10"}, headers=key)
    assert retry.status == 201, retry
    assert _money(user.client.get(f"/api/goals/{goal['id']}").json()["current_savings"]) == Decimal("10.00")
    _stats.bump("retry", "unknown contribution commits resolved by an idempotent retry")


@pytest.mark.postgres
def test_a_backend_killed_mid_request_is_retried_on_postgresql():
    """pg_terminate_backend on the pooled connections the next request may use: its first statement fails,
    the pool is discarded, the retry rule runs the request again, and it succeeds as if nothing happened."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    from sqlalchemy import text

    user = make_user()
    a, b = _two_accounts(user)
    with engine.connect() as conn:  # one connection lists and kills, so it never kills itself
        pids = [row[0] for row in conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = ''"))]
        for pid in pids:  # only this test process's own pooled connections (same database, no app name)
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    response = user.client.post("/api/transactions", json=_transfer(a, b))
    assert response.status == 201, response
    assert _state(user, a, b) == (Decimal("75.00"), Decimal("25.00"), 1)
