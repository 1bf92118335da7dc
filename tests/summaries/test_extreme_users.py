"""One user's extreme figures do not fail the job for everyone (issue 15, item 6): sums wider than one
amount are stored, and a user past what a summary holds is skipped and recorded with the reason while
every other user is stored."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from shared.data.db import run_unit_of_work
from shared.data.models import MonthlyTotal, SummarySkip
from shared.services import summaries
from tests.conftest import make_user
from tests.reports.helpers import add
from tests.summaries.conftest import stored
from tests.summaries.test_activities import _store

COLUMN_MAX = Decimal("9999999999999999.99")  # the most one kept monthly total holds


def keep_totals(user_id: int, rows: list[tuple[dt.date, int, Decimal]]) -> None:
    """Monthly totals set directly: reaching them through the API takes ~10,000 maximal transactions
    per category and month."""
    run_unit_of_work(lambda s: s.add_all(
        MonthlyTotal(user_id=user_id, month=month, type="income", category_key=category, total=total, count=1)
        for month, category, total in rows))


def skips_of(month: str) -> dict[int, str]:
    return run_unit_of_work(lambda s: {k.user_id: k.reason for k in summaries.skips(s, month)})


@pytest.fixture
def trio():
    """An ordinary user, one with a year of maximal monthly totals, and another ordinary one (one batch)."""
    first, extreme, last = make_user(), make_user(), make_user()
    for user in (first, last):
        add(user.client, "income", "100.00", "2025-12-05")
    keep_totals(extreme.id, [(dt.date(2025, m, 1), 0, COLUMN_MAX) for m in range(1, 11)])
    return first, extreme, last


def test_a_month_summing_past_one_amount_column_is_stored():
    user = make_user()
    keep_totals(user.id, [(dt.date(2025, 10, 1), 0, COLUMN_MAX), (dt.date(2025, 10, 1), 1, Decimal("1000000000000"))])
    result = _store("2025-10", user.id, user.id)
    assert result["rows_written"] == 1 and result["skipped"] == 0
    assert stored(user.id)[("month", "2025-10")] == ("10000999999999999.99", "0.00", "10000999999999999.99",
                                                    "savings")


def test_a_user_past_what_a_summary_holds_is_skipped_and_the_others_are_stored(trio):
    first, extreme, last = trio
    result = _store("2025-12", first.id, last.id)
    assert result["users"] == 3 and result["skipped"] == 1 and result["rows_written"] == 2 * 3
    for user in (first, last):
        assert stored(user.id)[("year", "2025")] == ("100.00", "0.00", "100.00", "savings")
    assert stored(extreme.id) == {}


def test_a_skipped_user_is_recorded_with_the_reason(trio):
    first, extreme, last = trio
    _store("2025-12", first.id, last.id)
    reasons = skips_of("2025-12")
    assert extreme.id in reasons and first.id not in reasons and last.id not in reasons
    assert "2025" in reasons[extreme.id] and len(reasons[extreme.id]) <= 200


def test_a_user_fixed_since_is_stored_and_no_longer_listed(trio):
    first, extreme, last = trio
    _store("2025-12", first.id, last.id)

    def shrink(s):
        for row in s.execute(select(MonthlyTotal).where(MonthlyTotal.user_id == extreme.id)).scalars():
            row.total = Decimal("1.00")
    run_unit_of_work(shrink)
    assert _store("2025-12", first.id, last.id)["skipped"] == 0
    assert extreme.id not in skips_of("2025-12")
    assert stored(extreme.id)[("year", "2025")] == ("10.00", "0.00", "10.00", "savings")


def test_the_whole_run_completes_with_an_extreme_user(trio):
    first, extreme, last = trio
    result = summaries.run_locally("2025-12", batch_size=100_000)
    assert result.status == "completed"
    assert ("month", "2025-12") in stored(last.id) and stored(extreme.id) == {}


def test_skips_are_deleted_with_their_user(trio):
    _, extreme, _ = trio
    _store("2025-12", extreme.id, extreme.id)
    assert extreme.client.delete("/api/me", json={"password": extreme.password}).status == 204
    assert run_unit_of_work(lambda s: s.execute(select(SummarySkip).where(SummarySkip.user_id == extreme.id))
                            .first()) is None


def test_an_admin_sees_the_skipped_users_and_why_in_the_runs_status(trio, clean_runs):
    from tests.summaries.conftest import make_admin

    first, extreme, last = trio
    admin = make_user()
    make_admin(admin)
    started = admin.client.post("/api/summaries/runs", json={"period": "2025-12"})
    assert started.status == 202, started
    status = admin.client.get(started.header("location")).json()
    assert status["status"] == "completed"
    # Earlier tests may have left extreme users of their own in this period: ours is among them.
    assert status["skipped_count"] == len(status["skipped"]) >= 1
    (skipped,) = [s for s in status["skipped"] if s["user_id"] == extreme.id]
    assert not {first.id, last.id} & {s["user_id"] for s in status["skipped"]}
    assert skipped["user_id"] == extreme.id and "2025" in skipped["reason"] and skipped["recorded_at"].endswith("Z")
    assert ("month", "2025-12") in stored(first.id) and ("month", "2025-12") in stored(last.id)


def test_a_user_whose_converted_figures_are_past_what_a_summary_holds_is_skipped():
    """Amounts in another currency are converted after the set-based insert: a converted month past
    the limit must skip that user too (on SQLite it failed the whole job: the figure does not fit the
    column's 64-bit integer; elsewhere it was stored past the limit the API documents)."""
    first, foreign, last = make_user(), make_user(), make_user()
    for user in (first, last):
        add(user.client, "income", "100.00", "2025-09-05")
    api = foreign.client
    assert api.patch("/api/me", json={"currency": "EUR"}).status == 200
    assert api.post("/api/fx-rates", json={"date": "2025-09-01", "base": "USD", "quote": "EUR",
                                           "rate": "100000"}).status == 201
    for n in range(3):  # 3 x 999,999,999,999.99 USD at 100,000 = 3 x 10^17 EUR, past SUMMARY_LIMIT
        cash = api.post("/api/accounts", json={"name": f"Dollars {n}", "type": "cash", "currency": "USD"})
        add(api, "income", "999999999999.99", "2025-09-05", account_id=cash.json()["id"])
    result = _store("2025-09", first.id, last.id)
    assert result["users"] == 3 and result["skipped"] == 1
    assert result["rows_written"] == 2 * len(summaries.closing_periods("2025-09"))  # the month and its quarter
    assert stored(foreign.id) == {}
    for user in (first, last):
        assert stored(user.id)[("month", "2025-09")] == ("100.00", "0.00", "100.00", "savings")
    reason = skips_of("2025-09")[foreign.id]
    assert "299999999999997000.00" in reason and "EUR" in reason and len(reason) <= 200
    assert summaries.run_locally("2025-09", batch_size=100_000).status == "completed"
