"""Every report and summary statement renders for SQL Server and parses as T-SQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlalchemy import insert
from sqlalchemy.dialects import mssql, postgresql, sqlite

from shared.data.models import PeriodSummary
from shared.services import fx, reports, summaries

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
STATEMENTS = {
    "ledger": reports.ledger_query(1, "USD", START, END),
    "ledger_partial_months": reports.ledger_query(1, "USD", dt.date(2026, 1, 15), dt.date(2026, 3, 2)),
    "ledger_within_a_month": reports.ledger_query(1, "USD", dt.date(2026, 1, 15), dt.date(2026, 1, 20)),
    "ledger_by_category": reports.ledger_query(1, "EUR", START, END, category_id=3, kinds=("expense",)),
    "budgets": reports.budget_query(1, "2026-10"),
    "names_and_budgets": reports.names_and_budgets_query().params(user_id=1, month="2026-10"),
    "weekday": reports.weekday_query(1, START, END),
    "rates": fx.rates_query(1, "USD", {"EUR", "GBP"}, START, END),
    "unusual": reports.unusual_query(1, START, END),
    "user_batches": summaries.user_batches_query(500),
    "store_batch": insert(PeriodSummary).from_select(
        summaries._COLUMNS,
        summaries.summary_select(reports.quarter_period(2026, 4), 1, 500, dt.datetime(2027, 1, 1, 2, 0))),
}


def _render(stmt, dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_renders_as_tsql_that_sqlglot_parses(name):
    sql = _render(STATEMENTS[name], mssql.dialect())
    parsed = sqlglot.parse_one(sql, read="tsql")
    assert parsed is not None
    assert "LIMIT" not in sql.upper()


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_renders_for_postgresql_and_sqlite(name):
    for dialect, read in ((postgresql.dialect(), "postgres"), (sqlite.dialect(), "sqlite")):
        sqlglot.parse_one(_render(STATEMENTS[name], dialect), read=read)


def test_reports_read_the_kept_totals_never_the_transactions():
    for name in ("ledger", "ledger_partial_months", "ledger_within_a_month", "ledger_by_category", "weekday"):
        sql = _render(STATEMENTS[name], postgresql.dialect())
        assert "transactions" not in sql and ("monthly_totals" in sql or "daily_totals" in sql), name
