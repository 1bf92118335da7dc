"""The recurring timer: every due occurrence posted once, through the same service as POST
/api/transactions (the ledger moves), however often, however late, and however many instances run it."""
from __future__ import annotations

import datetime as dt
import threading

from tests.conftest import make_user
from tests.money.conftest import (
    all_items,
    new_account,
    new_card,
    new_category,
    new_income_source,
    ok,
    postgres_only,
)
from tests.recurring.conftest import created_on, new_schedule, posted, run_timer

D = dt.date
TODAY = dt.date.today()


def test_a_due_occurrence_is_posted_through_the_ledger(api, user):
    account = new_account(api, opening_balance="1000.00")
    category = new_category(api)
    schedule = new_schedule(api, amount="250.00", account_id=account["id"], category_id=category["id"],
                            description="Flat rent", frequency="monthly")
    run = run_timer(user.id, TODAY)
    assert run.posted == 1 and run.skipped == []
    [transaction] = posted(api, schedule["id"])
    assert transaction["type"] == "expense" and transaction["amount"] == "250.00"
    assert transaction["date"] == TODAY.isoformat() and transaction["category_id"] == category["id"]
    assert transaction["description"] == "Flat rent" and transaction["account_id"] == account["id"]
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "750.00"
    after = ok(api.get(f"/api/recurring/{schedule['id']}"))
    assert after["last_posted"] == TODAY.isoformat()
    assert after["next_date"] > TODAY.isoformat()


def test_a_posted_occurrence_goes_through_the_rules_and_is_in_its_accounts_currency(api, user):
    euros = new_account(api, name="Euro account", currency="EUR", opening_balance="100.00")
    groceries, other = new_category(api), new_category(api)
    api.post("/api/rules", json={"name": "market", "conditions": [{"field": "payee", "op": "equals",
                                                                    "value": "market"}],
                                 "actions": [{"set": "category_id", "value": groceries["id"]},
                                             {"add_tag": "ruled"}]})
    # The rule fills what the schedule leaves out (category, tags) and never what it names.
    bare = new_schedule(api, name="Veg box", amount="20.00", account_id=euros["id"], payee="Market")
    named = new_schedule(api, name="Veg box 2", amount="5.00", account_id=euros["id"], payee="Market",
                         category_id=other["id"], tags=["mine"])
    run_timer(user.id, TODAY)
    [filled] = posted(api, bare["id"])
    assert (filled["category_id"], filled["tags"], filled["payee"]) == (groceries["id"], ["ruled"], "Market")
    assert (filled["currency"], filled["recurring_id"], filled["description"]) == ("EUR", bare["id"], "Veg box")
    [kept] = posted(api, named["id"])
    assert (kept["category_id"], kept["tags"]) == (other["id"], ["mine"])
    assert ok(api.get(f"/api/accounts/{euros['id']}"))["balance"] == "75.00"


def test_running_the_timer_twice_posts_once(api, user):
    account = new_account(api, opening_balance="100.00")
    schedule = new_schedule(api, amount="10.00", account_id=account["id"])
    run_timer(user.id, TODAY)
    second = run_timer(user.id, TODAY)
    assert second.posted == 0
    assert len(posted(api, schedule["id"])) == 1
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "90.00"


def test_after_a_week_of_downtime_each_missed_day_is_posted_once(api, user):
    account = new_account(api, opening_balance="0")
    with created_on(D(2026, 2, 25)):
        schedule = new_schedule(api, type="income", amount="5.00", account_id=account["id"], frequency="daily",
                                start_date="2026-02-25")
    run_timer(user.id, D(2026, 2, 25))
    run = run_timer(user.id, D(2026, 3, 4))  # down from Feb 26 to Mar 3
    assert run.posted == 7
    dates = [t["date"] for t in posted(api, schedule["id"])]
    assert dates == ["2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02",
                     "2026-03-03", "2026-03-04"]
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "40.00"
    after = ok(api.get(f"/api/recurring/{schedule['id']}"))
    assert (after["last_posted"], after["next_date"]) == ("2026-03-04", "2026-03-05")


