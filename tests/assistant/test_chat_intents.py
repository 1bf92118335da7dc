"""POST /api/chat end to end, one intent at a time: data made through the API, and every figure in
the reply and in `data` the same as the reports and money endpoints answer."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.conftest import Client, User, make_user
from tests.reports.helpers import account, add, budget, categories

TODAY = dt.date.today()
LAST = TODAY.replace(day=1) - dt.timedelta(days=1)  # a day of last month
LAST_MONTH = LAST.strftime("%Y-%m")
THIS_MONTH = TODAY.strftime("%Y-%m")


def chat(client: Client, message: str) -> dict:
    response = client.post("/api/chat", json={"message": message})
    assert response.status == 200, response
    body = response.json()
    assert set(body) == {"reply", "intent", "data"}
    return body


def shown(amount: str) -> str:
    """Money as a reply writes it in US dollars."""
    return f"${Decimal(amount):,.2f}"


@dataclass
class Seeded:
    user: User
    cats: dict[str, int]
    checking: int
    savings: int


def seed(scale: int = 1) -> Seeded:
    """Last month: income 4000, rent 1500, groceries 300 + 120.40, dining 80; this month: groceries 55.25.
    `scale` multiplies every amount, so two users have different figures."""
    user = make_user()
    c = user.client
    cats = categories(c)
    checking = account(c, "Checking")
    savings_response = c.post("/api/accounts", json={"name": "Savings", "type": "savings",
                                                     "opening_balance": str(1000 * scale)})
    assert savings_response.status == 201
    k = Decimal(scale)
    add(c, "income", str(4000 * k), LAST.isoformat(), category_id=cats["Salary"], account_id=checking)
    add(c, "expense", str(1500 * k), LAST.isoformat(), category_id=cats["Rent"], account_id=checking)
    add(c, "expense", str(Decimal("300.00") * k), LAST.isoformat(), category_id=cats["Groceries"], account_id=checking)
    add(c, "expense", str(Decimal("120.40") * k), LAST.isoformat(), category_id=cats["Groceries"])
    add(c, "expense", str(80 * k), LAST.isoformat(), category_id=cats["Dining"])
    add(c, "expense", str(Decimal("55.25") * k), TODAY.isoformat(), category_id=cats["Groceries"],
        account_id=checking)
    # A transfer is neither income nor expense anywhere.
    add(c, "transfer", "100.00", LAST.isoformat(), account_id=checking, to_account_id=savings_response.json()["id"])
    return Seeded(user, cats, checking, savings_response.json()["id"])


@pytest.fixture(scope="module")
def alice() -> Seeded:
    return seed(1)


@pytest.fixture(scope="module")
def bob() -> Seeded:
    return seed(3)


def monthly(client: Client, month: str) -> dict:
    response = client.get("/api/reports/monthly", params={"month": month})
    assert response.status == 200, response
    return response.json()


def summary(client: Client, start: dt.date, end: dt.date) -> dict:
    response = client.get("/api/reports/summary", params={"date_from": start.isoformat(), "date_to": end.isoformat()})
    assert response.status == 200, response
    return response.json()


def category_total(report: dict, category_id: int) -> str:
    return next((c["total"] for c in report["by_category"] if c["category_id"] == category_id), "0.00")


# --- questions about figures --------------------------------------------------------------------

def test_spending_for_a_category_last_month_matches_the_monthly_report(alice):
    body = chat(alice.user.client, "How much did I spend on groceries last month?")
    expected = category_total(monthly(alice.user.client, LAST_MONTH), alice.cats["Groceries"])
    assert body["intent"] == "spending"
    assert expected == "420.40"
    assert body["data"]["total"] == expected
    assert body["data"]["category"] == {"id": alice.cats["Groceries"], "name": "Groceries"}
    assert body["data"]["period"]["start"] == LAST.replace(day=1).isoformat()
    assert body["data"]["period"]["end"] == LAST.isoformat()
    assert shown(expected) in body["reply"] and "Groceries" in body["reply"]


def test_spending_without_a_category_is_every_expense_of_the_period(alice):
    body = chat(alice.user.client, "how much did I spend last month")
    expected = monthly(alice.user.client, LAST_MONTH)["total_expenses"]
    assert (body["intent"], body["data"]["total"]) == ("spending", expected)
    assert shown(expected) in body["reply"]


def test_spending_without_a_period_is_this_month_so_far(alice):
    body = chat(alice.user.client, "how much have I spent on groceries?")
    expected = summary(alice.user.client, TODAY.replace(day=1), TODAY)["total_expenses"]
    assert body["data"]["period"] == {"start": TODAY.replace(day=1).isoformat(), "end": TODAY.isoformat(),
                                      "label": "this month"}
    assert body["data"]["total"] == expected == "55.25"


def test_income_last_month_matches_the_summary(alice):
    body = chat(alice.user.client, "How much did I earn last month?")
    expected = summary(alice.user.client, LAST.replace(day=1), LAST)["total_income"]
    assert (body["intent"], body["data"]["total"]) == ("income", expected)
    assert expected == "4000.00" and shown(expected) in body["reply"]


def test_net_savings_and_rate_match_the_monthly_report(alice):
    body = chat(alice.user.client, "How much did I save last month?")
    report = monthly(alice.user.client, LAST_MONTH)
    assert body["intent"] == "net_savings"
    data = body["data"]
    assert (data["income"], data["expenses"], data["net_savings"], data["savings_rate"]) == (
        report["total_income"], report["total_expenses"], report["net_savings"], report["savings_rate"])
    assert shown(report["net_savings"]) in body["reply"]
    assert f"{Decimal(report['savings_rate']) * 100:.1f}%" in body["reply"]


def test_balance_lists_each_account_as_the_accounts_endpoint_does(alice):
    body = chat(alice.user.client, "what's my balance?")
    listed = alice.user.client.get("/api/accounts").json()["items"]
    assert body["intent"] == "balance"
    assert {a["id"]: a["balance"] for a in body["data"]["accounts"]} == {a["id"]: a["balance"] for a in listed}
    assert body["data"]["total"] == f"{sum(Decimal(a['balance']) for a in listed):.2f}"
    for a in listed:
        assert shown(a["balance"]) in body["reply"]


def test_balance_of_one_named_account(alice):
    body = chat(alice.user.client, "how much is in my savings account?")
    one = alice.user.client.get(f"/api/accounts/{alice.savings}").json()
    assert body["intent"] == "balance"
    assert body["data"]["accounts"] == [{"id": one["id"], "name": "Savings", "type": "savings",
                                         "currency": "USD", "balance": one["balance"]}]
    assert one["balance"] == "1100.00" and shown("1100.00") in body["reply"]


def test_budget_status_matches_the_budget_endpoint(alice):
    c = alice.user.client
    budget(c, alice.cats["Groceries"], THIS_MONTH, "50.00")
    try:
        body = chat(c, "am I over budget on groceries?")
        listed = c.get("/api/budgets", params={"month": THIS_MONTH}).json()["items"]
        mine = next(b for b in listed if b["category_id"] == alice.cats["Groceries"])
        assert body["intent"] == "budget_status"
        [line] = body["data"]["budgets"]
        assert (line["budgeted"], line["actual"], line["remaining"], line["over_budget"]) == (
            mine["amount"], mine["spent"], mine["remaining"], True)
        assert line["remaining"] == "-5.25"
        assert shown("55.25") in body["reply"] and shown("5.25") in body["reply"] and "over" in body["reply"]
    finally:
        c.delete(f"/api/budgets/{mine['id']}")


def test_budget_status_without_budgets_says_so(alice):
    body = chat(alice.user.client, "how is my budget looking last month?")
    assert body["intent"] == "budget_status" and body["data"]["budgets"] == []
    assert "not set" in body["reply"]


def test_goal_progress_matches_the_goals_endpoint():
    user = make_user()
    target_date = (TODAY + dt.timedelta(days=400)).isoformat()
    goal = user.client.post("/api/goals", json={"title": "Emergency fund", "target_amount": "5000",
                                                "current_savings": "1250", "target_date": target_date}).json()
    body = chat(user.client, "how is my emergency fund goal doing?")
    assert body["intent"] == "goal_progress"
    [g] = body["data"]["goals"]
    for key in ("id", "target_amount", "current_savings", "progress", "remaining", "monthly_needed", "target_date"):
        assert g[key] == goal[key], key
    reply = body["reply"]
    assert shown("1250") in reply and "25.0%" in reply and shown(goal["monthly_needed"]) in reply


def test_goal_progress_with_no_goals_says_so(alice):
    body = chat(alice.user.client, "how are my goals going?")
    assert body["intent"] == "goal_progress" and body["data"]["goals"] == []
    assert "no savings goals" in body["reply"]


def test_top_spending_matches_the_report_by_category(alice):
    body = chat(alice.user.client, "what were my top 2 spending categories last month?")
    report = monthly(alice.user.client, LAST_MONTH)
    expenses = [c for c in report["by_category"] if c["kind"] == "expense"]
    assert body["intent"] == "top_spending"
    assert [(c["category_id"], c["total"]) for c in body["data"]["categories"]] == [
        (c["category_id"], c["total"]) for c in expenses[:2]]
    assert body["data"]["total_expenses"] == report["total_expenses"]
    assert [c["name"] for c in body["data"]["categories"]] == ["Rent", "Groceries"]
    assert body["data"]["categories"][0]["share"] == f"{Decimal('1500') / Decimal('2000.40'):.4f}"
    assert shown("1500") in body["reply"] and shown("420.40") in body["reply"]


# --- recording ----------------------------------------------------------------------------------

def test_recording_an_expense_creates_it_through_the_transactions_service():
    user = make_user()
    cats = categories(user.client)
    body = chat(user.client, "spent 12.50 on coffee today")
    assert body["intent"] == "record_expense"
    created = body["data"]["transaction"]
    stored = user.client.get(f"/api/transactions/{created['id']}").json()
    assert stored == created
    assert (stored["type"], stored["amount"], stored["date"], stored["category_id"]) == (
        "expense", "12.50", TODAY.isoformat(), cats["Dining"])
    assert shown("12.50") in body["reply"] and "Dining" in body["reply"]
    assert summary(user.client, TODAY, TODAY)["total_expenses"] == "12.50"


def test_recording_income_into_a_named_account_moves_its_balance():
    user = make_user()
    cats = categories(user.client)
    checking = account(user.client, "Checking")
    body = chat(user.client, "got paid 2500 salary into checking today")
    assert body["intent"] == "record_income"
    created = body["data"]["transaction"]
    assert (created["type"], created["amount"], created["category_id"], created["account_id"]) == (
        "income", "2500.00", cats["Salary"], checking)
    assert user.client.get(f"/api/accounts/{checking}").json()["balance"] == "2500.00"


def test_a_recording_the_service_refuses_is_a_question_back_and_creates_nothing(monkeypatch):
    user = make_user()
    # A huge amount passes the language layer's reading but not the transaction's validation.
    body = chat(user.client, "spent 9999999999999 on rent today")
    assert body["intent"] == "clarify"
    assert any(e["field"] == "amount" for e in body["data"]["errors"])
    assert "could not record" in body["reply"]
    assert user.client.get("/api/transactions").json()["total"] == 0


def test_a_recording_with_an_idempotency_key_is_made_once():
    user = make_user()
    headers = {"Idempotency-Key": "chat-retry-1"}
    first = user.client.post("/api/chat", json={"message": "spent 7.25 on lunch today"}, headers=headers)
    again = user.client.post("/api/chat", json={"message": "spent 7.25 on lunch today"}, headers=headers)
    assert first.status == again.status == 200
    assert first.json() == again.json()
    assert user.client.get("/api/transactions").json()["total"] == 1


# --- conversation ---------------------------------------------------------------------------------

def test_not_understood_says_so_and_shows_three_examples(alice):
    body = chat(alice.user.client, "purple monkey dishwasher")
    assert body["intent"] == "unknown"
    assert "did not understand" in body["reply"]
    assert len(body["data"]["examples"]) == 3
    for example in body["data"]["examples"]:
        assert example in body["reply"]


def test_help_lists_what_can_be_asked(alice):
    body = chat(alice.user.client, "hi")
    assert body["intent"] == "help" and len(body["data"]["examples"]) >= 3


def test_a_question_back_names_the_candidates(alice):
    body = chat(alice.user.client, "how much did I spend on coffee last month?")
    assert body["intent"] == "clarify"
    assert body["data"]["question"] == body["reply"]
    assert body["data"]["candidates"] == [{"id": alice.cats["Dining"], "name": "Dining"}]


# --- privacy ------------------------------------------------------------------------------------

def test_two_users_each_get_their_own_figures(alice, bob):
    for who, groceries, income in ((alice, "420.40", "4000.00"), (bob, "1261.20", "12000.00")):
        assert chat(who.user.client, "how much did I spend on groceries last month")["data"]["total"] == groceries
        assert chat(who.user.client, "what did I earn last month")["data"]["total"] == income
        balances = {a["name"] for a in chat(who.user.client, "balance")["data"]["accounts"]}
        assert balances == {"Checking", "Savings"}
        ids = {a["id"] for a in chat(who.user.client, "balance")["data"]["accounts"]}
        assert ids == {who.checking, who.savings}


def test_a_new_user_sees_zeros_not_someone_elses_numbers(alice):
    newcomer = make_user()
    assert chat(newcomer.client, "how much did I spend last month")["data"]["total"] == "0.00"
    assert chat(newcomer.client, "balance")["data"]["accounts"] == []
    top = chat(newcomer.client, "top spending categories last month")
    assert top["data"]["categories"] == [] and "no expenses" in top["reply"]
