"""/api/recurring: the schedule's fields, defaults and computed dates, and the same rules for the
transaction it posts as POST /api/transactions."""
from __future__ import annotations

import datetime as dt

from tests.conftest import assert_problem
from tests.money.conftest import new_account, new_card, new_category, ok
from tests.recurring.conftest import created_on, new_schedule

TODAY = dt.date.today()


def test_a_schedule_is_created_with_its_defaults_and_next_date(api):
    account = new_account(api)
    body = new_schedule(api, account_id=account["id"], start_date=(TODAY + dt.timedelta(days=3)).isoformat(),
                        tags=["home", "HOME", "rent"], payee="Landlord")
    assert body["interval"] == 1 and body["auto_post"] is True
    assert body["next_date"] == (TODAY + dt.timedelta(days=3)).isoformat()
    assert body["last_posted"] is None and body["end_date"] is None
    assert body["tags"] == ["home", "rent"]  # compared case-insensitively, first spelling kept
    assert body["amount"] == "100.00" and body["payee"] == "Landlord"
    assert ok(api.get(f"/api/recurring/{body['id']}")) == body


def test_a_start_date_in_the_past_begins_at_the_first_occurrence_from_today(api):
    start = TODAY - dt.timedelta(days=10)
    body = new_schedule(api, frequency="weekly", start_date=start.isoformat())
    assert body["next_date"] == (start + dt.timedelta(days=14)).isoformat()


def test_a_schedule_that_ends_before_today_is_finished(api):
    body = new_schedule(api, frequency="daily", start_date="2020-01-01", end_date="2020-01-31")
    assert body["next_date"] is None


def test_the_month_end_rule_shows_in_next_date(api):
    with created_on(dt.date(2027, 2, 1)):
        body = new_schedule(api, start_date="2027-01-31")
    assert body["next_date"] == "2027-02-28"


def test_end_date_before_start_date_is_422(api):
    assert_problem(api.post("/api/recurring", json={
        "name": "x", "type": "expense", "amount": "1", "frequency": "weekly", "start_date": "2027-01-10",
        "end_date": "2027-01-09"}), 422, "end_date")


def test_unknown_frequency_interval_and_fields_are_422(api):
    base = {"name": "x", "type": "expense", "amount": "1", "frequency": "weekly", "start_date": "2027-01-10"}
    assert_problem(api.post("/api/recurring", json={**base, "frequency": "fortnightly"}), 422, "frequency")
    assert_problem(api.post("/api/recurring", json={**base, "frequency": "one_time"}), 422, "frequency")
    assert_problem(api.post("/api/recurring", json={**base, "interval": 0}), 422, "interval")
    assert_problem(api.post("/api/recurring", json={**base, "interval": "2"}), 422, "interval")
    assert_problem(api.post("/api/recurring", json={**base, "next_date": "2027-01-10"}), 422, "next_date")
    assert_problem(api.post("/api/recurring", json={**base, "amount": "0"}), 422, "amount")
    assert_problem(api.post("/api/recurring", json={**base, "tags": ["t"] * 11}), 422, "tags")


def test_the_posted_transaction_follows_the_transaction_rules(api):
    income_category = new_category(api, "income")
    a, b = new_account(api), new_account(api, name="Savings")
    base = {"name": "x", "amount": "1", "frequency": "monthly", "start_date": "2027-01-10"}
    assert_problem(api.post("/api/recurring", json={**base, "type": "expense",
                                                    "category_id": income_category["id"]}), 422, "category_id")
    assert_problem(api.post("/api/recurring", json={**base, "type": "transfer", "account_id": a["id"]}), 422,
                   "to_account_id")
    assert_problem(api.post("/api/recurring", json={**base, "type": "transfer", "account_id": a["id"],
                                                    "to_account_id": a["id"]}), 422, "to_account_id")
    card = new_card(api)
    assert_problem(api.post("/api/recurring", json={**base, "type": "expense", "account_id": a["id"],
                                                    "credit_card_id": card["id"]}), 422, "credit_card_id")
    transfer = new_schedule(api, type="transfer", account_id=a["id"], to_account_id=b["id"])
    assert transfer["to_account_id"] == b["id"]


def test_a_recurring_transfer_between_currencies_is_refused_by_what_the_client_can_change(api):
    dollars, euros = new_account(api, name="Dollars"), new_account(api, name="Euros", currency="EUR")
    body = {"name": "Move", "type": "transfer", "amount": "10.00", "frequency": "monthly",
            "start_date": TODAY.isoformat(), "account_id": dollars["id"], "to_account_id": euros["id"]}
    problem = assert_problem(api.post("/api/recurring", json=body), 422, "to_account_id")
    assert "to_amount" not in problem["detail"]  # a schedule has no to_amount: it cannot tell the client to send one
    same = new_account(api, name="More dollars")
    schedule = new_schedule(api, **{**body, "to_account_id": same["id"]})
    problem = assert_problem(api.patch(f"/api/recurring/{schedule['id']}", json={"to_account_id": euros["id"]}),
                             422, "to_account_id")
    assert "EUR" in problem["detail"] and "USD" in problem["detail"]


