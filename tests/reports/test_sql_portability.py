"""Every report and summary statement renders for SQL Server and parses as T-SQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlalchemy import insert
from sqlalchemy.dialects import mssql, postgresql, sqlite

from shared.services import reports
from shared.services import summaries
from shared.data.models import PeriodSummary

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
STATEMENTS = {
    "totals": reports.totals_query(1, START, END),
    "totals_by_category": reports.totals_query(1, START, END, category_id=3),
    "by_category": reports.by_category_query(1, START, END),
    "budgets": reports.budget_query(1, "2026-10"),
    "trend_month": reports.trend_query(1, "month", START, END),
    "trend_quarter": reports.trend_query(1, "quarter", START, END),
    "trend_year": reports.trend_query(1, "year", START, END),
    "category_months": reports.category_month_query(1, START, END),
    "weekday": reports.weekday_query(1, START, END),
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


def test_weekday_is_independent_of_sql_server_datefirst():
    sql = _render(STATEMENTS["weekday"], mssql.dialect())
    assert "DATEPART" not in sql.upper() and "DATEDIFF" in sql.upper()


def test_periods_use_portable_extraction_per_dialect():
    stmt = STATEMENTS["trend_month"]
    assert "DATEPART(year" in _render(stmt, mssql.dialect())
    assert "EXTRACT(year" in _render(stmt, postgresql.dialect())
    assert "STRFTIME" in _render(stmt, sqlite.dialect()).upper()


def test_no_sum_is_grouped_by_a_bound_parameter_expression():
    # SQL Server refuses GROUP BY (expr with ?) against the same expression in SELECT (two parameters):
    # buckets are labelled in a subquery and the outer query groups by the plain column.
    for name in ("trend_quarter", "category_months", "weekday"):
        compiled = STATEMENTS[name].compile(dialect=mssql.dialect())
        group_by = str(compiled).upper().rsplit("GROUP BY", 1)[1]
        assert "?" not in group_by and "%(" not in group_by, name