def test_a_monthly_schedule_from_the_31st_posts_on_month_ends(api, user):
    account = new_account(api)
    with created_on(D(2027, 1, 1)):
        schedule = new_schedule(api, type="income", account_id=account["id"], start_date="2027-01-31")
    for day in (D(2027, 1, 31), D(2027, 3, 1), D(2027, 3, 31), D(2027, 5, 1)):
        run_timer(user.id, day)
    assert [t["date"] for t in posted(api, schedule["id"])] == ["2027-01-31", "2027-02-28", "2027-03-31",
                                                                 "2027-04-30"]


def test_an_ended_schedule_is_finished_after_its_last_occurrence(api, user):
    with created_on(D(2026, 1, 1)):
        schedule = new_schedule(api, frequency="weekly", start_date="2026-01-01", end_date="2026-01-15")
    run_timer(user.id, D(2026, 2, 1))
    assert [t["date"] for t in posted(api, schedule["id"])] == ["2026-01-01", "2026-01-08", "2026-01-15"]
    after = ok(api.get(f"/api/recurring/{schedule['id']}"))
    assert after["next_date"] is None and after["last_posted"] == "2026-01-15"
    assert run_timer(user.id, D(2026, 3, 1)).posted == 0


def test_a_forecast_only_schedule_posts_nothing(api, user):
    account = new_account(api, opening_balance="50.00")
    with created_on(D(2026, 1, 1)):
        schedule = new_schedule(api, account_id=account["id"], frequency="daily", start_date="2026-01-01",
                                auto_post=False)
    assert run_timer(user.id, D(2026, 1, 5)).posted == 0
    assert posted(api, schedule["id"]) == []
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "50.00"


def test_a_transfer_to_a_card_pays_it_down(api, user):
    account, card = new_account(api, opening_balance="500.00"), new_card(api)
    api.post("/api/transactions", json={"type": "expense", "amount": "300.00", "date": TODAY.isoformat(),
                                         "credit_card_id": card["id"]})
    new_schedule(api, type="transfer", amount="120.00", account_id=account["id"], to_credit_card_id=card["id"])
    run_timer(user.id, TODAY)
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "380.00"
    assert ok(api.get(f"/api/credit-cards/{card['id']}"))["balance"] == "180.00"


def test_a_schedule_that_cannot_post_is_skipped_with_its_reason_and_the_others_post(api, user):
    from shared.data.db import run_unit_of_work
    from shared.data.models import RecurringSchedule

    account = new_account(api, opening_balance="10.00")
    blocked = new_schedule(api, amount="1.00", account_id=account["id"])
    fine = new_schedule(api, amount="1.00", account_id=account["id"])

    def break_it(session):  # a row the API would refuse: a transfer with nowhere to go
        session.get(RecurringSchedule, blocked["id"]).type = "transfer"

    run_unit_of_work(break_it)
    run = run_timer(user.id, TODAY)
    assert [s["id"] for s in run.skipped] == [blocked["id"]] and run.skipped[0]["reason"]
    assert posted(api, blocked["id"]) == [] and len(posted(api, fine["id"])) == 1
    assert ok(api.get(f"/api/recurring/{blocked['id']}"))["next_date"] == TODAY.isoformat()  # tried again next run


def test_an_income_source_linked_to_an_account_posts_and_advances(api, user):
    account = new_account(api, opening_balance="0")
    year = TODAY.year + 1  # a month end ahead of today: a source never posts days before it was written
    source = new_income_source(api, amount="2000.00", frequency="monthly", next_date=f"{year}-01-31",
                               account_id=account["id"])
    run_timer(user.id, D(year, 3, 1))
    incomes = [t for t in ok(api.get("/api/transactions", params={"type": "income"}))["items"]
               if t["income_source_id"] == source["id"]]
    assert sorted(t["date"] for t in incomes) == [f"{year}-01-31", f"{year}-02-{28 + (year % 4 == 0)}"]
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "4000.00"
    assert ok(api.get(f"/api/income-sources/{source['id']}"))["next_date"] == f"{year}-03-31"  # back to the 31st
    assert run_timer(user.id, D(year, 3, 1)).posted == 0


