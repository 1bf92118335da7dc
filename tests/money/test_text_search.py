"""Text search (`GET /api/transactions?q=`) on SQLite reads an FTS5 trigram index (migration
0009_sqlite_text_search) kept in step by triggers: the answers are exactly the LIKE's, whatever the
term, after every kind of write, and only the caller's rows; the plan starts from the index."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from shared.data.models import Transaction
from shared.services.transactions import Transactions
from tests.money.conftest import IS_POSTGRES, new_transaction, ok

DESCRIPTIONS = ["Coffee at Zanzibar", "ZANZIBAR trip", "crème brûlée", "CRÈME fraîche", "say \"hi\" there",
                "50% off", "under_score", "İstanbul kebab", "straße", None, "zanzibarzanzibar", "abc"]
TERMS = ["zanzibar", "ZanZiBar", "crème", "CRÈME", "rème", "\"hi\"", "\"", "50%", "_", "e_s", "İst", "i̇st",
         "STRASSE", "straße", "ab", "abc", "bc", "zz", "c", "nothing like it", "ba", "r z", "trip", "*", "AND",
         "zanzibar OR trip", "NEAR(a b)", "x\"y"]


def _ids(client, term: str) -> set[int]:
    answer = ok(client.get("/api/transactions", params={"q": term, "page_size": 100}))
    assert answer["total"] == len(answer["items"])
    return {t["id"] for t in answer["items"]}


def _like(session, user_id: int, term: str) -> set[int]:
    """What the LIKE alone answers (no index), on the same database."""
    t = Transaction
    rows = session.execute(select(t.id).where(t.user_id == user_id,
                                              func.lower(t.description).contains(term.lower(), autoescape=True)))
    session.rollback()  # no read transaction left open while the app writes (SQLite)
    return {r.id for r in rows}


def test_every_term_answers_what_the_like_answers_after_every_kind_of_write(api, user, other_user, db_session):
    made = {new_transaction(api, description=d)["id"] if d else new_transaction(api)["id"]: d for d in DESCRIPTIONS}
    new_transaction(other_user.client, description="Zanzibar, someone else's")  # never in the caller's answers
    first, second, third = list(made)[:3]
    ok(api.patch(f"/api/transactions/{first}", json={"description": "renamed to Mombasa"}))
    made[first] = "renamed to Mombasa"
    ok(api.patch(f"/api/transactions/{second}", json={"amount": "3.00"}))  # description unchanged
    assert api.delete(f"/api/transactions/{third}").status == 204
    del made[third]
    assert _like(db_session, user.id, "zanzibar") == {i for i, d in made.items() if d and "zanzibar" in d.lower()}
    for term in [*TERMS, "mombasa", "Coffee at"]:
        expected = _like(db_session, user.id, term)
        assert _ids(api, term) == expected, term
        assert expected <= set(made)
    assert _ids(api, "coffee") == set()  # the old description is out of the index
    assert _ids(api, "mombasa") == {first}


@pytest.mark.skipif(IS_POSTGRES, reason="the FTS5 index is SQLite's (PostgreSQL: pg_trgm, 0003_text_search)")
def test_sqlite_index_is_kept_by_triggers_and_the_search_starts_from_it(api, db_session):
    from shared.data.db import get_engine

    new_transaction(api, description="Zanzibar")
    conn = db_session.connection()
    triggers = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    assert {"transactions_fts_insert", "transactions_fts_update", "transactions_fts_delete"} <= triggers
    conn.execute(text("INSERT INTO transactions_fts(transactions_fts) VALUES ('integrity-check')"))
    db_session.rollback()
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        assert ok(api.get("/api/transactions", params={"q": "zanzibar"}))["total"] == 1
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    page, parameters = next((st, p) for st, p in sent if "ORDER BY" in st and "transactions_fts" in st)
    plan = [str(r[-1]) for r in db_session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {page}", parameters)]
    db_session.rollback()
    # The rows come by rowid from the index's matches, not from a walk of the caller's history.
    assert any("transactions_fts VIRTUAL TABLE INDEX" in step for step in plan), plan
    assert any("INTEGER PRIMARY KEY" in step for step in plan), plan
    assert not any("ix_transactions_user_date" in step for step in plan), plan
    short = Transactions().filter(select(Transaction.id), Transactions.list_query(q="ab"))
    assert "transactions_fts" not in str(short.compile(dialect=get_engine().dialect))  # no trigram to look up


def test_azure_sql_renders_the_plain_like():
    """Azure SQL has no trigram index (its full-text search matches words and prefixes, not
    substrings): the same search renders there as the LIKE over the caller's rows, and parses as T-SQL."""
    import sqlglot
    from sqlalchemy.dialects import mssql

    stmt = Transactions().filter(select(Transaction.id).where(Transaction.user_id == 1),
                                 Transactions.list_query(q="Zanzibar"))
    sql = str(stmt.compile(dialect=mssql.dialect(), compile_kwargs={"literal_binds": True}))
    assert "transactions_fts" not in sql and "MATCH" not in sql
    assert "LIKE" in sql and "lower(transactions.description)" in sql
    assert sqlglot.parse_one(sql, read="tsql") is not None
