"""The assistant looks ahead from the forecast: "what bills are coming up?" and "will I have enough
money until the 25th?", with figures worked out by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from shared.services.assistant.nlu import understand
from tests.conftest import Client
from tests.money.conftest import new_account, new_card, new_income_source
from tests.recurring.conftest import new_schedule

TODAY = dt.date.today()
D = dt.date


def chat(client: Client, message: str) -> dict:
    response = client.post("/api/chat", json={"message": message})
    assert response.status == 200, response
    return response.json()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def long(d: dt.date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year}"


@pytest.mark.parametrize("message,intent", [
    ("What bills are coming up?", "upcoming_bills"),
    ("any upcoming payments next week", "upcoming_bills"),
    ("what is due this month", "upcoming_bills"),
    ("show my recurring bills", "upcoming_bills"),
    ("Will I have enough money until the 25th?", "cash_check"),
    ("will I run out of money before payday", "cash_check"),
    ("can I make it to friday?", "cash_check"),
    ("am I going to be overdrawn", "cash_check"),
    ("how much did I spend on bills last month", "spending"),
    ("will I have enough saved for my goal?", "goal_progress"),
])
def test_questions_about_what_is_ahead_are_understood(message, intent):
    assert understand(message, today=D(2026, 11, 29), categories=[]).intent == intent


@pytest.mark.parametrize("message,until", [
    ("will I have enough money until the 25th?", D(2026, 12, 25)),  # the 25th has passed this month
    ("enough money until the 30th?", D(2026, 11, 30)),
    ("enough money until December 5", D(2026, 12, 5)),
    ("enough money till 2027-01-10", D(2027, 1, 10)),
    ("bills due next week", D(2026, 12, 6)),  # Monday Nov 30 to Sunday Dec 6
    ("bills due in the next 14 days", D(2026, 12, 13)),
    ("bills in the coming three weeks", D(2026, 12, 20)),
    ("will I have enough money for the next 3 weeks", D(2026, 12, 20)),
])
def test_the_day_asked_about_is_the_next_one_from_today(message, until):
    assert understand(message, today=D(2026, 11, 29), categories=[]).until == until


def test_upcoming_bills_lists_the_payments_in_the_next_30_days(api):
    account = new_account(api, opening_balance="1000.00")
    card = new_card(api)
    new_schedule(api, name="Rent", amount="800.00", account_id=account["id"], start_date=day(3).isoformat())
    new_schedule(api, name="Phone", amount="25.50", credit_card_id=card["id"], start_date=day(10).isoformat())
    new_schedule(api, name="Insurance", amount="400.00", frequency="yearly", start_date=day(45).isoformat())
    new_schedule(api, name="Salary", type="income", amount="2000.00", account_id=account["id"],
                 start_date=day(5).isoformat())
    body = chat(api, "What bills are coming up?")
    assert body["intent"] == "upcoming_bills"
    assert [(i["name"], i["amount"], i["date"]) for i in body["data"]["items"]] == [
        ("Rent", "800.00", day(3).isoformat()), ("Phone", "25.50", day(10).isoformat())]
    assert body["data"]["total"] == "825.50" and body["data"]["until"] == day(30).isoformat()
    assert body["reply"] == (f"Coming up until {long(day(30))}: Rent $800.00 on {long(day(3))}; Phone $25.50 on "
                             f"{long(day(10))}. That is 2 payments, $825.50 in all.")


def test_no_bills_says_so(api):
    body = chat(api, "what bills are coming up?")
    assert body["intent"] == "upcoming_bills" and body["data"]["items"] == []
    assert "No bills" in body["reply"]


def test_cash_check_says_no_with_the_day_and_the_low_point(api):
    account = new_account(api, name="Checking", opening_balance="500.00")
    new_schedule(api, name="Rent", amount="800.00", account_id=account["id"], start_date=day(4).isoformat())
    new_income_source(api, name="Pay", amount="1000.00", frequency="monthly", next_date=day(6).isoformat(),
                      account_id=account["id"])
    body = chat(api, f"will I have enough money until {day(5).isoformat()}?")
    assert body["intent"] == "cash_check" and body["data"]["enough"] is False
    [line] = body["data"]["accounts"]
    assert (line["lowest"], line["lowest_date"], line["projected"]) == ("-300.00", day(4).isoformat(), "-300.00")
    assert body["reply"].startswith(f"No: with what is scheduled until {long(day(5))}, Checking would go down to "
                                    f"-$300.00 on {long(day(4))}.")
    # Until payday: the same low point, and the salary two days later brings it back to 700.
    payday = chat(api, "can I make it to payday?")
    assert payday["data"]["until"] == day(6).isoformat() and payday["data"]["enough"] is False
    assert payday["data"]["accounts"][0]["projected"] == "700.00"


def test_cash_check_says_yes_with_the_lowest_balance(api):
    account = new_account(api, name="Checking", opening_balance="1000.00")
    new_schedule(api, name="Gym", amount="40.00", frequency="weekly", account_id=account["id"],
                 start_date=day(1).isoformat())
    body = chat(api, f"will I have enough money until {day(15).isoformat()}?")
    assert body["data"]["enough"] is True
    # Gym on days 1, 8 and 15: 1000 − 120 = 880, reached on day 15.
    assert body["reply"].startswith(f"Yes: with what is scheduled until {long(day(15))}, your balances stay above "
                                    f"zero; the lowest is Checking at $880.00 on {long(day(15))}.")


def test_a_day_that_has_passed_or_no_payday_is_asked_about(api):
    new_account(api)
    past = chat(api, "will I have enough money until 2001-01-01?")
    assert past["intent"] == "clarify" and "passed" in past["reply"]
    assert chat(api, "will I make it to payday?")["intent"] == "clarify"


def test_the_assistant_looks_only_at_your_schedules(api, other_user):
    theirs = new_account(other_user.client, opening_balance="5.00")
    new_schedule(other_user.client, name="Their rent", amount="999.00", account_id=theirs["id"],
                 start_date=day(2).isoformat())
    body = chat(api, "what bills are coming up?")
    assert body["data"]["items"] == [] and "Their rent" not in body["reply"]
