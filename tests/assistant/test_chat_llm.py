"""The optional Azure OpenAI mode, against a local fake that speaks the chat-completions wire format:
a tool call is executed by our services for the caller only, a plain answer never brings figures of
its own, and an error, a timeout or nonsense falls back to the rules."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from shared.data.config import get_settings
from tests.assistant.fake_openai import FakeOpenAI
from tests.assistant.test_chat_intents import LAST, chat, shown
from tests.conftest import make_user
from tests.reports.helpers import add, categories

API_KEY = "fake-key-never-in-a-prompt-0123456789"


@pytest.fixture
def fake(monkeypatch):
    with FakeOpenAI() as server:
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.url)
        monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", "gpt-test")
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("AZURE_OPENAI_TIMEOUT_SECONDS", "1")
        get_settings.cache_clear()
        try:
            yield server
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()


@pytest.fixture
def owner():
    user = make_user()
    cats = categories(user.client)
    add(user.client, "expense", "420.40", LAST.isoformat(), category_id=cats["Groceries"])
    return user, cats


def test_a_tool_call_is_answered_by_the_report_service(fake, owner):
    user, cats = owner
    start, end = LAST.replace(day=1).isoformat(), LAST.isoformat()
    fake.tool_call("spending", {"category_id": cats["Groceries"], "start_date": start, "end_date": end})
    fake.text("You spent $420.40 on groceries last month.")
    body = chat(user.client, "groceries last month?")
    assert body == {"reply": "You spent $420.40 on groceries last month.", "intent": "spending",
                    "data": body["data"]}
    assert body["data"]["total"] == "420.40"
    first, second = fake.requests
    assert first.path.startswith("/openai/deployments/gpt-test/chat/completions?api-version=")
    assert first.headers["api-key"] == API_KEY
    assert {t["function"]["name"] for t in first.body["tools"]} >= {"spending", "record_expense", "advice"}
    tool_result = json.loads(second.body["messages"][-1]["content"])
    assert second.body["messages"][-1]["role"] == "tool" and tool_result["data"]["total"] == "420.40"


def test_a_phrasing_with_a_figure_the_tool_did_not_return_is_replaced_by_ours(fake, owner):
    user, cats = owner
    fake.tool_call("spending", {"category_id": cats["Groceries"], "start_date": LAST.replace(day=1).isoformat(),
                                "end_date": LAST.isoformat()})
    fake.text("You spent $999.99 on groceries.")
    body = chat(user.client, "groceries last month?")
    assert "999.99" not in body["reply"] and shown("420.40") in body["reply"]


def test_a_recording_by_tool_goes_through_the_transactions_service_once(fake, owner):
    user, cats = owner
    fake.tool_call("record_expense", {"amount": "12.50", "category_id": cats["Dining"], "description": "coffee"})
    fake.error(500)  # the phrasing round fails: the tool's own sentences answer, nothing is recorded twice
    body = chat(user.client, "coffee 12.50")
    assert body["intent"] == "record_expense" and body["data"]["transaction"]["amount"] == "12.50"
    assert user.client.get("/api/transactions", params={"q": "coffee"}).json()["total"] == 1


def test_a_tool_call_naming_another_users_category_falls_back_to_the_rules(fake, owner):
    user, _ = owner
    stranger = make_user()
    foreign = categories(stranger.client)["Groceries"]
    fake.tool_call("spending", {"category_id": foreign})
    body = chat(user.client, "how much did I spend on groceries last month?")
    assert body["intent"] == "spending" and body["data"]["total"] == "420.40"
    assert body["data"]["category"]["id"] != foreign
    assert len(fake.requests) == 1


def test_a_plain_answer_does_not_replace_figures(fake, owner):
    user, _ = owner
    fake.text("You spent about $5 last month.")
    body = chat(user.client, "how much did I spend on groceries last month?")
    assert body["intent"] == "spending" and body["data"]["total"] == "420.40" and "$5 " not in body["reply"]


def test_a_plain_answer_without_figures_answers_small_talk(fake, owner):
    user, _ = owner
    fake.text("I can help with your spending, budgets and goals.")
    body = chat(user.client, "purple monkey dishwasher")
    assert body == {"reply": "I can help with your spending, budgets and goals.", "intent": "unknown",
                    "data": body["data"]}


@pytest.mark.parametrize("script", ["error", "garbage", "bad_tool", "bad_arguments"])
def test_an_error_or_nonsense_falls_back_to_the_rules(fake, owner, script):
    user, _ = owner
    {"error": lambda: fake.error(503), "garbage": fake.garbage,
     "bad_tool": lambda: fake.tool_call("drop_tables", {}),
     "bad_arguments": lambda: fake.tool_call("spending", "{not json")}[script]()
    body = chat(user.client, "how much did I spend on groceries last month?")
    assert body["intent"] == "spending" and body["data"]["total"] == "420.40"


def test_a_timeout_falls_back_to_the_rules(fake, owner):
    user, _ = owner
    fake.delay(3)  # the client waits 1 second
    body = chat(user.client, "how much did I spend on groceries last month?")
    assert body["intent"] == "spending" and body["data"]["total"] == "420.40"


def test_the_prompt_holds_only_the_callers_names_and_no_secret(fake, owner):
    user, _ = owner
    stranger = make_user()
    stranger.client.post("/api/accounts", json={"name": "StrangerVault", "type": "savings"})
    fake.text("Hello!")
    chat(user.client, "hi")
    sent = json.dumps(fake.requests[0].body)
    assert "StrangerVault" not in sent and stranger.username not in sent
    assert API_KEY not in sent and get_settings().jwt_secret not in sent
    assert "Groceries" in sent  # the caller's own categories, so the model can name them


def test_off_by_default_and_no_client_library_is_imported():
    code = ("import sys, shared.data.config as c, shared.services.assistant.llm as llm;"
            "print(llm.enabled(c.Settings.from_env({'APP_ENV': 'development'})),"
            " 'azure.identity' in sys.modules, 'openai' in sys.modules, 'urllib.request' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False", "False"]


def test_the_upcoming_bills_tool_answers_from_the_forecast(fake):
    from tests.money.conftest import new_account
    from tests.recurring.conftest import new_schedule

    user = make_user()
    account = new_account(user.client, opening_balance="100.00")
    soon = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    new_schedule(user.client, name="Rent", amount="80.00", account_id=account["id"], start_date=soon)
    fake.tool_call("upcoming_bills", {"until": (dt.date.today() + dt.timedelta(days=7)).isoformat()})
    fake.text("Rent of $80.00 is due soon.")
    body = chat(user.client, "anything due this week?")
    assert body["intent"] == "upcoming_bills" and body["reply"] == "Rent of $80.00 is due soon."
    assert [(i["name"], i["date"]) for i in body["data"]["items"]] == [("Rent", soon)]


def test_the_cash_check_tool_answers_from_the_forecast_until_a_day_or_payday(fake):
    from tests.money.conftest import new_account, new_income_source
    from tests.recurring.conftest import new_schedule

    user = make_user()
    today = dt.date.today()
    account = new_account(user.client, name="Checking", opening_balance="500.00")
    new_schedule(user.client, name="Rent", amount="800.00", account_id=account["id"],
                 start_date=(today + dt.timedelta(days=4)).isoformat())
    new_income_source(user.client, name="Pay", amount="1000.00", frequency="monthly",
                      next_date=(today + dt.timedelta(days=6)).isoformat(), account_id=account["id"])
    fake.tool_call("cash_check", {"until": (today + dt.timedelta(days=5)).isoformat()})
    fake.text("No: Checking would go down to -$300.00.")
    body = chat(user.client, "will my money last until next tuesday?")
    assert body["intent"] == "cash_check" and body["reply"] == "No: Checking would go down to -$300.00."
    [line] = body["data"]["accounts"]  # 500 − 800 on day 4, the pay on day 6 is past the window
    assert (body["data"]["enough"], line["lowest"], line["lowest_date"], line["projected"]) == (
        False, "-300.00", (today + dt.timedelta(days=4)).isoformat(), "-300.00")
    fake.tool_call("cash_check", {"payday": True})
    fake.text("You dip to -$300.00 before payday, then $700.00.")
    body = chat(user.client, "can I make it to payday?")
    assert body["data"]["until"] == (today + dt.timedelta(days=6)).isoformat()
    assert (body["data"]["enough"], body["data"]["accounts"][0]["projected"]) == (False, "700.00")


@pytest.mark.parametrize("amount", ["1e999", "-1e999", "1e-999", "99999999999999999999", "١٢", 10**40])
def test_a_tool_call_with_an_amount_out_of_range_records_nothing_and_is_no_500(fake, owner, amount):
    user, cats = owner
    fake.tool_call("record_expense", {"amount": amount, "category_id": cats["Dining"], "description": "tea"})
    response = user.client.post("/api/chat", json={"message": "tea for a lot"})
    assert response.status == 200, response
    assert user.client.get("/api/transactions", params={"q": "tea"}).json()["total"] == 0
