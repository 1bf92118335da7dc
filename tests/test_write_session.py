"""A write unit of work on PostgreSQL and SQLite (shared/data/db.py's WriteSession): one transaction on
the pooled connection, the built-once statements on the driver, an ORM Session made only when the work
needs one and joined to the same transaction. Whatever mix of the two a unit of work uses, it commits
or rolls back as one; on SQLite the write lock is taken up front, once."""
from __future__ import annotations

import pytest
from sqlalchemy import bindparam, event, func, insert, select

from shared.data.db import get_engine, run_unit_of_work
from shared.data.models import Category
from shared.data.prepared import Prepared
from shared.data.types import utcnow

NEW_CATEGORY = Prepared(insert(Category).values(
    user_id=bindparam("owner"), name=bindparam("name"), name_key=bindparam("name"), kind="expense",
    created_at=bindparam("now"), updated_at=bindparam("now")).returning(Category.id))

pytestmark = pytest.mark.skipif(get_engine().dialect.name not in ("postgresql", "sqlite"),
                                reason="WriteSession is PostgreSQL's and SQLite's")


@pytest.fixture
def owner(user) -> int:
    return user.client.get("/api/me").json()["id"]


def names(owner: int) -> set[str]:
    rows = run_unit_of_work(lambda s: s.execute(select(Category.name).where(Category.user_id == owner)).all(),
                            reads_only=True)
    return {name for (name,) in rows}


def add(session, owner: int, name: str) -> int:
    return NEW_CATEGORY.rows(session, {"owner": owner, "name": name, "now": utcnow()})[0][0]


class Boom(Exception):
    pass


@pytest.fixture
def sessions_made(monkeypatch):
    """Every ORM Session made while the test runs (any way it is made)."""
    from sqlalchemy.orm import Session

    made: list[object] = []
    real = Session.__init__

    def counting(self, *args, **kwargs):
        made.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Session, "__init__", counting)
    return made


def test_built_once_statements_alone_commit_without_an_orm_session(owner, sessions_made):
    run_unit_of_work(lambda s: [add(s, owner, "Driver one"), add(s, owner, "Driver two")])
    assert sessions_made == []
    assert {"Driver one", "Driver two"} <= names(owner)


def test_a_create_over_http_makes_no_orm_session(api, sessions_made):
    made = api.post("/api/transactions", json={"type": "expense", "amount": "1.00", "date": "2026-01-05"})
    assert made.status == 201, made
    assert sessions_made == []


@pytest.mark.parametrize("order", ["driver first", "orm first"])
def test_driver_and_orm_writes_commit_together(owner, order):
    def work(session):
        if order == "driver first":
            add(session, owner, f"{order} A")
            session.add(Category(user_id=owner, name=f"{order} B", name_key=f"{order} B", kind="expense"))
            session.flush()
        else:
            session.add(Category(user_id=owner, name=f"{order} B", name_key=f"{order} B", kind="expense"))
            session.flush()
            add(session, owner, f"{order} A")

    run_unit_of_work(work)
    assert {f"{order} A", f"{order} B"} <= names(owner)


@pytest.mark.parametrize("mix", ["driver only", "driver then orm", "orm then driver"])
def test_a_failure_after_writes_of_either_kind_rolls_all_of_them_back(owner, mix):
    def work(session):
        if mix != "orm then driver":
            add(session, owner, f"{mix} A")
        if mix != "driver only":
            session.add(Category(user_id=owner, name=f"{mix} B", name_key=f"{mix} B", kind="expense"))
            session.flush()
        if mix == "orm then driver":
            add(session, owner, f"{mix} A")
        raise Boom

    with pytest.raises(Boom):
        run_unit_of_work(work)
    assert not {f"{mix} A", f"{mix} B"} & names(owner)


def test_after_a_rollback_the_next_writes_are_a_new_transaction_and_commit(owner):
    def work(session):
        add(session, owner, "Undone")
        session.rollback()
        add(session, owner, "Kept after rollback")

    run_unit_of_work(work)
    current = names(owner)
    assert "Kept after rollback" in current and "Undone" not in current


def test_sqlite_takes_the_write_lock_once_before_the_first_statement(owner):
    if get_engine().dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(statement.strip().split()[0].upper() + (" IMMEDIATE" if "IMMEDIATE" in statement else ""))

    def work(session):
        add(session, owner, "Locked A")
        session.add(Category(user_id=owner, name="Locked B", name_key="Locked B", kind="expense"))
        session.flush()
        add(session, owner, "Locked C")

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        run_unit_of_work(work)
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert sent[0] == "BEGIN IMMEDIATE" and sent.count("BEGIN IMMEDIATE") == 1, sent


def test_the_pooled_connection_goes_back_clean(owner):
    """No transaction left open and no note of the driver's BEGIN left on the pooled connection: the
    next unit of work on it takes its own write lock."""
    run_unit_of_work(lambda s: (add(s, owner, "Clean A"), s.connection()))
    raw = get_engine().raw_connection()
    try:
        assert "began" not in raw.info
        if get_engine().dialect.name == "sqlite":
            assert not raw.dbapi_connection.in_transaction
        else:
            from psycopg.pq import TransactionStatus

            assert raw.dbapi_connection.info.transaction_status == TransactionStatus.IDLE
    finally:
        raw.close()


def test_a_unique_violation_on_the_driver_path_is_sqlalchemys_and_rolls_back(owner):
    from sqlalchemy.exc import IntegrityError

    def work(session):
        add(session, owner, "Twice")
        add(session, owner, "Twice")

    with pytest.raises(IntegrityError):
        run_unit_of_work(work)
    assert "Twice" not in names(owner)
    count = run_unit_of_work(lambda s: s.execute(select(func.count()).select_from(Category)
                                                 .where(Category.user_id == owner)).scalar_one(),
                             reads_only=True)
    assert count == len(names(owner))
