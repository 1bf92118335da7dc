"""The report routes against figures computed by hand."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem, make_user
from tests.reports.helpers import account, add, budget, categories


@pytest.fixture(scope="module")
def october():
    """One user's October 2026 (and a little of September and November), hand-written."""
    user = make_user()
    c, api = categories(user.client), user.client
    checking, savings = account(api, "Checking"), account(api, "Savings")
    add(api, "income", "3000.00", "2026-10-01", category_id=c["Salary"], account_id=checking)
    add(api, "income", "250.50", "2026-10-15", category_id=c["Freelance"])
    add(api, "expense", "1200.00", "2026-10-02", category_id=c["Rent"], account_id=checking)
    add(api, "expense", "80.10", "2026-10-05", category_id=c["Groceries"])
    add(api, "expense", "45.35", "2026-10-19", category_id=c["Groceries"])
    add(api, "expense", "19.99", "2026-10-31", category_id=c["Dining"])  # late on the 31st: still October
    add(api, "expense", "5.00", "2026-10-20")  # no category
    add(api, "transfer", "500.00", "2026-10-10", account_id=checking, to_account_id=savings)
    add(api, "expense", "999.00", "2026-09-30", category_id=c["Groceries"])  # the day before
    add(api, "income", "777.00", "2026-11-01", category_id=c["Salary"])  # the day after
    budget(api, c["Groceries"], "2026-10", "100.00")
    budget(api, c["Dining"], "2026-10", "50.00")
    return user, c


def test_monthly_report_matches_hand_computed_figures(october):
    user, c = october
    r = user.client.get("/api/reports/monthly", params={"month": "2026-10"})
    assert r.status == 200, r
    body = r.json()
    # income 3000.00 + 250.50; expenses 1200.00 + 80.10 + 45.35 + 19.99 + 5.00; the transfer is neither
    assert body["month"] == "2026-10"
    assert body["total_income"] == "3250.50"
    assert body["total_expenses"] == "1350.44"
    assert body["net_savings"] == "1900.06"
    assert body["savings_rate"] == "0.5845"  # 1900.06 / 3250.50 = 0.58454…
    lines = {(x["kind"], x["name"]): x for x in body["by_category"]}
    assert lines[("expense", "Rent")]["total"] == "1200.00"
    assert lines[("expense", "Groceries")]["total"] == "125.45"
    assert lines[("expense", "Dining")]["total"] == "19.99"
    assert lines[("expense", "Uncategorized")] == {"category_id": None, "name": "Uncategorized",
                                                   "kind": "expense", "total": "5.00"}
    assert lines[("income", "Salary")]["total"] == "3000.00"
    assert lines[("income", "Freelance")]["total"] == "250.50"
    assert len(lines) == 6
    assert [x["kind"] for x in body["by_category"]][:4] == ["expense"] * 4
    budgets = {b["category_id"]: b for b in body["budgets"]}
    assert budgets[c["Groceries"]] == {"category_id": c["Groceries"], "name": "Groceries", "budgeted": "100.00",
                                       "actual": "125.45", "remaining": "-25.45", "over_budget": True}
    assert budgets[c["Dining"]]["remaining"] == "30.01" and budgets[c["Dining"]]["over_budget"] is False


def test_month_without_income_has_null_savings_rate(october):
    user, _ = october
    body = user.client.get("/api/reports/monthly", params={"month": "2026-09"}).json()
    assert body["total_income"] == "0.00" and body["total_expenses"] == "999.00"
    assert body["net_savings"] == "-999.00" and body["savings_rate"] is None


def test_empty_month_is_all_zeros(october):
    user, _ = october
    body = user.client.get("/api/reports/monthly", params={"month": "2030-02"}).json()
    assert body == {"month": "2030-02", "total_income": "0.00", "total_expenses": "0.00", "net_savings": "0.00",
                    "savings_rate": None, "by_category": [], "budgets": [], "currency": "USD", "missing_rates": []}


def test_summary_counts_transfers_but_does_not_sum_them(october):
    user, _ = october
    body = user.client.get("/api/reports/summary", params={"date_from": "2026-10-01",
                                                           "date_to": "2026-10-31"}).json()
    assert body == {"date_from": "2026-10-01", "date_to": "2026-10-31", "total_income": "3250.50",
                    "total_expenses": "1350.44", "net_savings": "1900.06", "transaction_count": 8,
                    "currency": "USD", "missing_rates": []}


def test_summary_dates_are_inclusive(october):
    user, _ = october
    body = user.client.get("/api/reports/summary", params={"date_from": "2026-09-30",
                                                           "date_to": "2026-11-01"}).json()
    assert body["total_income"] == "4027.50" and body["total_expenses"] == "2349.44"
    assert body["transaction_count"] == 10


def test_trend_by_month_lists_every_month_with_zeros(october):
    user, _ = october
    body = user.client.get("/api/reports/trend", params={"granularity": "month", "date_from": "2026-08-15",
                                                         "date_to": "2026-12-31"}).json()
    assert body["granularity"] == "month"
    assert body["items"] == [
        {"period": "2026-08", "income": "0.00", "expenses": "0.00", "net": "0.00", "outcome": "savings"},
        {"period": "2026-09", "income": "0.00", "expenses": "999.00", "net": "-999.00", "outcome": "loss"},
        {"period": "2026-10", "income": "3250.50", "expenses": "1350.44", "net": "1900.06", "outcome": "savings"},
        {"period": "2026-11", "income": "777.00", "expenses": "0.00", "net": "777.00", "outcome": "savings"},
        {"period": "2026-12", "income": "0.00", "expenses": "0.00", "net": "0.00", "outcome": "savings"},
    ]


