"""What a report covers when the client leaves the dates out (API.md: month = the current month,
date_from/date_to = the last 12 whole months up to today, granularity = month), and that a defaulted
range starts at the user's first activity rather than listing months from before they existed."""
from __future__ import annotations

import datetime as dt

import pytest

from shared.services import report_ranges
from tests.conftest import assert_problem, make_user
from tests.reports.helpers import add, categories

TODAY = dt.date(2026, 11, 29)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(report_ranges, "today", lambda: TODAY)


def test_monthly_defaults_to_the_current_month():
    user = make_user()
    c = categories(user.client)
    add(user.client, "expense", "12.50", "2026-11-03", category_id=c["Groceries"])
    add(user.client, "expense", "99.00", "2026-10-31", category_id=c["Groceries"])
    body = user.client.get("/api/reports/monthly").json()
    assert body["month"] == "2026-11" and body["total_expenses"] == "12.50"
    assert body == user.client.get("/api/reports/monthly", params={"month": "2026-11"}).json()


def test_a_long_history_gets_the_last_twelve_months_up_to_today():
    user = make_user()
    c = categories(user.client)
    add(user.client, "expense", "1.00", "2024-06-10", category_id=c["Groceries"])  # long before the window
    add(user.client, "expense", "2.00", "2025-11-30", category_id=c["Groceries"])  # the day before it
    add(user.client, "expense", "4.00", "2025-12-01", category_id=c["Groceries"])  # its first day
    add(user.client, "expense", "8.00", TODAY.isoformat(), category_id=c["Groceries"])
    trend = user.client.get("/api/reports/trend").json()
    assert (trend["date_from"], trend["date_to"]) == ("2025-12-01", "2026-11-29")
    assert [i["period"] for i in trend["items"]] == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    summary = user.client.get("/api/reports/summary").json()
    assert (summary["date_from"], summary["date_to"], summary["total_expenses"]) == ("2025-12-01", "2026-11-29",
                                                                                    "12.00")
    patterns = user.client.get("/api/reports/spending-patterns").json()
    assert patterns["date_from"] == "2025-12-01" and patterns["total_expenses"] == "12.00"


def test_a_defaulted_range_starts_at_the_first_activity():
    user = make_user()  # registered today (2026-11-29 in the real clock or later)
    c = categories(user.client)
    add(user.client, "income", "100.00", "2026-09-15", category_id=c["Salary"])  # history typed in
    trend = user.client.get("/api/reports/trend").json()
    assert trend["date_from"] == "2026-09-01"
    assert [i["period"] for i in trend["items"]] == ["2026-09", "2026-10", "2026-11"]
    assert trend["items"][0]["outcome"] == "savings" and trend["items"][0]["income"] == "100.00"


def test_a_date_the_client_sends_is_kept_even_before_the_first_activity():
    user = make_user()
    body = user.client.get("/api/reports/trend", params={"date_from": "2026-01-01"}).json()
    assert (body["date_from"], body["date_to"]) == ("2026-01-01", "2026-11-29")
    assert len(body["items"]) == 11


def test_only_date_to_counts_twelve_months_back_from_it():
    user = make_user()
    c = categories(user.client)
    add(user.client, "expense", "5.00", "2020-01-05", category_id=c["Groceries"])
    body = user.client.get("/api/reports/trend", params={"date_to": "2026-03-15", "granularity": "quarter"}).json()
    assert (body["date_from"], body["date_to"]) == ("2025-04-01", "2026-03-15")
    assert [i["period"] for i in body["items"]] == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]


def test_a_reversed_range_names_the_query_field():
    user = make_user()
    body = assert_problem(user.client.get("/api/reports/summary", params={"date_from": "2026-12-01",
                                                                          "date_to": "2026-11-01"}), 422, "date_from")
    assert "date_to" in body["errors"][0]["message"]
