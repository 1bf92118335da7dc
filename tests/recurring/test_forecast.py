"""GET /api/forecast: the expected occurrences in the window and each balance's path, figures worked
out by hand."""
from __future__ import annotations

import datetime as dt

# Imported before any test patches recurring.current_day: a first import inside created_on() would bind
# forecast's own `current_day` to that mock, and _forecast_day() would then restore the mock, not the
# real clock, for every later test in the process (it made the MCP forecast test see 2027 as today).
import shared.services.forecast  # noqa: F401
from tests.conftest import assert_problem
from tests.money.conftest import new_account, new_card, new_income_source, ok
from tests.recurring.conftest import created_on, new_schedule

D = dt.date


def forecast_on(api, day: dt.date, days: int):
    """The forecast as if today were `day`."""
    with created_on(day), _forecast_day(day):
        return ok(api.get("/api/forecast", params={"days": days}))


def _forecast_day(day):
    from unittest import mock

    return mock.patch("shared.services.forecast.current_day", return_value=day)


def test_the_window_lists_every_occurrence_and_each_balances_lowest_point(api):
    checking = new_account(api, name="Checking", opening_balance="1000.00")
    savings = new_account(api, name="Savings", opening_balance="200.00")
    card = new_card(api, name="Visa")
    today = D(2027, 1, 30)
    with created_on(today):
        rent = new_schedule(api, name="Rent", amount="800.00", account_id=checking["id"], frequency="monthly",
                            start_date="2027-01-31")
        gym = new_schedule(api, name="Gym", amount="30.00", credit_card_id=card["id"], frequency="weekly",
                           start_date="2027-02-03", auto_post=False)
        move = new_schedule(api, name="Save", type="transfer", amount="100.00", account_id=checking["id"],
                            to_account_id=savings["id"], frequency="monthly", start_date="2027-02-15")
    salary = new_income_source(api, name="Salary", amount="1500.00", frequency="monthly", next_date="2027-02-10",
                               account_id=checking["id"])
    body = forecast_on(api, today, 30)  # Jan 30 .. Mar 1
    assert (body["date_from"], body["date_to"], body["days"]) == ("2027-01-30", "2027-03-01", 30)
    got = [(i["date"], i["name"], i["type"], i["amount"]) for i in body["items"]]
    assert got == [
        ("2027-01-31", "Rent", "expense", "800.00"),
        ("2027-02-03", "Gym", "expense", "30.00"),
        ("2027-02-10", "Gym", "expense", "30.00"),
        ("2027-02-10", "Salary", "income", "1500.00"),
        ("2027-02-15", "Save", "transfer", "100.00"),
        ("2027-02-17", "Gym", "expense", "30.00"),
        ("2027-02-24", "Gym", "expense", "30.00"),
        ("2027-02-28", "Rent", "expense", "800.00"),
    ]
    first = body["items"][0]
    assert (first["recurring_id"], first["income_source_id"], first["account_id"]) == (rent["id"], None,
                                                                                       checking["id"])
    assert body["items"][3]["income_source_id"] == salary["id"] and body["items"][3]["recurring_id"] is None
    assert body["items"][1]["credit_card_id"] == card["id"] and body["items"][1]["recurring_id"] == gym["id"]
    assert body["items"][4]["to_account_id"] == savings["id"] and body["items"][4]["recurring_id"] == move["id"]
    by_name = {a["name"]: a for a in body["accounts"]}
    # Checking: 1000 − 800 (Jan 31) = 200 lowest; + 1500 = 1700; − 100 = 1600; − 800 = 800.
    assert {k: by_name["Checking"][k] for k in ("balance", "projected", "lowest", "lowest_date")} == {
        "balance": "1000.00", "projected": "800.00", "lowest": "200.00", "lowest_date": "2027-01-31"}
    assert by_name["Checking"]["kind"] == "account" and by_name["Checking"]["account_id"] == checking["id"]
    # Savings only grows: its lowest is today's balance, today.
    assert {k: by_name["Savings"][k] for k in ("balance", "projected", "lowest", "lowest_date")} == {
        "balance": "200.00", "projected": "300.00", "lowest": "200.00", "lowest_date": "2027-01-30"}
    # The card owes 4 × 30 more by the end.
    assert {k: by_name["Visa"][k] for k in ("kind", "credit_card_id", "balance", "projected", "lowest",
                                            "lowest_date")} == {
        "kind": "credit_card", "credit_card_id": card["id"], "balance": "0.00", "projected": "120.00",
        "lowest": "0.00", "lowest_date": "2027-01-30"}


