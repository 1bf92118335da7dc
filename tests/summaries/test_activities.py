"""The summary activities against a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""
from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import func, select

from shared.data.config import timer_schedule
from shared.data.db import run_unit_of_work
from shared.data.models import PeriodSummary, SummaryRun
from shared.services import summaries
from tests.conftest import make_user
from tests.reports.helpers import account, add, categories
from tests.summaries.conftest import all_user_ids, app_function, stored


def _store(month: str, low: int, high: int) -> dict:
    return json.loads(json.dumps(app_function("summaries_batch")(json.dumps({"period": month, "low": low,
                                                                             "high": high}))))


@pytest.fixture
def saver():
    user = make_user()
    c = categories(user.client)
    a, b = account(user.client, "A"), account(user.client, "B")
    add(user.client, "income", "2000.00", "2026-12-01", category_id=c["Salary"])
    add(user.client, "expense", "1500.25", "2026-12-31", category_id=c["Rent"])
    add(user.client, "transfer", "300.00", "2026-12-15", account_id=a, to_account_id=b)
    add(user.client, "expense", "100.00", "2026-10-10")
    add(user.client, "income", "50.00", "2026-01-05")
    add(user.client, "expense", "9.99", "2027-01-01")  # next year: never in 2026's figures
    return user


def test_december_stores_month_quarter_and_year(saver, clean_runs):
    result = _store("2026-12", saver.id, saver.id)
    assert result == {"low": saver.id, "high": saver.id, "users": 1, "rows_written": 3, "skipped": 0}
    assert stored(saver.id) == {
        ("month", "2026-12"): ("2000.00", "1500.25", "499.75", "savings"),
        ("quarter", "2026-Q4"): ("2000.00", "1600.25", "399.75", "savings"),
        ("year", "2026"): ("2050.00", "1600.25", "449.75", "savings"),
    }


def test_other_months_store_only_what_they_close(saver, clean_runs):
    assert _store("2026-10", saver.id, saver.id)["rows_written"] == 1
    assert stored(saver.id) == {("month", "2026-10"): ("0.00", "100.00", "-100.00", "loss")}
    assert _store("2026-09", saver.id, saver.id)["rows_written"] == 2  # September closes Q3
    assert stored(saver.id)[("quarter", "2026-Q3")] == ("0.00", "0.00", "0.00", "savings")


def test_running_a_period_twice_leaves_the_same_rows_once(saver, clean_runs):
    _store("2026-12", saver.id, saver.id)
    first = stored(saver.id)
    _store("2026-12", saver.id, saver.id)
    assert stored(saver.id) == first
    count = run_unit_of_work(lambda s: s.execute(select(func.count()).select_from(PeriodSummary).where(
        PeriodSummary.user_id == saver.id)).scalar_one())
    assert count == 3


def test_a_late_transaction_is_picked_up_by_rerunning_the_period(saver, clean_runs):
    _store("2026-12", saver.id, saver.id)
    add(saver.client, "expense", "600.00", "2026-12-20")  # arrives in January, dated December
    _store("2026-12", saver.id, saver.id)
    assert stored(saver.id)[("month", "2026-12")] == ("2000.00", "2100.25", "-100.25", "loss")


def test_a_batch_covers_exactly_its_id_range(clean_runs):
    users = [make_user() for _ in range(3)]
    for u in users:
        add(u.client, "income", "10.00", "2026-10-01")
    low, high = users[0].id, users[1].id
    result = _store("2026-10", low, high)
    assert result["users"] == 2 and result["rows_written"] == 2
    assert stored(users[0].id) and stored(users[1].id) and not stored(users[2].id)


def test_users_without_transactions_get_zero_summaries(clean_runs):
    quiet = make_user()
    _store("2026-10", quiet.id, quiet.id)
    assert stored(quiet.id) == {("month", "2026-10"): ("0.00", "0.00", "0.00", "savings")}


def test_batches_split_users_by_id_range():
    make_user(), make_user(), make_user()
    ids = all_user_ids()
    batches = run_unit_of_work(lambda s: summaries.user_batches(s, 2))
    assert sum(b.users for b in batches) == len(ids)
    assert all(b.users == 2 for b in batches[:-1]) and 1 <= batches[-1].users <= 2
    assert batches[0].low == ids[0] and batches[-1].high == ids[-1]
    assert all(a.high < b.low for a, b in itertools.pairwise(batches))


def test_plan_and_record_keep_one_run_row(clean_runs):
    plan, record = app_function("summaries_plan"), app_function("summaries_record")
    job = {"period": "2026-10", "instance_id": "abc", "manual": True}
    first, again = plan(json.dumps(job)), plan(json.dumps(job))  # a retried activity
    assert first == again and first["batches"]
    record(json.dumps({"instance_id": "abc", "period": "2026-10", "status": "completed", "batches": 2,
                       "users": 5, "rows_written": 5}))
    runs = run_unit_of_work(lambda s: s.execute(select(SummaryRun)).scalars().all())
    assert len(runs) == 1 and runs[0].status == "completed" and runs[0].finished_at is not None
    assert runs[0].manual is True and runs[0].users == 5


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-10", "2026-1", "", "2026-10-01"])
def test_invalid_periods_are_refused(text):
    with pytest.raises(summaries.InvalidPeriod):
        summaries.parse_closed_month(text, today=dt.date(2026, 11, 5))


def test_the_current_and_future_months_have_not_closed():
    today = dt.date(2026, 11, 5)
    assert summaries.parse_closed_month("2026-10", today=today).key == "2026-10"
    for month in ("2026-11", "2026-12", "2030-01"):
        with pytest.raises(summaries.InvalidPeriod):
            summaries.parse_closed_month(month, today=today)


def test_last_closed_month_and_schedule(monkeypatch):
    assert summaries.last_closed_month(dt.datetime(2027, 1, 1, 2, 0, tzinfo=dt.timezone.utc)) == "2026-12"
    monkeypatch.delenv("SUMMARY_SCHEDULE", raising=False)
    assert timer_schedule("SUMMARY_SCHEDULE") == "0 0 2 1 * *"
    monkeypatch.setenv("SUMMARY_SCHEDULE", "0 30 3 1 * *")
    assert timer_schedule("SUMMARY_SCHEDULE") == "%SUMMARY_SCHEDULE%"
    monkeypatch.delenv("FX_RATES_SCHEDULE", raising=False)
    monkeypatch.delenv("RECURRING_SCHEDULE", raising=False)
    assert timer_schedule("FX_RATES_SCHEDULE") == "0 0 16 * * *"
    assert timer_schedule("RECURRING_SCHEDULE") == "0 0 1 * * *"
