"""shared/data/prepared.py: hot statements compiled once per dialect and run on the driver's cursor must
answer exactly what SQLAlchemy would, render for every dialect, and fail the way SQLAlchemy fails."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlglot
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects import mssql, postgresql, sqlite
from sqlalchemy.exc import CompileError, DBAPIError

from shared.data.db import get_engine, is_transient, new_session, run_unit_of_work
from shared.data.models import Account, Transaction
from shared.data.prepared import Prepared
from tests.money.conftest import new_account, new_transaction


def _by_hand(user_id: int):
    return (select(Transaction.id, Transaction.amount, Transaction.date, Transaction.description,
                   Account.name, Account.balance)
            .join(Account, Account.id == Transaction.account_id)
            .where(Transaction.user_id == bindparam("owner"), Transaction.amount >= bindparam("least"))
            .order_by(Transaction.id))


def test_rows_equal_what_sqlalchemy_answers(user, api):
    account = new_account(api, opening_balance="1000.00")
    for amount in ("0.01", "12.34", "99999999.99"):
        new_transaction(api, amount=amount, account_id=account["id"], description=f"paid {amount} €")
    stmt = _by_hand(user.id)
    params = {"owner": user.id, "least": Decimal("0.02")}
    with new_session() as session:
        expected = [tuple(row) for row in session.execute(stmt, params)]
        got = Prepared(stmt).rows(session, params)
    assert got == expected and len(got) == 2
    amount, day, balance = got[0][1], got[0][2], got[0][5]
    assert isinstance(amount, Decimal) and isinstance(day, dt.date) and isinstance(balance, Decimal)


def test_a_missing_row_is_none(user):
    with new_session() as session:
        assert Prepared(_by_hand(user.id)).first(session, {"owner": -1, "least": Decimal(0)}) is None


@pytest.mark.parametrize("dialect", [postgresql.psycopg.dialect(), sqlite.dialect(),
                                     mssql.pyodbc.dialect(paramstyle="qmark")])  # pyodbc: qmark
def test_each_dialect_gets_its_own_sql_and_parameter_order(dialect):
    compiled = Prepared(_by_hand(1))._for(dialect)
    assert "transactions" in compiled.sql and "accounts" in compiled.sql
    if dialect.name == "postgresql":
        assert compiled.positional is None and "%(owner)s" in compiled.sql
    else:  # qmark drivers: the values go in the order the placeholders appear
        assert compiled.positional == ("owner", "least") and compiled.sql.count("?") == 2


def test_expanding_parameters_are_refused():
    with pytest.raises(ValueError, match="expanding"):
        Prepared(select(Transaction.id).where(Transaction.id.in_(bindparam("ids", expanding=True))))._for(
            sqlite.dialect())


def test_statement_listeners_see_prepared_statements(user):
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with new_session() as session:
            Prepared(_by_hand(user.id)).rows(session, {"owner": user.id, "least": Decimal(0)})
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert len([s for s in seen if "FROM transactions" in s]) == 1, seen


def test_a_driver_error_surfaces_as_sqlalchemys(user):
    broken = Prepared(select(Transaction.id).where(Transaction.user_id == bindparam("owner"))
                      .where(text("no_such_column = 1")))
    with pytest.raises(DBAPIError):
        run_unit_of_work(lambda session: broken.rows(session, {"owner": user.id}))


@pytest.mark.skipif("get_engine().dialect.name != 'postgresql'")
def test_a_lost_connection_is_transient_and_invalidated(user):
    """The server ends the session under the statement: the error is the retry rule's transient kind and
    the connection is dropped from the pool, so the retry gets a live one."""
    stmt = Prepared(select(Transaction.id).where(Transaction.user_id == bindparam("owner")))
    session = new_session()
    try:
        conn = session.connection()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with get_engine().connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        with pytest.raises(DBAPIError) as caught:
            stmt.rows(session, {"owner": user.id})
        assert is_transient(caught.value) and conn.invalidated
    finally:
        session.close()
    assert run_unit_of_work(lambda s: stmt.rows(s, {"owner": user.id})) == []


def test_the_hot_prepared_statements_render_for_azure_sql():
    """Azure SQL cannot run here: the statements the hot paths run as Prepared ones must at least
    compile in the mssql dialect, with the id of a new transaction coming back through OUTPUT."""
    from shared.data.models import Category, CreditCard, IncomeSource
    from shared.services.callers import CALLER_ROW
    from shared.services.transactions import _INSERT, Transactions, _facts_of

    dialect = mssql.pyodbc.dialect(paramstyle="qmark")
    insert = Prepared(_INSERT)._for(dialect)
    assert "OUTPUT inserted.id" in insert.sql and insert.positional and len(insert.positional) == insert.sql.count("?")
    facts = Prepared(_facts_of((("account_id", Account), ("credit_card_id", CreditCard),
                                ("income_source_id", IncomeSource), ("category_id", Category))))._for(dialect)
    assert facts.sql.count("UNION ALL") == 3
    for statement in (CALLER_ROW, Transactions()._one_answer):
        compiled = statement._for(dialect)
        assert compiled.sql.startswith("SELECT") and "?" in compiled.sql
    # The reads that carry the caller's check (shared/services/callers.py): outer joins onto the
    # caller's user and login-session rows, every value a bound parameter.
    from shared.services.reports import monthly_checked
    from shared.services.transactions import _COUNT_ALL_CHECKED, _checked_facts_of

    every_reference = (("account_id", Account), ("credit_card_id", CreditCard), ("income_source_id", IncomeSource),
                       ("category_id", Category))
    create_checks = (Prepared(_checked_facts_of(every_reference)),
                     Prepared(_checked_facts_of((("account_id", Account),))))
    for statement in (Transactions()._one_answer_checked, Prepared(monthly_checked(True)),
                      Prepared(monthly_checked(False)), _COUNT_ALL_CHECKED, *create_checks):
        compiled = statement._for(dialect)
        assert compiled.sql.startswith("SELECT") and "users.id" in compiled.sql.split("FROM", 1)[0]
        assert "JOIN auth_sessions" in compiled.sql and "revoked_at IS NULL" in compiled.sql
        assert len(compiled.positional) == compiled.sql.count("?")
    # A create's check rides on its references' lookup: the caller's row (with CASE WHEN EXISTS for
    # their rules: T-SQL takes no bare EXISTS in a select list), then one part per row named.
    for statement, parts in zip(create_checks, (5, 2), strict=True):
        sql = statement._for(dialect).sql
        assert sql.count("UNION ALL") == parts - 1 and "CASE WHEN (EXISTS" in sql
        sqlglot.parse_one(sql.replace("?", "1"), read="tsql")
    # The unfiltered page with its tags: the page picked in a subquery (ORDER BY with OFFSET/FETCH on
    # SQL Server 2012 and later, as Azure SQL is), its tags outer-joined, every value bound.
    from shared.services.transactions import _unfiltered_page

    # On Azure SQL the page is read alone (its tags by their own statement): SQLAlchemy's SQL Server
    # compiler refuses a bound OFFSET inside a subquery once the dialect knows the server has
    # OFFSET/FETCH, which it learns on connecting to Azure SQL.
    modern = mssql.pyodbc.dialect(paramstyle="qmark")
    modern._supports_offset_fetch = True  # what the dialect sets on connecting to SQL Server 2012+
    for sort in ("-date", "date", "amount", "-amount"):
        page = _unfiltered_page(sort, False)._for(modern)
        assert "OFFSET ? ROWS" in page.sql and "FETCH FIRST ? ROWS ONLY" in page.sql, page.sql
        assert "transaction_tags" not in page.sql and len(page.positional) == page.sql.count("?") == 3
        with pytest.raises(CompileError, match="simple integer value for offset"):
            _unfiltered_page(sort, True)._for(modern)  # why: the day SQLAlchemy renders it, join them there too
    # A write's check with whether the caller has an active rule, and the rules themselves: T-SQL has
    # no IS 1 and no bare EXISTS in a select list (both rendered so before 2026-11-30, which would
    # have failed every create on Azure SQL).
    from shared.services.callers import WRITER_ROW
    from shared.services.rules import _ACTIVE_RULES

    writer, rules = WRITER_ROW._for(dialect).sql, Prepared(_ACTIVE_RULES)._for(dialect).sql
    assert "CASE WHEN (EXISTS (SELECT" in writer and "rules.active = 1" in writer
    assert "rules.active = 1" in rules
    for sql in (writer, rules, CALLER_ROW._for(dialect).sql, Transactions()._one_answer._for(dialect).sql):
        assert " IS 1" not in sql and " IS 0" not in sql and " IS true" not in sql.lower()
    # The monthly report's one statement: the caller's row (the check), the names, then the ledger's
    # parts, the home currency read from the caller's row.
    monthly = Prepared(monthly_checked(True))._for(dialect).sql
    assert monthly.count("UNION ALL") == 3 and "SELECT users.currency" in monthly and "ORDER BY part" in monthly
    # Its blanks are typed NULLs (CAST): T-SQL takes them too.
    assert "CAST(NULL AS NUMERIC(18, 2)) AS amount" in monthly
    for whole_months_inside in (True, False):
        sqlglot.parse_one(Prepared(monthly_checked(whole_months_inside))._for(dialect).sql.replace("?", "1"),
                          read="tsql")
