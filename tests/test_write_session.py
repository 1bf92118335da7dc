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


# --- PostgreSQL: no transaction until the work needs one; the only write committed as it runs ----

postgres_only = pytest.mark.skipif(get_engine().dialect.name != "postgresql",
                                   reason="PostgreSQL's WriteSession begins its transaction lazily")


@pytest.fixture
def sent(monkeypatch):
    """(statement's first words, the driver in autocommit, its transaction status) of every statement
    the app sends through psycopg, and the COMMITs it sends, while the test runs."""
    import psycopg
    from psycopg.pq import TransactionStatus

    seen: list[tuple[str, bool, str]] = []
    real_execute, real_commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def execute(self, query, *args, **kwargs):
        seen.append((" ".join(str(query).split()[:3]), self.connection.autocommit,
                     TransactionStatus(self.connection.info.transaction_status).name))
        return real_execute(self, query, *args, **kwargs)

    def commit(self):
        if self.info.transaction_status != TransactionStatus.IDLE:
            seen.append(("COMMIT", self.autocommit, TransactionStatus(self.info.transaction_status).name))
        return real_commit(self)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    monkeypatch.setattr(psycopg.Connection, "commit", commit)
    return seen


def _body(**extra):
    return {"type": "expense", "amount": "2.50", "date": "2026-02-03", **extra}


@postgres_only
def test_a_plain_create_is_one_round_trip_of_reads_and_one_self_committing_write(api, sent):
    account = api.post("/api/accounts", json={"name": "Lazy", "type": "checking", "opening_balance": "10"}).json()
    sent.clear()
    made = api.post("/api/transactions", json=_body(account_id=account["id"]))
    assert made.status == 201, made
    assert [(autocommit, status) for _, autocommit, status in sent] == [(True, "IDLE"), (True, "IDLE")], sent
    assert not any(words == "COMMIT" for words, _, _ in sent), sent
    assert api.get(f"/api/transactions/{made.json()['id']}").json()["amount"] == "2.50"
    assert api.get(f"/api/accounts/{account['id']}").json()["balance"] == "7.50"


@postgres_only
@pytest.mark.parametrize("extra", ["idempotency key", "tags"])
def test_a_create_with_writes_after_its_row_runs_in_one_transaction(api, sent, extra):
    """An Idempotency-Key's stored answer, or the row's tags, are written after the row: all of it is
    one transaction (BEGIN with the first write, one COMMIT), as before."""
    headers = {"Idempotency-Key": "lazy-begin-1"} if extra == "idempotency key" else {}
    body = _body(tags=["lazy"]) if extra == "tags" else _body()
    made = api.post("/api/transactions", json=body, headers=headers)
    assert made.status == 201, made
    writes = [entry for entry in sent if not entry[1]]  # sent out of autocommit: inside the transaction
    assert writes and writes[0][2] == "IDLE" and all(status == "INTRANS" for _, _, status in writes[1:]), sent
    assert [entry for entry in sent if entry[0] == "COMMIT"] == [("COMMIT", False, "INTRANS")], sent
    if headers:  # and the stored answer was committed with the row: the retry replays it
        again = api.post("/api/transactions", json=body, headers=headers)
        assert again.status == 201 and again.json()["id"] == made.json()["id"], again


@postgres_only
def test_reads_before_the_first_write_cost_no_begin_and_the_writes_are_one_transaction(owner):
    def work(session):
        before = names_now(session)
        add(session, owner, "Lazy A")
        add(session, owner, "Lazy B")
        raise Boom(before)

    with pytest.raises(Boom):
        run_unit_of_work(work)
    assert not {"Lazy A", "Lazy B"} & names(owner)


def names_now(session) -> int:
    return Prepared(select(func.count()).select_from(Category)).rows(session, {})[0][0]


@postgres_only
def test_nothing_may_write_after_a_self_committed_write_but_reads_may(owner):
    """The self-committing write is the unit of work's last: a write after it could not be part of
    the same transaction, so it raises (and the first stays committed, as it was by then)."""
    def work(session):
        NEW_CATEGORY.rows(session, {"owner": owner, "name": "Alone", "now": utcnow()}, last_write=True)
        assert names_now(session) >= 1  # a read after it is fine
        add(session, owner, "After")

    with pytest.raises(RuntimeError, match="after the unit of work's last write"):
        run_unit_of_work(work)
    assert "Alone" in names(owner) and "After" not in names(owner)


@postgres_only
def test_a_failure_after_a_self_committed_write_is_not_retried(owner):
    """Once the self-committing write has answered, the work's outcome is that write: a lost
    connection afterwards is answered as a failed COMMIT is (503, outcome unknown), never by running
    the work again (which would write twice)."""
    from sqlalchemy.exc import OperationalError

    from shared.data.db import DatabaseUnavailable

    runs = []

    def work(session):
        runs.append(1)
        NEW_CATEGORY.rows(session, {"owner": owner, "name": f"Once {len(runs)}", "now": utcnow()}, last_write=True)
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)

    with pytest.raises(DatabaseUnavailable, match="outcome is unknown"):
        run_unit_of_work(work)
    assert runs == [1]
    assert "Once 1" in names(owner)


@postgres_only
def test_a_self_committing_write_that_fails_undoes_itself_and_may_be_retried(owner):
    """A statement that fails without losing the connection (here a unique violation) did not commit:
    the error is the work's as in a transaction."""
    from sqlalchemy.exc import IntegrityError

    add_alone = lambda s, name: NEW_CATEGORY.rows(s, {"owner": owner, "name": name, "now": utcnow()},  # noqa: E731
                                                  last_write=True)
    run_unit_of_work(lambda s: add_alone(s, "Unique once"))
    with pytest.raises(IntegrityError):
        run_unit_of_work(lambda s: add_alone(s, "Unique once"))
    assert sorted(n for n in names(owner) if n == "Unique once") == ["Unique once"]


def test_plain_reads_are_told_from_writes_and_locks():
    from sqlalchemy import text, update

    from shared.data.models import Account, DailyTotal, MonthlyTotal, Transaction
    from shared.data.prepared import plain_read
    from shared.services.balances import _ledger_statement

    assert plain_read(select(Category.id))
    assert plain_read(select(Category.id).union_all(select(Category.id)))
    assert not plain_read(select(Category.id).with_for_update())
    assert not plain_read(select(Category.id).union_all(select(Category.id).with_for_update()))
    assert not plain_read(NEW_CATEGORY.statement)
    assert not plain_read(update(Category).values(name="x"))
    assert not plain_read(text("SELECT 1"))
    ledger = _ledger_statement((Account,), ((MonthlyTotal, True), (DailyTotal, True)), Transaction.__table__)
    assert not plain_read(ledger)  # a SELECT over data-modifying CTEs