def test_a_stale_next_date_is_not_back_filled(api, user):
    account = new_account(api, opening_balance="0")
    source = new_income_source(api, amount="100.00", frequency="weekly", account_id=account["id"],
                               next_date=(TODAY - dt.timedelta(days=28)).isoformat())
    assert source["next_date"] == TODAY.isoformat()  # its first day from today on, on the calendar it names
    assert run_timer(user.id, TODAY).posted == 1  # today's pay (28 days on, weekly), not the four before it
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "100.00"
    assert ok(api.get(f"/api/income-sources/{source['id']}"))["next_date"] == (
        TODAY + dt.timedelta(days=7)).isoformat()


def test_an_income_source_edited_while_the_timer_was_down_still_gets_every_missed_day(api, user):
    """Renaming it or changing its amount is no reason to skip the pay days a late timer has yet to post."""
    account = new_account(api, opening_balance="0")
    with created_on(D(2026, 3, 1)):
        source = new_income_source(api, name="Pay", amount="100.00", frequency="weekly", account_id=account["id"],
                                   next_date="2026-03-02")
    run_timer(user.id, D(2026, 3, 2))  # then down until the 23rd
    with created_on(D(2026, 3, 20)):
        ok(api.patch(f"/api/income-sources/{source['id']}", json={"name": "Salary", "amount": "110.00"}))
    assert run_timer(user.id, D(2026, 3, 23)).posted == 3
    incomes = [t for t in ok(api.get("/api/transactions", params={"type": "income"}))["items"]
               if t["income_source_id"] == source["id"]]
    assert sorted((t["date"], t["amount"]) for t in incomes) == [
        ("2026-03-02", "100.00"), ("2026-03-09", "110.00"), ("2026-03-16", "110.00"), ("2026-03-23", "110.00")]
    assert ok(api.get(f"/api/income-sources/{source['id']}"))["next_date"] == "2026-03-30"


def test_setting_an_income_sources_calendar_starts_it_from_that_day(api, user):
    """A next_date, frequency or account written while days are pending starts over from the day it is written
    (as a schedule's changed rule does): it never back-fills days from before."""
    account = new_account(api, opening_balance="0")
    with created_on(D(2026, 3, 1)):
        source = new_income_source(api, amount="100.00", frequency="weekly", next_date="2026-03-02")
    with created_on(D(2026, 3, 20)):  # linked to an account while the timer was down since Mar 1
        linked = ok(api.patch(f"/api/income-sources/{source['id']}", json={"account_id": account["id"]}))
        assert linked["next_date"] == "2026-03-23"
        moved = ok(api.patch(f"/api/income-sources/{source['id']}", json={"next_date": "2026-03-10"}))
        assert moved["next_date"] == "2026-03-24"  # Mar 10's weekday, from Mar 20 on
    assert run_timer(user.id, D(2026, 3, 24)).posted == 1
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "100.00"


def test_a_one_time_income_posts_once_and_then_has_no_next_date(api, user):
    account = new_account(api, opening_balance="0")
    payday = TODAY + dt.timedelta(days=10)
    source = new_income_source(api, amount="300.00", frequency="one_time", next_date=payday.isoformat(),
                               account_id=account["id"])
    run_timer(user.id, payday)
    run_timer(user.id, payday + dt.timedelta(days=31))
    assert ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "300.00"
    assert ok(api.get(f"/api/income-sources/{source['id']}"))["next_date"] is None


def test_an_income_source_without_an_account_posts_nothing_but_its_next_date_moves_on(api, user):
    start = TODAY + dt.timedelta(days=3)
    source = new_income_source(api, amount="10.00", frequency="weekly", next_date=start.isoformat())
    assert run_timer(user.id, start + dt.timedelta(days=15)).posted == 0
    assert ok(api.get(f"/api/income-sources/{source['id']}"))["next_date"] == (
        start + dt.timedelta(days=21)).isoformat()


def test_the_job_command_runs_the_same_job(user):
    from scripts.run_recurring import main

    account = new_account(user.client, opening_balance="0")
    schedule = new_schedule(user.client, type="income", amount="7.00", account_id=account["id"])
    assert main(["--today", TODAY.isoformat(), "--user", str(user.id), "--quiet"]) == 0
    assert main(["--today", TODAY.isoformat(), "--user", str(user.id), "--quiet"]) == 0
    assert len(posted(user.client, schedule["id"])) == 1


