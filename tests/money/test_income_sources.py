"""/api/income-sources: monthly_equivalent, exact and rounded half-even to cents."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import fetch, new_account, new_income_source, ok

PER_MONTH = {"weekly": Fraction(52, 12), "biweekly": Fraction(26, 12), "monthly": Fraction(1),
             "quarterly": Fraction(1, 3), "yearly": Fraction(1, 12), "one_time": Fraction(0)}


def exact_monthly(amount: str, frequency: str) -> str:
    """The exact rational value, rounded half-even to cents only once, at the end."""
    value = Fraction(Decimal(amount)) * PER_MONTH[frequency] * 100
    whole, rest = divmod(value, 1)
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    return format(Decimal(int(whole)) / 100, ".2f")


@pytest.mark.parametrize("amount, frequency, expected", [
    ("1000.00", "weekly", "4333.33"),
    ("1000.00", "biweekly", "2166.67"),
    ("1000.00", "monthly", "1000.00"),
    ("1000.00", "quarterly", "333.33"),
    ("1000.00", "yearly", "83.33"),
    ("1000.00", "one_time", "0.00"),
    ("0.03", "biweekly", "0.06"),   # 0.065 exactly: half-even goes to the even cent
    ("0.09", "biweekly", "0.20"),   # 0.195 exactly: up to the even cent
    ("0.18", "yearly", "0.02"),     # 0.015 exactly
    ("0.06", "yearly", "0.00"),     # 0.005 exactly
    ("0.30", "yearly", "0.02"),     # 0.025 exactly
    ("999999999999.99", "weekly", "4333333333333.29"),
])
def test_monthly_equivalent(api, amount, frequency, expected):
    assert exact_monthly(amount, frequency) == expected
    source = new_income_source(api, amount=amount, frequency=frequency)
    assert source["monthly_equivalent"] == expected
    assert fetch(api, f"/api/income-sources/{source['id']}")["monthly_equivalent"] == expected


def test_monthly_equivalent_ties_are_exact_for_every_cent_amount_up_to_a_dollar(api):
    from shared.schemas.money import monthly_equivalent

    for cents in range(1, 101):
        amount = Decimal(cents) / 100
        for frequency in PER_MONTH:
            assert format(monthly_equivalent(amount, frequency), "f") == exact_monthly(str(amount), frequency)


def test_monthly_equivalent_follows_a_patch(api):
    source = new_income_source(api, amount="1200.00", frequency="monthly")
    assert ok(api.patch(f"/api/income-sources/{source['id']}", json={"frequency": "yearly"}))[
        "monthly_equivalent"] == "100.00"


def test_fields_round_trip(api):
    account = new_account(api)
    ahead = (dt.date.today() + dt.timedelta(days=40)).isoformat()  # a day already past moves on to the next one
    source = new_income_source(api, next_date=ahead, account_id=account["id"], amount="123456.78")
    assert source["next_date"] == ahead and source["account_id"] == account["id"]
    assert source["amount"] == "123456.78"


@pytest.mark.parametrize("body, field", [
    ({"amount": "0"}, "amount"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "1.001"}, "amount"),
    ({"amount": True}, "amount"),
    ({"frequency": "daily"}, "frequency"),
    ({"next_date": "2026-02-30"}, "next_date"),
    ({"next_date": "01/02/2026"}, "next_date"),
    ({"monthly_equivalent": "1"}, "monthly_equivalent"),
    ({"account_id": "abc"}, "account_id"),
])
def test_invalid_fields_are_422(api, body, field):
    base = {"name": "Job", "amount": "10", "frequency": "monthly"}
    assert_problem(api.post("/api/income-sources", json={**base, **body}), 422, field)


def test_another_users_account_is_422(api, other_user):
    theirs = new_account(other_user.client)
    assert_problem(api.post("/api/income-sources", json={"name": "Job", "amount": "10", "frequency": "monthly",
                                                         "account_id": theirs["id"]}), 422, "account_id")
    source = new_income_source(api)
    assert_problem(api.patch(f"/api/income-sources/{source['id']}", json={"account_id": theirs["id"]}),
                   422, "account_id")
    assert fetch(api, f"/api/income-sources/{source['id']}")["account_id"] is None


def test_patch_null_clears_optional_and_refuses_required(api):
    account = new_account(api)
    source = new_income_source(api, next_date="2026-01-01", account_id=account["id"])
    body = ok(api.patch(f"/api/income-sources/{source['id']}", json={"next_date": None, "account_id": None}))
    assert body["next_date"] is None and body["account_id"] is None and body["amount"] == "3000.00"
    for required in ("name", "amount", "frequency"):
        assert_problem(api.patch(f"/api/income-sources/{source['id']}", json={required: None}), 422, required)


def test_deleting_a_source_keeps_its_income_transactions(api):
    source = new_income_source(api)
    tx = ok(api.post("/api/transactions", json={"type": "income", "amount": "5", "date": "2026-01-01",
                                                "income_source_id": source["id"]}), 201)
    assert api.delete(f"/api/income-sources/{source['id']}").status == 204
    assert fetch(api, f"/api/transactions/{tx['id']}")["income_source_id"] is None