def test_a_patch_is_checked_against_the_whole_schedule(api):
    a, b = new_account(api), new_account(api, name="Savings")
    schedule = new_schedule(api, type="transfer", account_id=a["id"], to_account_id=b["id"])
    assert_problem(api.patch(f"/api/recurring/{schedule['id']}", json={"to_account_id": None}), 422,
                   "to_account_id")
    assert_problem(api.patch(f"/api/recurring/{schedule['id']}", json={"end_date": "2000-01-01"}), 422,
                   "end_date")
    assert_problem(api.patch(f"/api/recurring/{schedule['id']}", json={"frequency": None}), 422, "frequency")
    assert ok(api.get(f"/api/recurring/{schedule['id']}")) == schedule


def test_changing_the_rule_moves_next_date_from_today(api):
    schedule = new_schedule(api, frequency="monthly", start_date=(TODAY + dt.timedelta(days=40)).isoformat())
    changed = ok(api.patch(f"/api/recurring/{schedule['id']}", json={
        "frequency": "weekly", "start_date": (TODAY + dt.timedelta(days=2)).isoformat()}))
    assert changed["next_date"] == (TODAY + dt.timedelta(days=2)).isoformat()
    renamed = ok(api.patch(f"/api/recurring/{schedule['id']}", json={"name": "Gym"}))
    assert renamed["next_date"] == changed["next_date"] and renamed["name"] == "Gym"


def test_a_forecast_only_schedule_shows_the_next_day_it_is_expected(api):
    start = TODAY - dt.timedelta(days=1)
    with created_on(start):
        schedule = new_schedule(api, frequency="daily", start_date=start.isoformat(), auto_post=False)
    assert ok(api.get(f"/api/recurring/{schedule['id']}"))["next_date"] == TODAY.isoformat()


def test_list_is_paginated_and_only_yours(api, other_user):
    mine = [new_schedule(api, name=f"s{i}") for i in range(3)]
    new_schedule(other_user.client, name="theirs")
    page = ok(api.get("/api/recurring", params={"page_size": 2}))
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [s["id"] for s in page["items"]] == [mine[0]["id"], mine[1]["id"]]


def test_another_users_schedule_is_404_and_their_rows_are_422(api, other_user):
    theirs = new_schedule(other_user.client)
    assert_problem(api.get(f"/api/recurring/{theirs['id']}"), 404)
    assert_problem(api.patch(f"/api/recurring/{theirs['id']}", json={"name": "x"}), 404)
    assert_problem(api.delete(f"/api/recurring/{theirs['id']}"), 404)
    their_account = new_account(other_user.client)
    assert_problem(api.post("/api/recurring", json={
        "name": "x", "type": "expense", "amount": "1", "frequency": "weekly", "start_date": "2027-01-10",
        "account_id": their_account["id"]}), 422, "account_id")


def test_deleting_an_account_card_or_category_a_schedule_uses_is_409(api):
    account, card, category = new_account(api), new_card(api), new_category(api)
    new_schedule(api, account_id=account["id"], category_id=category["id"])
    new_schedule(api, credit_card_id=card["id"])
    assert_problem(api.delete(f"/api/accounts/{account['id']}"), 409)
    assert_problem(api.delete(f"/api/credit-cards/{card['id']}"), 409)
    assert_problem(api.delete(f"/api/categories/{category['id']}"), 409)


def test_reassigning_a_category_moves_its_schedules(api):
    old, new = new_category(api), new_category(api)
    schedule = new_schedule(api, category_id=old["id"])
    assert api.delete(f"/api/categories/{old['id']}", params={"reassign_to": new["id"]}).status == 204
    assert ok(api.get(f"/api/recurring/{schedule['id']}"))["category_id"] == new["id"]


def test_deleting_a_schedule_keeps_what_it_posted(api, user):
    from tests.recurring.conftest import posted, run_timer

    account = new_account(api)
    schedule = new_schedule(api, account_id=account["id"])
    run_timer(user.id, TODAY)
    [transaction] = posted(api, schedule["id"])
    assert api.delete(f"/api/recurring/{schedule['id']}").status == 204
    assert ok(api.get(f"/api/transactions/{transaction['id']}"))["recurring_id"] is None
    assert_problem(api.get(f"/api/recurring/{schedule['id']}"), 404)
