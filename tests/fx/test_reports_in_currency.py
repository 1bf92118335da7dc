"""Every report in the user's currency: each amount at the rate of its own date (latest before,
earliest after, inverse, cross via EUR), missing currencies named, never guessed. Figures by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import make_user
from tests.fx.conftest import forget_reference_rates, store_reference
from tests.money.conftest import created, new_account, new_card, ok


def expense(client, amount, date, **holder):
    return created(client.post("/api/transactions", json={"type": "expense", "amount": amount, "date": date,
                                                          **holder}))


@pytest.fixture(scope="module")
def world():
    """A USD user with EUR, GBP, CHF and JPY holders. Rates (1 base = rate quote):
    own EUR→USD 1.10 on 2035-03-01 and 1.20 on 2035-03-15; reference EUR→GBP 0.80 on 2035-03-01
    (GBP→USD through EUR: 1.10 / 0.80 = 1.375 before the 15th); own USD→CHF 0.80 on 2035-03-10
    (CHF→USD, the inverse: 1.25); no JPY rate at all."""
    store_reference(("2035-03-01", "EUR", "GBP", "0.80"))
    user = make_user(currency="USD")
    c = user.client
    ok(c.post("/api/fx-rates", json=[{"date": "2035-03-01", "base": "EUR", "quote": "USD", "rate": "1.10"},
                                     {"date": "2035-03-15", "base": "EUR", "quote": "USD", "rate": "1.20"},
                                     {"date": "2035-03-10", "base": "USD", "quote": "CHF", "rate": "0.80"}]), 201)
    eur, gbp = new_account(c, currency="EUR"), new_account(c, currency="GBP")
    chf, jpy = new_card(c, currency="CHF"), new_account(c, currency="JPY")
    cats = {x["name"]: x["id"] for x in c.get("/api/categories", params={"page_size": 100}).json()["items"]}
    created(c.post("/api/transactions", json={"type": "income", "amount": "1000.00", "date": "2035-03-05",
                                              "category_id": cats["Salary"]}))
    expense(c, "100.00", "2035-03-10", account_id=eur["id"], category_id=cats["Groceries"])  # 110.00
    expense(c, "100.00", "2035-03-20", account_id=eur["id"], category_id=cats["Groceries"])  # 120.00
    expense(c, "50.00", "2035-03-12", account_id=gbp["id"], category_id=cats["Dining"])      # 68.75
    expense(c, "40.00", "2035-03-11", credit_card_id=chf["id"])                              # 50.00
    expense(c, "1000", "2035-03-03", account_id=jpy["id"], category_id=cats["Dining"])      # no rate
    expense(c, "10.00", "2035-02-20", account_id=eur["id"], category_id=cats["Groceries"])   # earliest after: 11.00
    created(c.post("/api/budgets", json={"category_id": cats["Groceries"], "month": "2035-03", "amount": "200"}))
    yield user, cats
    forget_reference_rates(dt.date(2035, 3, 1), dt.date(2035, 3, 1))


def test_monthly_report_converts_each_amount_at_its_own_date(world):
    user, cats = world
    body = ok(user.client.get("/api/reports/monthly", params={"month": "2035-03"}))
    assert (body["currency"], body["total_income"], body["total_expenses"], body["net_savings"]) == (
        "USD", "1000.00", "348.75", "651.25")
    assert body["missing_rates"] == [{"currency": "JPY", "first_date": "2035-03-03"}]
    lines = {(x["kind"], x["name"]): x["total"] for x in body["by_category"]}
    assert lines == {("expense", "Groceries"): "230.00", ("expense", "Dining"): "68.75",
                     ("expense", "Uncategorized"): "50.00", ("income", "Salary"): "1000.00"}
    assert body["budgets"][0]["actual"] == "230.00" and body["budgets"][0]["over_budget"] is True


def test_budget_spent_is_converted(world):
    user, cats = world
    budget = ok(user.client.get("/api/budgets", params={"month": "2035-03"}))["items"][0]
    assert (budget["spent"], budget["remaining"]) == ("230.00", "-30.00")


def test_summary_and_trend_use_the_earliest_rate_after_when_none_is_before(world):
    user, _ = world
    body = ok(user.client.get("/api/reports/summary", params={"date_from": "2035-02-15", "date_to": "2035-03-31"}))
    assert (body["total_income"], body["total_expenses"], body["transaction_count"]) == ("1000.00", "359.75", 7)
    trend = ok(user.client.get("/api/reports/trend", params={"date_from": "2035-02-01", "date_to": "2035-03-31"}))
    assert [(i["period"], i["expenses"]) for i in trend["items"]] == [("2035-02", "11.00"), ("2035-03", "348.75")]
    assert trend["missing_rates"] == [{"currency": "JPY", "first_date": "2035-03-03"}]


def test_spending_patterns_are_converted(world):
    user, cats = world
    body = ok(user.client.get("/api/reports/spending-patterns",
                              params={"date_from": "2035-03-01", "date_to": "2035-03-31"}))
    assert body["total_expenses"] == "348.75" and body["currency"] == "USD"
    assert [(t["name"], t["total"]) for t in body["top_categories"]] == [
        ("Groceries", "230.00"), ("Dining", "68.75"), ("Uncategorized", "50.00")]
    weekdays = {w["name"]: w["total"] for w in body["by_weekday"]}
    assert weekdays == {"Monday": "68.75", "Tuesday": "120.00", "Wednesday": "0.00", "Thursday": "0.00",
                        "Friday": "0.00", "Saturday": "110.00", "Sunday": "50.00"}
    assert body["missing_rates"] == [{"currency": "JPY", "first_date": "2035-03-03"}]


def test_a_rate_added_later_changes_the_reports_at_once_and_only_for_its_owner(world):
    user, _ = world
    stranger = make_user(currency="USD").client
    ok(stranger.post("/api/fx-rates", json={"date": "2035-03-01", "base": "EUR", "quote": "USD", "rate": "9"}), 201)
    ok(stranger.post("/api/fx-rates", json={"date": "2035-03-01", "base": "JPY", "quote": "USD", "rate": "9"}), 201)
    before = ok(user.client.get("/api/reports/monthly", params={"month": "2035-03"}))
    assert before["total_expenses"] == "348.75"
    ok(user.client.post("/api/fx-rates", json={"date": "2035-03-31", "base": "JPY", "quote": "USD",
                                               "rate": "0.0070"}), 201)
    after = ok(user.client.get("/api/reports/monthly", params={"month": "2035-03"}))
    assert (after["total_expenses"], after["missing_rates"]) == ("355.75", [])
