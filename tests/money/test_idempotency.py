"""Idempotency-Key on POST /api/transactions and POST /api/goals/{id}/contributions."""
from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import fetch, new_account, new_goal, ok, postgres_only


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
def account(api):
    return new_account(api, opening_balance="100.00")


def expense(account) -> dict:
    return {"type": "expense", "amount": "12.34", "date": "2026-03-01", "account_id": account["id"]}


def test_a_retry_with_the_same_key_and_body_answers_the_first_answer_and_creates_nothing(api, account):
    headers = key()
    first = api.post("/api/transactions", json=expense(account), headers=headers)
    again = api.post("/api/transactions", json=expense(account), headers=headers)
    assert first.status == again.status == 201
    assert again.json() == first.json()
    assert ok(api.get("/api/transactions"))["total"] == 1
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "87.66"


def test_the_same_key_with_another_body_is_422_and_creates_nothing(api, account):
    headers = key()
    assert api.post("/api/transactions", json=expense(account), headers=headers).status == 201
    changed = {**expense(account), "amount": "99.00"}
    assert_problem(api.post("/api/transactions", json=changed, headers=headers), 422, "Idempotency-Key")
    assert ok(api.get("/api/transactions"))["total"] == 1
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "87.66"


def test_without_a_key_every_post_creates(api, account):
    for _ in range(2):
        assert api.post("/api/transactions", json=expense(account)).status == 201
    assert ok(api.get("/api/transactions"))["total"] == 2


def test_different_keys_create_different_rows(api, account):
    a = api.post("/api/transactions", json=expense(account), headers=key()).json()
    b = api.post("/api/transactions", json=expense(account), headers=key()).json()
    assert a["id"] != b["id"]


def test_keys_are_per_user(user, other_user):
    headers = key()
    mine = user.client.post("/api/transactions", json={"type": "expense", "amount": "1", "date": "2026-01-01"},
                            headers=headers)
    theirs = other_user.client.post("/api/transactions",
                                    json={"type": "expense", "amount": "1", "date": "2026-01-01"}, headers=headers)
    assert mine.status == theirs.status == 201 and mine.json()["id"] != theirs.json()["id"]
    assert ok(other_user.client.get("/api/transactions"))["total"] == 1
    # and a different body under the same key is not a conflict across users either
    third = other_user.client.post("/api/transactions", json={"type": "expense", "amount": "2",
                                                              "date": "2026-01-01"}, headers=key())
    assert third.status == 201


def test_a_refused_request_is_not_remembered(api, account):
    headers = key()
    bad = {**expense(account), "to_account_id": account["id"]}
    assert_problem(api.post("/api/transactions", json=bad, headers=headers), 422)
    assert api.post("/api/transactions", json=expense(account), headers=headers).status == 201


def test_after_24_hours_a_key_starts_afresh(api, account, db_session):
    from sqlalchemy import update

    from shared.data.models import IdempotencyRecord
    from shared.data.types import utcnow

    headers = key()
    first = api.post("/api/transactions", json=expense(account), headers=headers).json()
    db_session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == headers["Idempotency-Key"])
                       .values(created_at=utcnow() - dt.timedelta(hours=24, minutes=1)))
    db_session.commit()
    later = api.post("/api/transactions", json={**expense(account), "amount": "1.00"}, headers=headers)
    assert later.status == 201 and later.json()["id"] != first["id"]
    again = api.post("/api/transactions", json={**expense(account), "amount": "1.00"}, headers=headers)
    assert again.json() == later.json()
    assert ok(api.get("/api/transactions"))["total"] == 2


def test_a_key_too_long_is_422(api, account):
    assert_problem(api.post("/api/transactions", json=expense(account), headers={"Idempotency-Key": "k" * 256}),
                   422, "Idempotency-Key")


def test_the_same_key_on_transactions_and_contributions_does_not_collide(api, account):
    headers = key()
    goal = new_goal(api)
    assert api.post("/api/transactions", json=expense(account), headers=headers).status == 201
    assert api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "5"}, headers=headers).status == 201


def test_contribution_retries_count_once(api):
    goal = new_goal(api)
    headers = key()
    first = api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "25.00"}, headers=headers)
    again = api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "25.00"}, headers=headers)
    assert first.status == again.status == 201 and first.json() == again.json()
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "25.00"
    assert_problem(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "26.00"}, headers=headers),
                   422, "Idempotency-Key")
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "25.00"


def test_the_same_key_on_two_goals_is_two_contributions(api):
    a, b = new_goal(api), new_goal(api)
    headers = key()
    for goal in (a, b):
        assert api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "5"}, headers=headers).status == 201
        assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "5.00"


def _race(fire, n: int = 8):
    barrier = threading.Barrier(n)

    def go(_):
        barrier.wait()
        return fire()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(go, range(n)))


def test_racing_retries_create_one_transaction(api, account):
    headers = key()
    results = _race(lambda: api.post("/api/transactions", json=expense(account), headers=headers))
    assert {r.status for r in results} == {201}, results
    assert len({r.json()["id"] for r in results}) == 1
    assert ok(api.get("/api/transactions"))["total"] == 1
    assert fetch(api, f"/api/accounts/{account['id']}")["balance"] == "87.66"


def test_racing_contribution_retries_count_once(api):
    goal = new_goal(api)
    headers = key()
    results = _race(lambda: api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "7.00"},
                                     headers=headers))
    assert {r.status for r in results} == {201}, results
    assert len({r.json()["id"] for r in results}) == 1
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "7.00"


@postgres_only
def test_racing_cash_expense_retries_create_one_on_postgres(api):
    """No balance row to lock: only the unique key record can stop the second one."""
    headers = key()
    body = {"type": "expense", "amount": "3.00", "date": "2026-03-01"}
    results = _race(lambda: api.post("/api/transactions", json=body, headers=headers), n=12)
    assert {r.status for r in results} == {201}, results
    assert len({r.json()["id"] for r in results}) == 1
    assert ok(api.get("/api/transactions"))["total"] == 1
