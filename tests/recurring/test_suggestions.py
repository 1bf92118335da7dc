"""GET /api/recurring/suggestions: series found in generated histories with noise around them, and
nothing found in random spending."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from shared.services.recurring import current_day
from tests.conftest import assert_problem, make_user
from tests.money.conftest import created, new_account, ok
from tests.recurring.conftest import new_schedule

TODAY = current_day()
POOL = ("Groceries", "Taxi", "Restaurant", "Books", "Pharmacy", "Cinema")


def seed(user, items: list[dict]) -> None:
    """Bulk history through the transactions service (the same rules as POST /api/transactions)."""
    from shared.data.db import run_unit_of_work
    from shared.data.models import User
    from shared.schemas.money import TransactionIn
    from shared.services.bulk_transactions import import_transactions

    run_unit_of_work(lambda s: import_transactions(s, s.get(User, user.id),
                                                   [TransactionIn.model_validate(i) for i in items]))


def expense(day: dt.date, amount, description: str, account_id: int) -> dict:
    return {"type": "expense", "amount": str(amount), "date": day.isoformat(), "description": description,
            "account_id": account_id}


def noise(account_id: int, count: int, seed_value: int) -> list[dict]:
    rng = random.Random(seed_value)
    return [expense(TODAY - dt.timedelta(days=rng.randint(0, 400)), Decimal(rng.randint(500, 20000)) / 100,
                    rng.choice(POOL), account_id) for _ in range(count)]


def months_back(n: int, day: int = 1) -> dt.date:
    total = TODAY.year * 12 + TODAY.month - 1 - n
    return dt.date(total // 12, total % 12 + 1, day)


def history(user, noise_seed: int = 7) -> int:
    account = new_account(user.client, opening_balance="100000.00")["id"]
    items = noise(account, 150, noise_seed)
    items += [expense(TODAY - dt.timedelta(days=7 * k), Decimal("4.50") + Decimal(k % 3) / 10, "Blue Bottle coffee",
                      account) for k in range(1, 21)]
    items += [expense(months_back(k), "1200.00", "Rent - Oak St", account) for k in range(12)]
    insured = TODAY - dt.timedelta(days=100)
    items += [expense(insured.replace(year=insured.year - k, day=min(insured.day, 28)), amount, "ACME insurance",
                      account) for k, amount in ((0, "510.00"), (1, "495.00"), (2, "480.00"))]
    seed(user, items)
    return account


def suggestions(client) -> dict[str, dict]:
    return {s["name"]: s for s in ok(client.get("/api/recurring/suggestions"))["items"]}


@pytest.mark.parametrize("noise_seed", [7, 8, 9])
def test_weekly_monthly_and_yearly_series_are_found_among_noise(user, noise_seed):
    account = history(user, noise_seed)
    found = suggestions(user.client)
    assert set(found) == {"Blue Bottle coffee", "Rent - Oak St", "ACME insurance"}
    coffee, rent, insurance = found["Blue Bottle coffee"], found["Rent - Oak St"], found["ACME insurance"]
    assert (coffee["frequency"], coffee["occurrences"], coffee["next_date"]) == ("weekly", 20, TODAY.isoformat())
    assert coffee["amount"] == "4.60"  # the latest payment (a week ago: k=1)
    assert (rent["frequency"], rent["occurrences"], rent["amount"]) == ("monthly", 12, "1200.00")
    assert rent["next_date"] == months_back(-1).isoformat() and rent["start_date"] == rent["next_date"]
    assert (insurance["frequency"], insurance["occurrences"], insurance["amount"]) == ("yearly", 3, "510.00")
    assert rent["account_id"] == account and rent["type"] == "expense" and rent["interval"] == 1


def test_a_payee_names_one_series_whatever_its_descriptions_and_without_one_the_description_does(user):
    account = new_account(user.client)["id"]
    items = [{**expense(months_back(k), "15.99", f"NETFLIX.COM ref {1000 + k}", account), "payee": "Netflix"}
             for k in range(5)]
    items += [expense(months_back(k), "42.00", "PHONE BILL" if k % 2 else "Phone bill", account) for k in range(4)]
    # the same description under two payees: two series, each too short to be one
    items += [{**expense(TODAY - dt.timedelta(days=7 * k), "3.00", "Parking", account), "payee": f"Lot {k % 2}"}
              for k in range(1, 5)]
    seed(user, items)
    found = suggestions(user.client)
    assert set(found) == {"Netflix", "Phone bill"}
    netflix = found["Netflix"]
    assert (netflix["payee"], netflix["occurrences"], netflix["frequency"]) == ("Netflix", 5, "monthly")
    assert netflix["description"] == "NETFLIX.COM ref 1000"  # the latest payment's
    assert (found["Phone bill"]["payee"], found["Phone bill"]["occurrences"]) == (None, 4)


def test_suggestions_are_a_paged_list(user):
    history(user)
    whole = ok(user.client.get("/api/recurring/suggestions"))
    assert (whole["page"], whole["page_size"], whole["total"], len(whole["items"])) == (1, 50, 3, 3)
    second = ok(user.client.get("/api/recurring/suggestions", params={"page": 2, "page_size": 2}))
    assert (second["total"], second["items"]) == (3, whole["items"][2:])
    for bad in ({"page_size": 0}, {"page_size": 101}, {"page": 0}, {"sort": "name"}):
        assert_problem(user.client.get("/api/recurring/suggestions", params=bad), 422, next(iter(bad)))


@pytest.mark.parametrize("noise_seed", [11, 12, 13])
def test_random_spending_suggests_nothing(user, noise_seed):
    account = new_account(user.client)["id"]
    seed(user, noise(account, 300, noise_seed))
    assert suggestions(user.client) == {}


def test_amounts_that_vary_more_than_10_percent_are_not_a_series(user):
    account = new_account(user.client)["id"]
    seed(user, [expense(TODAY - dt.timedelta(days=7 * k), amount, "Market", account)
                for k, amount in ((1, "10.00"), (2, "10.50"), (3, "12.00"), (4, "10.20"))])
    assert suggestions(user.client) == {}


def test_a_series_that_stopped_is_not_suggested(user):
    account = new_account(user.client)["id"]
    seed(user, [expense(months_back(k, 5), "15.00", "Old streaming", account) for k in range(8, 14)])
    assert suggestions(user.client) == {}


def test_two_payments_are_not_yet_a_series(user):
    account = new_account(user.client)["id"]
    seed(user, [expense(TODAY - dt.timedelta(days=7 * k), "9.99", "Twice", account) for k in (1, 2)])
    assert suggestions(user.client) == {}


def test_accepting_a_suggestion_schedules_it_and_it_is_no_longer_suggested(user):
    history(user)
    rent = suggestions(user.client)["Rent - Oak St"]
    body = {k: v for k, v in rent.items() if k not in ("occurrences", "next_date")}
    schedule = created(user.client.post("/api/recurring", json=body))
    assert schedule["next_date"] == rent["next_date"] and schedule["frequency"] == "monthly"
    assert "Rent - Oak St" not in suggestions(user.client)


def test_something_already_scheduled_by_name_is_not_suggested(user):
    history(user)
    new_schedule(user.client, name="blue bottle COFFEE", frequency="weekly")
    assert set(suggestions(user.client)) == {"Rent - Oak St", "ACME insurance"}


def test_you_see_only_series_from_your_own_history(user):
    history(user)
    stranger = make_user()
    assert suggestions(stranger.client) == {}



def test_a_month_end_series_keeps_to_the_31st():
    from shared.services.suggestions import _suggest

    days = [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]
    members = [{"type": "expense", "amount": Decimal("60.00"), "date": d, "description": "Phone", "payee": None,
                "category_id": None, "account_id": 1, "credit_card_id": None, "to_account_id": None,
                "to_credit_card_id": None} for d in days]
    phone = _suggest(members, today=dt.date(2027, 5, 2))
    assert (phone["frequency"], phone["next_date"], phone["occurrences"]) == ("monthly", dt.date(2027, 5, 31), 4)
    assert _suggest(members, today=dt.date(2027, 6, 9)) is None  # May 31 missed by 9 days: it has stopped


def test_series_are_found_among_busy_irregular_spending(user):
    """A busy user: 1,900 payments in the last eight months at sixty shops (each shop dozens of times, on
    irregular days, at irregular amounts), a weekly coffee and the monthly rent. The shops must not crowd
    the series out of the 50 candidates (they did: each shop had more rows than the rent), and none of
    them is a series."""
    account = new_account(user.client, opening_balance="1000000.00")["id"]
    rng = random.Random(11)
    busy = [f"Shop {i}" for i in range(60)]
    items = [expense(TODAY - dt.timedelta(days=rng.randint(0, 240)), Decimal(rng.randint(100, 9000)) / 100,
                     rng.choice(busy), account) for _ in range(1900)]
    items += [expense(months_back(k), "1200.00", "Rent - Oak St", account) for k in range(8)]
    items += [expense(TODAY - dt.timedelta(days=7 * k), "4.50", "Blue Bottle coffee", account) for k in range(1, 21)]
    seed(user, items)
    found = suggestions(user.client)
    assert set(found) == {"Rent - Oak St", "Blue Bottle coffee"}, sorted(found)
    assert found["Rent - Oak St"]["occurrences"] == 8 and found["Blue Bottle coffee"]["frequency"] == "weekly"


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mssql"])
def test_the_candidate_filter_renders_in_each_dialect(dialect):
    from sqlalchemy import column, select
    from sqlalchemy.dialects import mssql, postgresql, sqlite

    from shared.services.suggestions import days_between

    chosen = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect(), "mssql": mssql.dialect()}[dialect]
    sql = str(select(days_between(column("a"), column("b"))).compile(dialect=chosen))
    assert {"postgresql": "(b - a)", "sqlite": "julianday(b) - julianday(a)", "mssql": "DATEDIFF(day, a, b)"}[
        dialect] in sql