def test_trend_by_quarter_and_year(october):
    user, _ = october
    q = user.client.get("/api/reports/trend", params={"granularity": "quarter", "date_from": "2026-01-01",
                                                      "date_to": "2027-03-31"}).json()
    assert [i["period"] for i in q["items"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]
    assert q["items"][2] == {"period": "2026-Q3", "income": "0.00", "expenses": "999.00", "net": "-999.00",
                             "outcome": "loss"}
    assert q["items"][3]["income"] == "4027.50" and q["items"][3]["expenses"] == "1350.44"
    y = user.client.get("/api/reports/trend", params={"granularity": "year", "date_from": "2025-06-01",
                                                      "date_to": "2026-12-31"}).json()
    assert y["items"] == [
        {"period": "2025", "income": "0.00", "expenses": "0.00", "net": "0.00", "outcome": "savings"},
        {"period": "2026", "income": "4027.50", "expenses": "2349.44", "net": "1678.06", "outcome": "savings"},
    ]


def test_reports_never_show_another_users_data(october):
    stranger = make_user()
    body = stranger.client.get("/api/reports/summary", params={"date_from": "2026-01-01",
                                                               "date_to": "2026-12-31"}).json()
    assert body["transaction_count"] == 0 and body["total_income"] == "0.00"


@pytest.mark.parametrize("path, params, field", [
    ("/api/reports/monthly", {"month": "2026-13"}, "month"),
    ("/api/reports/monthly", {"month": "2026-1"}, "month"),
    ("/api/reports/summary", {"date_from": "2026-10-31", "date_to": "2026-10-01"}, "date_from"),
    ("/api/reports/summary", {"date_from": "2999-10-01"}, "date_from"),  # after today, the default date_to
    ("/api/reports/summary", {"date_from": "2026-02-30", "date_to": "2026-03-01"}, "date_from"),
    ("/api/reports/summary", {"date_from": "1900-01-01", "date_to": "2026-01-01"}, "date_from"),
    ("/api/reports/trend", {"granularity": "week", "date_from": "2026-01-01", "date_to": "2026-02-01"},
     "granularity"),
    ("/api/reports/trend", {"date_from": "0001-01-01", "date_to": "9999-12-31"}, "date_from"),
    ("/api/reports/spending-patterns", {"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_from"),
    ("/api/reports/spending-patterns", {"date_from": "2026-01-01", "date_to": "2026-02-01", "top": "0"}, "top"),
    ("/api/reports/summary", {"date_from": "2026-01-01", "date_to": "2026-02-01", "extra": "1"}, "extra"),
])
def test_invalid_query_is_422(october, path, params, field):
    user, _ = october
    assert_problem(user.client.get(path, params=params), 422, field)


def test_reports_need_a_token(anon):
    assert_problem(anon.get("/api/reports/monthly", params={"month": "2026-10"}), 401)


def test_spending_patterns(october):
    user, c = october
    api = user.client
    # Groceries gets a history: six ordinary expenses and one far outside them.
    for day, amount in [(3, "40.00"), (8, "42.00"), (12, "38.00"), (22, "41.00"), (26, "39.00")]:
        add(api, "expense", amount, f"2026-11-{day:02d}", category_id=c["Groceries"])
    big = add(api, "expense", "400.00", "2026-11-28", category_id=c["Groceries"])  # a Saturday
    r = api.get("/api/reports/spending-patterns", params={"date_from": "2026-10-01", "date_to": "2026-11-30",
                                                           "top": "2"})
    assert r.status == 200, r
    body = r.json()
    # expenses: October 1350.44, November 600.00
    assert body["total_expenses"] == "1950.44"
    assert [t["name"] for t in body["top_categories"]] == ["Rent", "Groceries"]
    groceries = body["top_categories"][1]
    assert groceries["total"] == "725.45" and groceries["count"] == 8 and groceries["share"] == "0.3719"
    mom = {m["name"]: m["months"] for m in body["month_over_month"]}
    assert mom["Groceries"] == [
        {"month": "2026-10", "total": "125.45", "change": None, "change_rate": None},
        {"month": "2026-11", "total": "600.00", "change": "474.55", "change_rate": "3.7828"},
    ]
    assert mom["Rent"][1] == {"month": "2026-11", "total": "0.00", "change": "-1200.00", "change_rate": "-1.0000"}
    weekdays = {w["name"]: w for w in body["by_weekday"]}
    assert [w["weekday"] for w in body["by_weekday"]] == list(range(7))
    assert weekdays["Saturday"]["total"] == "419.99"  # 2026-10-31 and 2026-11-28 are Saturdays
    assert weekdays["Saturday"]["count"] == 2
    # Groceries amounts: 38, 39, 40, 41, 42, 45.35, 80.10, 400 -> median 41.50;
    # |deviations| sorted .5 .5 1.5 2.5 3.5 3.85 38.6 358.5 -> MAD 3.00; threshold 41.50 + 9.00 = 50.50,
    # so 400.00 and 80.10 are unusual and 45.35 is not
    unusual = body["unusual_expenses"]
    assert [u["transaction_id"] for u in unusual] == [big["id"], *[u["transaction_id"] for u in unusual[1:]]]
    by_amount = {u["amount"]: u for u in unusual}
    assert set(by_amount) == {"400.00", "80.10"}
    assert by_amount["400.00"]["category_median"] == "41.5000"
    assert by_amount["400.00"]["category_mad"] == "3.0000"
    assert by_amount["400.00"]["threshold"] == "50.5000"
    assert "median" in body["unusual_rule"]