def test_a_salary_and_a_bill_on_the_same_day_are_judged_at_the_end_of_the_day(api):
    account = new_account(api, opening_balance="100.00")
    today = D(2027, 5, 1)
    with created_on(today):
        new_schedule(api, name="Bill", amount="500.00", account_id=account["id"], start_date="2027-05-03")
        new_schedule(api, name="Pay", type="income", amount="600.00", account_id=account["id"],
                     start_date="2027-05-03")
    [line] = forecast_on(api, today, 5)["accounts"]
    assert (line["projected"], line["lowest"], line["lowest_date"]) == ("200.00", "100.00", "2027-05-01")


def test_the_window_includes_its_last_day_and_leaves_out_what_has_ended(api):
    account = new_account(api, opening_balance="0")
    today = D(2027, 3, 1)
    with created_on(today):
        new_schedule(api, name="Daily", type="income", amount="1.00", account_id=account["id"], frequency="daily",
                     start_date="2027-03-01", end_date="2027-03-03")
    new_income_source(api, name="Bonus", amount="50.00", frequency="one_time", next_date="2027-03-08",
                      account_id=account["id"])
    assert [i["date"] for i in forecast_on(api, today, 6)["items"]] == ["2027-03-01", "2027-03-02", "2027-03-03"]
    assert [i["name"] for i in forecast_on(api, today, 7)["items"]][-1] == "Bonus"


def test_no_schedules_means_the_balances_stay_as_they_are(api):
    account = new_account(api, opening_balance="42.00")
    body = ok(api.get("/api/forecast"))
    assert body["days"] == 90 and body["items"] == []
    [line] = body["accounts"]
    assert line["id"] == account["id"]
    assert (line["balance"], line["projected"], line["lowest"]) == ("42.00", "42.00", "42.00")


def test_days_must_be_between_1_and_366(api):
    for bad in ("0", "367", "x", "-1", "1.5"):
        assert_problem(api.get("/api/forecast", params={"days": bad}), 422, "days")
    assert ok(api.get("/api/forecast", params={"days": 366}))["days"] == 366


def test_only_your_schedules_and_balances_are_in_your_forecast(api, other_user):
    theirs = new_account(other_user.client, opening_balance="77.00")
    new_schedule(other_user.client, name="Their rent", account_id=theirs["id"])
    body = ok(api.get("/api/forecast"))
    assert body["items"] == [] and body["accounts"] == []


def test_what_the_timer_posted_today_is_in_the_balance_not_again_in_the_forecast(api, user):
    from tests.recurring.conftest import run_timer

    account = new_account(api, opening_balance="100.00")
    today = D(2027, 6, 10)
    with created_on(today):
        new_schedule(api, name="Lunch", amount="10.00", account_id=account["id"], frequency="daily",
                     start_date="2027-06-10")
    before = forecast_on(api, today, 2)  # the timer has not run yet today
    assert [i["date"] for i in before["items"]] == ["2027-06-10", "2027-06-11", "2027-06-12"]
    run_timer(user.id, today)
    after = forecast_on(api, today, 2)
    assert [i["date"] for i in after["items"]] == ["2027-06-11", "2027-06-12"]
    # 100 − 30 either way: once from the plan alone, once 10 posted and 20 planned.
    assert [(a["balance"], a["projected"], a["lowest"]) for a in (before["accounts"][0], after["accounts"][0])] == [
        ("100.00", "70.00", "70.00"), ("90.00", "70.00", "70.00")]


def test_income_without_an_account_is_listed_but_moves_no_balance(api):
    account = new_account(api, opening_balance="10.00")
    source = new_income_source(api, name="Cash jobs", amount="75.00", frequency="weekly", next_date="2027-04-05")
    body = forecast_on(api, D(2027, 4, 1), 10)
    assert [(i["date"], i["income_source_id"], i["account_id"]) for i in body["items"]] == [
        ("2027-04-05", source["id"], None)]  # Apr 12 is past the window (Apr 1 + 10 days)
    [line] = body["accounts"]
    assert (line["id"], line["balance"], line["projected"]) == (account["id"], "10.00", "10.00")