def test_devhost_runs_a_timer_on_demand(user):
    import functools
    from unittest import mock

    import devhost
    from shared.services.posting import post_due

    # this user's schedules only: the suite's database holds other tests' schedules too
    only_this_user = mock.patch("shared.services.posting.post_due", functools.partial(post_due, user_id=user.id))
    account = new_account(user.client, opening_balance="0")
    schedule = new_schedule(user.client, type="income", amount="3.00", account_id=account["id"])
    with only_this_user:
        assert devhost.main(["--run-timer", "recurring_timer"]) == 0
        assert devhost.main(["--run-timer", "recurring_timer"]) == 0
    assert len(posted(user.client, schedule["id"])) == 1
    assert devhost.main(["--run-timer", "no_such_timer"]) == 2
    assert devhost.main(["--run-timer", "summaries_timer"]) == 2  # needs the host's Durable client


@postgres_only
def test_two_instances_racing_post_each_occurrence_once():
    racer = make_user()
    account = new_account(racer.client, opening_balance="0")
    with created_on(D(2026, 1, 1)):
        schedules = [new_schedule(racer.client, type="income", amount="1.00", account_id=account["id"],
                                  frequency="daily", start_date="2026-01-01", name=f"r{i}") for i in range(3)]
        source = new_income_source(racer.client, amount="10.00", frequency="weekly", next_date="2026-01-02",
                                   account_id=account["id"])
    errors: list[BaseException] = []

    def race(instances: int, day: dt.date) -> None:
        barrier = threading.Barrier(instances)

        def instance():
            try:
                barrier.wait()
                run_timer(racer.id, day)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=instance) for _ in range(instances)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    race(4, D(2026, 1, 20))
    race(2, D(2026, 1, 20))  # the timer fired twice more, at once, on the same day
    assert errors == []
    for schedule in schedules:
        dates = [t["date"] for t in posted(racer.client, schedule["id"])]
        assert dates == [(D(2026, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(20)]
    pay = sorted(t["date"] for t in all_items(racer.client, "/api/transactions")
                 if t["income_source_id"] == source["id"])
    assert pay == ["2026-01-02", "2026-01-09", "2026-01-16"]
    assert ok(racer.client.get(f"/api/accounts/{account['id']}"))["balance"] == "90.00"  # 3 × 20 × 1 + 3 × 10


def test_the_unique_key_refuses_an_occurrence_posted_twice(user):
    """The guard under the row lock: even a second posting of a day the schedule has moved past is refused."""
    from shared.data.db import run_unit_of_work
    from shared.data.models import RecurringSchedule
    from shared.services.posting import post_source

    schedule = new_schedule(user.client, amount="2.00")
    run_timer(user.id, TODAY)

    def rewind(session):  # as if another instance read the schedule before the first one committed
        session.get(RecurringSchedule, schedule["id"]).next_date = TODAY

    run_unit_of_work(rewind)
    assert run_unit_of_work(lambda s: post_source(s, "recurring", schedule["id"], TODAY)) == 0
    assert len(posted(user.client, schedule["id"])) == 1



def test_the_timer_runs_daily_on_its_own_setting(monkeypatch):
    """RECURRING_SCHEDULE (NCRONTAB) when set, which the host resolves; 01:00 UTC every day otherwise."""
    import function_app
    from shared.data.config import timer_schedule

    [timer] = [f for f in function_app.app.get_functions() if f.get_function_name() == "recurring_timer"]
    binding = timer.get_trigger().get_dict_repr()
    assert (binding["type"], binding["schedule"]) == ("timerTrigger", timer_schedule("RECURRING_SCHEDULE"))
    monkeypatch.delenv("RECURRING_SCHEDULE", raising=False)
    assert timer_schedule("RECURRING_SCHEDULE") == "0 0 1 * * *"
    monkeypatch.setenv("RECURRING_SCHEDULE", "0 30 4 * * *")
    assert timer_schedule("RECURRING_SCHEDULE") == "%RECURRING_SCHEDULE%"
    monkeypatch.setenv("SUMMARY_SCHEDULE", "0 0 3 * * *")  # another timer's setting is not this one's
    monkeypatch.delenv("RECURRING_SCHEDULE")
    assert timer_schedule("RECURRING_SCHEDULE") == "0 0 1 * * *"
