"""Advice through POST /api/chat: savings rate against 20%, the 50/30/20 split of the last full month,
over-budget categories, goals behind pace, unusual expenses; every figure in a sentence is in `data`
and equals what the report endpoints say."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from shared.services.assistant.llm import figures
from tests.assistant.test_chat_intents import LAST, LAST_MONTH, THIS_MONTH, TODAY, chat, shown
from tests.conftest import make_user
from tests.reports.helpers import add, budget, categories


@pytest.fixture(scope="module")
def spender():
    """Last month: income 4000; needs 2600 (Rent 2200, Groceries 400); wants 1050 (Dining 700,
    Entertainment 200, Pets 100 — a category of the user's own — and 50 uncategorized); saved 350.
    This month: six 10.00 coffees and one 300.00 dinner (Dining, budget 50)."""
    user = make_user()
    c = user.client
    cats = categories(c)
    pets = c.post("/api/categories", json={"name": "Pets", "kind": "expense"}).json()["id"]
    day = LAST.isoformat()
    add(c, "income", "4000.00", day, category_id=cats["Salary"])
    add(c, "expense", "2200.00", day, category_id=cats["Rent"])
    add(c, "expense", "400.00", day, category_id=cats["Groceries"])
    add(c, "expense", "700.00", day, category_id=cats["Dining"], description="anniversary dinner")
    add(c, "expense", "200.00", day, category_id=cats["Entertainment"])
    add(c, "expense", "100.00", day, category_id=pets)
    add(c, "expense", "50.00", day)
    for _ in range(6):
        add(c, "expense", "10.00", TODAY.isoformat(), category_id=cats["Dining"], description="coffee")
    add(c, "expense", "300.00", TODAY.isoformat(), category_id=cats["Dining"], description="team dinner")
    budget(c, cats["Dining"], THIS_MONTH, "50.00")
    budget(c, cats["Groceries"], THIS_MONTH, "500.00")
    return user, cats


def backed(body: dict) -> None:
    """Every number in the reply is one of the figures in data."""
    assert figures(body["reply"]) <= figures(json.dumps(body["data"])), body


def test_savings_rate_is_measured_against_20_percent(spender):
    user, _ = spender
    body = chat(user.client, "what is my savings rate?")
    report = user.client.get("/api/reports/monthly", params={"month": LAST_MONTH}).json()
    section = body["data"]["savings_rate"]
    assert body["intent"] == "advice" and body["data"]["topic"] == "savings_rate"
    assert (section["income"], section["net_savings"], section["savings_rate"]) == (
        report["total_income"], report["net_savings"], report["savings_rate"]) == ("4000.00", "350.00", "0.0875")
    assert section["target"] == "0.2000" and section["shortfall"] == "450.00"
    assert "8.8%" in body["reply"] and "20.0%" in body["reply"] and shown("450") in body["reply"]
    backed(body)


def test_50_30_20_split_of_the_last_full_month(spender):
    user, _ = spender
    body = chat(user.client, "how does my spending look against 50/30/20?")
    s = body["data"]["50_30_20"]
    assert s["period"]["start"] == LAST.replace(day=1).isoformat() and s["period"]["end"] == LAST.isoformat()
    assert (s["needs"]["total"], s["wants"]["total"], s["savings"]["total"]) == ("2600.00", "1050.00", "350.00")
    assert (s["needs"]["share"], s["wants"]["share"], s["savings"]["share"]) == ("0.6500", "0.2625", "0.0875")
    assert sorted(s["needs"]["categories"]) == ["Groceries", "Rent"]
    assert sorted(s["unclassified"]) == ["Pets", "Uncategorized"]
    assert s["mapping"]["needs"] == ["Rent", "Utilities", "Groceries", "Transport", "Health"]
    assert s["mapping"]["wants"] == ["Dining", "Entertainment", "Shopping", "Other"]
    report = user.client.get("/api/reports/monthly", params={"month": LAST_MONTH}).json()
    assert Decimal(s["needs"]["total"]) + Decimal(s["wants"]["total"]) == Decimal(report["total_expenses"])
    assert "65.0%" in body["reply"] and "above the guide" in body["reply"] and "Pets" in body["reply"]
    backed(body)


def test_over_budget_categories_match_the_budgets_endpoint(spender):
    user, cats = spender
    body = chat(user.client, "any advice on my budgets?")
    listed = user.client.get("/api/budgets", params={"month": THIS_MONTH}).json()["items"]
    dining = next(b for b in listed if b["category_id"] == cats["Dining"])
    section = body["data"]["budgets"]
    assert section["budgets_count"] == 2
    assert section["over_budget"] == [{"category_id": cats["Dining"], "name": "Dining", "budgeted": dining["amount"],
                                       "actual": dining["spent"], "over_by": f"{-Decimal(dining['remaining']):.2f}"}]
    assert shown("360") in body["reply"] and shown("310") in body["reply"]
    backed(body)


def test_unusual_expenses_come_from_the_spending_patterns_report(spender):
    user, _ = spender
    body = chat(user.client, "anything unusual in my spending?")
    section = body["data"]["unusual"]
    start, end = section["period"]["start"], section["period"]["end"]
    patterns = user.client.get("/api/reports/spending-patterns",
                               params={"date_from": start, "date_to": end}).json()
    assert [e["amount"] for e in section["unusual_expenses"]] == ["700.00", "300.00"]
    assert [e["transaction_id"] for e in section["unusual_expenses"]] == [
        e["transaction_id"] for e in patterns["unusual_expenses"]]
    assert "team dinner" in body["reply"] and shown("700") in body["reply"]
    backed(body)


def test_general_advice_has_every_section_and_every_sentence_is_backed(spender):
    user, _ = spender
    body = chat(user.client, "any advice for me?")
    assert body["intent"] == "advice" and body["data"]["topic"] is None
    for topic in ("savings_rate", "50_30_20", "budgets", "goals", "unusual"):
        assert body["data"][topic]["advice"], topic
        for sentence in body["data"][topic]["advice"]:
            assert sentence in body["reply"]
            assert figures(sentence) <= figures(json.dumps(body["data"][topic])), sentence
    backed(body)


def test_a_goal_whose_date_has_passed_is_behind_with_what_is_left():
    user = make_user()
    past = (TODAY - dt.timedelta(days=10)).isoformat()
    user.client.post("/api/goals", json={"title": "Laptop", "target_amount": "1500", "current_savings": "900",
                                         "target_date": past})
    body = chat(user.client, "am I on track with my goals?")
    [goal] = body["data"]["goals"]["behind"]
    assert goal["overdue"] is True and goal["remaining"] == "600.00"
    assert "Laptop" in body["reply"] and shown("600") in body["reply"]
    backed(body)


def test_a_goal_behind_a_steady_pace_gets_the_monthly_amount_needed(db_session):
    user = make_user()
    target = (TODAY + dt.timedelta(days=300)).isoformat()
    created = user.client.post("/api/goals", json={"title": "Holiday", "target_amount": "4000",
                                                   "current_savings": "100", "target_date": target}).json()
    # Time is the one input the API cannot set: pretend the goal was made 100 days ago.
    from sqlalchemy import update

    from shared.data.models import Goal

    db_session.execute(update(Goal).where(Goal.id == created["id"]).values(
        created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=100)))
    db_session.commit()
    body = chat(user.client, "am I on track with my goals?")
    [goal] = body["data"]["goals"]["behind"]
    expected = (Decimal(4000) * 100 / 400).quantize(Decimal("0.01"))
    assert goal["expected_by_now"] == f"{expected}" and goal["overdue"] is False
    assert goal["monthly_needed"] == user.client.get(f"/api/goals/{created['id']}").json()["monthly_needed"]
    assert shown(goal["monthly_needed"]) in body["reply"] and "behind pace" in body["reply"]
    backed(body)


def test_a_goal_on_pace_is_not_called_behind():
    user = make_user()
    target = (TODAY + dt.timedelta(days=300)).isoformat()
    user.client.post("/api/goals", json={"title": "Car", "target_amount": "4000", "current_savings": "100",
                                         "target_date": target})
    body = chat(user.client, "am I on track with my goals?")
    assert body["data"]["goals"]["behind"] == [] and "on pace" in body["reply"]


def test_advice_without_any_data_says_what_is_missing_and_invents_nothing():
    user = make_user()
    body = chat(user.client, "give me some advice")
    assert "no income" in body["reply"] and "no budgets" in body["reply"]
    assert body["data"]["savings_rate"]["savings_rate"] is None
    backed(body)
