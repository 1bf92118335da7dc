"""/api/goals and contributions: progress, remaining, monthly_needed, atomic contributions."""
from __future__ import annotations

import calendar
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_CEILING, Decimal

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import created, fetch, new_goal, ok, postgres_only


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_progress_and_remaining(api):
    goal = new_goal(api, target_amount="1000.00", current_savings="250.00")
    assert goal["progress"] == "0.2500" and goal["remaining"] == "750.00" and goal["monthly_needed"] is None


def test_progress_is_capped_at_one_and_remaining_at_zero(api):
    goal = new_goal(api, target_amount="100.00", current_savings="150.00")
    assert goal["progress"] == "1.0000" and goal["remaining"] == "0.00"


def test_current_savings_defaults_to_zero(api):
    goal = new_goal(api)
    assert goal["current_savings"] == "0.00" and goal["progress"] == "0.0000" and goal["target_date"] is None


def test_monthly_needed_spreads_the_remainder_over_the_months_left(api):
    today = dt.date.today()
    for months in (1, 6, 12):
        target = add_months(today, months)
        goal = new_goal(api, target_amount="1200.00", current_savings="0", target_date=target.isoformat())
        expected = (Decimal("1200.00") / months).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        assert goal["monthly_needed"] == format(expected, "f"), (months, goal)


def test_monthly_needed_counts_a_started_month(api):
    today = dt.date.today()
    target = add_months(today, 2) + dt.timedelta(days=1)  # two months and a day: three months to save in
    goal = new_goal(api, target_amount="300.00", target_date=target.isoformat())
    assert goal["monthly_needed"] == "100.00"


def test_monthly_needed_is_the_whole_remainder_when_the_date_is_today_or_past(api):
    for target in (dt.date.today(), dt.date.today() - dt.timedelta(days=400)):
        goal = new_goal(api, target_amount="500.00", current_savings="100.00", target_date=target.isoformat())
        assert goal["monthly_needed"] == "400.00"


def test_monthly_needed_is_zero_once_reached_and_null_without_a_date(api):
    goal = new_goal(api, target_amount="100", current_savings="100",
                    target_date=add_months(dt.date.today(), 3).isoformat())
    assert goal["monthly_needed"] == "0.00"
    cleared = ok(api.patch(f"/api/goals/{goal['id']}", json={"target_date": None}))
    assert cleared["monthly_needed"] is None and cleared["target_date"] is None


def test_monthly_needed_rounds_up_to_the_cent(api):
    goal = new_goal(api, target_amount="100.00", target_date=add_months(dt.date.today(), 3).isoformat())
    assert goal["monthly_needed"] == "33.34"


@pytest.mark.parametrize("body, field", [
    ({"target_amount": "0"}, "target_amount"),
    ({"target_amount": "1e400"}, "target_amount"),
    ({"current_savings": "-1"}, "current_savings"),
    ({"target_date": "2026-02-30"}, "target_date"),
    ({"title": ""}, "title"),
    ({"progress": "1"}, "progress"),
    ({"user_id": 5}, "user_id"),
])
def test_invalid_fields_are_422(api, body, field):
    assert_problem(api.post("/api/goals", json={"title": "Car", "target_amount": "100", **body}), 422, field)


def test_patch_only_sent_fields_and_null_rules(api):
    goal = new_goal(api, current_savings="10", target_date="2030-01-01")
    body = ok(api.patch(f"/api/goals/{goal['id']}", json={"title": "House"}))
    assert body["title"] == "House" and body["current_savings"] == "10.00" and body["target_date"] == "2030-01-01"
    for required in ("title", "target_amount", "current_savings"):
        assert_problem(api.patch(f"/api/goals/{goal['id']}", json={required: None}), 422, required)


def test_a_contribution_adds_to_current_savings(api):
    goal = new_goal(api, target_amount="1000.00", current_savings="100.00")
    body = created(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "50.25", "date": "2026-03-01"}))
    assert body["amount"] == "50.25" and body["date"] == "2026-03-01" and body["goal_id"] == goal["id"]
    assert body["goal"]["current_savings"] == "150.25"
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "150.25"
    no_date = created(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": 1}))
    assert no_date["date"] == dt.date.today().isoformat() and no_date["goal"]["current_savings"] == "151.25"


@pytest.mark.parametrize("body, field", [({"amount": "0"}, "amount"), ({"amount": "abc"}, "amount"),
                                         ({}, "amount"), ({"amount": "1", "goal_id": 3}, "goal_id")])
def test_a_bad_contribution_is_422(api, body, field):
    goal = new_goal(api)
    assert_problem(api.post(f"/api/goals/{goal['id']}/contributions", json=body), 422, field)
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "0.00"


def test_a_contribution_cannot_take_savings_past_the_largest_amount(api):
    goal = new_goal(api, target_amount="999999999999.99", current_savings="999999999999.00")
    assert_problem(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "1.00"}), 422, "amount")
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "999999999999.00"
    body = created(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "0.99"}))
    assert body["goal"]["current_savings"] == "999999999999.99" and body["goal"]["progress"] == "1.0000"


def test_contributing_to_another_users_goal_is_404(api, other_user):
    goal = new_goal(api)
    assert_problem(other_user.client.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "5"}), 404)
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "0.00"


def test_deleting_a_goal_with_contributions(api):
    goal = new_goal(api)
    created(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "5"}))
    assert api.delete(f"/api/goals/{goal['id']}").status == 204
    assert_problem(api.get(f"/api/goals/{goal['id']}"), 404)
    assert_problem(api.post(f"/api/goals/{goal['id']}/contributions", json={"amount": "5"}), 404)


def _contribute(client, goal_id: int, amount: str, headers: dict | None = None):
    return client.post(f"/api/goals/{goal_id}/contributions", json={"amount": amount}, headers=headers)


def test_concurrent_contributions_all_count(api):
    """Runs everywhere (SQLite serialises writers); the PostgreSQL run below is the one that bites."""
    goal = new_goal(api, target_amount="100000")
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda i: _contribute(api, goal["id"], "1.01"), range(10)))
    assert [r.status for r in results] == [201] * 10
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "10.10"


@postgres_only
def test_twenty_concurrent_contributions_all_count_on_postgres(api):
    goal = new_goal(api, target_amount="100000", current_savings="0.50")
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: _contribute(api, goal["id"], "2.25"), range(20)))
    assert [r.status for r in results] == [201] * 20, [r for r in results if r.status != 201]
    assert fetch(api, f"/api/goals/{goal['id']}")["current_savings"] == "45.50"
    assert len({r.json()["id"] for r in results}) == 20
