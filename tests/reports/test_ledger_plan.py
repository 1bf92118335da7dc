"""A report's read of the kept daily totals is a range scan of the days asked for (ix_daily_totals_user_day),
never a walk of every daily total the user has: it must not grow with the history (issue 17)."""
from __future__ import annotations

import datetime as dt

import pytest

from shared.services import reports
from tests.conftest import TEST_DATABASE_URL


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("sqlite"), reason="reads SQLite's query plan")
@pytest.mark.parametrize("start, end", [(dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                                        (dt.date(2025, 12, 1), dt.date(2026, 11, 30)),
                                        (dt.date(2026, 1, 15), dt.date(2026, 3, 2))])
def test_the_ledger_reads_daily_totals_by_day(db_session, start, end):
    stmt, params = reports.ledger_statement(1, "USD", start, end)
    compiled = stmt.compile(db_session.connection())
    values = compiled.construct_params(params)
    plan = [str(r[-1]) for r in db_session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup))]
    daily = [step for step in plan if "daily_totals" in step]
    assert daily and all("ix_daily_totals_user_day (user_id=? AND day>? AND day<?)" in step for step in daily), plan
