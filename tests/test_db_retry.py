"""The retry rule: transient errors before COMMIT are retried; a failed COMMIT never is (503)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.data import db
from shared.data.config import Settings
from shared.data.db import DatabaseUnavailable, get_engine, is_transient, run_unit_of_work
from tests.conftest import assert_problem, unique_name

AZURE_SQL_TRANSIENT = [40613, 40197, 40501, 49918, 4060, 10928, 10929, 233, 10053, 10054, 10060]
PROBE = "SELECT 1 AS retry_probe"


def driver_error(number: int, sqlstate: str = "HY000") -> Exception:
    """What pyodbc raises for a SQL Server error: (sqlstate, message ending in '(number)'), as the
    loaded driver's own OperationalError so SQLAlchemy wraps it exactly as it wraps real ones."""
    base = get_engine().dialect.loaded_dbapi.OperationalError
    fake = type("PyodbcStyleError", (base,), {})
    return fake(sqlstate, f"[{sqlstate}] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]"
                          f"Simulated server error. ({number}) (SQLExecDirectW)")


@pytest.fixture
def failing_execute(monkeypatch):
    """Make the next `n` executions of PROBE fail at the driver with `error`."""
    dialect = get_engine().dialect
    real = dialect.do_execute
    plan = {"left": 0, "error": None}

    def do_execute(cursor, statement, parameters, context=None):
        if "retry_probe" in statement and plan["left"] > 0:
            plan["left"] -= 1
            raise plan["error"]
        return real(cursor, statement, parameters, context)

    monkeypatch.setattr(dialect, "do_execute", do_execute)

    def arm(error: Exception, times: int) -> None:
        plan.update(left=times, error=error)

    return arm


@pytest.fixture
def failing_commit(monkeypatch):
    dialect = get_engine().dialect
    real = dialect.do_commit
    plan = {"left": 0, "error": None, "seen": 0}

    def do_commit(dbapi_connection):
        plan["seen"] += 1
        if plan["left"] > 0:
            plan["left"] -= 1
            raise plan["error"]
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", do_commit)

    def arm(error: Exception, times: int = 1) -> dict:
        plan.update(left=times, error=error)
        return plan

    return arm


def probing_work(calls: list[int]):
    def work(session):
        calls.append(1)
        return session.execute(text(PROBE)).scalar_one()
    return work


@pytest.mark.parametrize("number", AZURE_SQL_TRANSIENT)
def test_azure_sql_transient_error_is_retried_then_succeeds(failing_execute, number):
    failing_execute(driver_error(number), times=2)
    calls: list[int] = []
    assert run_unit_of_work(probing_work(calls), base_delay=0) == 1
    assert len(calls) == 3


@pytest.mark.parametrize("number", AZURE_SQL_TRANSIENT)
def test_azure_sql_error_number_is_classified_transient(failing_execute, number):
    failing_execute(driver_error(number), times=1)
    with get_engine().connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text(PROBE))
    assert is_transient(caught.value)


@pytest.mark.parametrize("number", [2627, 547, 8152, 207])  # duplicate key, FK, truncation, bad column
def test_non_transient_error_is_not_retried(failing_execute, number):
    failing_execute(driver_error(number), times=1)
    calls: list[int] = []
    with pytest.raises(DBAPIError):
        run_unit_of_work(probing_work(calls), base_delay=0)
    assert len(calls) == 1


def test_transient_error_on_every_attempt_gives_database_unavailable(failing_execute):
    failing_execute(driver_error(40613), times=10)
    calls: list[int] = []
    with pytest.raises(DatabaseUnavailable):
        run_unit_of_work(probing_work(calls), attempts=4, base_delay=0)
    assert len(calls) == 4


def test_transient_failure_during_commit_is_not_retried(failing_commit):
    failing_commit(driver_error(40613))
    calls: list[int] = []
    with pytest.raises(DatabaseUnavailable):
        run_unit_of_work(probing_work(calls), base_delay=0)
    assert len(calls) == 1


def test_failed_commit_answers_503_with_retry_after(failing_commit, anon):
    plan = failing_commit(driver_error(10054))
    body = {"username": unique_name(), "password": "long-enough-1", "first_name": "A", "last_name": "B"}
    response = anon.post("/api/register", json=body)
    assert_problem(response, 503)
    assert response.header("Retry-After") and plan["seen"] == 1


def test_work_after_failed_commit_was_rolled_back(failing_commit, anon):
    failing_commit(driver_error(10054))
    body = {"username": unique_name(), "password": "long-enough-1", "first_name": "A", "last_name": "B"}
    assert anon.post("/api/register", json=body).status == 503
    assert anon.post("/api/register", json=body).status == 201


def test_connection_refused_is_transient():
    engine = db.build_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect():
            pass
    finally:
        engine.dispose()
    assert is_transient(caught.value)


def test_unresolvable_database_host_counts_as_unavailable():
    engine = db.build_engine("postgresql+psycopg://postgres@db.invalid/none")
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect():
            pass
    finally:
        engine.dispose()
    assert is_transient(caught.value)


@pytest.fixture(params=["postgresql+psycopg://postgres@127.0.0.1:1/none",
                        "postgresql+psycopg://postgres@db.invalid/none"], ids=["closed-port", "unknown-host"])
def unreachable_database(request, monkeypatch):
    """Point a fresh engine at a database that cannot be reached; the real engine comes back afterwards."""
    settings = Settings.from_env({"APP_ENV": "development", "JWT_SECRET": "x" * 40,
                                  "DATABASE_URL": request.param})
    db.reset_engine()
    monkeypatch.setattr(db, "get_settings", lambda: settings)
    try:
        yield
    finally:
        monkeypatch.undo()
        db.reset_engine()


def test_health_answers_503_problem_when_database_is_unreachable(unreachable_database, anon):
    response = anon.get("/api/health")
    assert_problem(response, 503)
    assert response.header("Retry-After")


def test_health_answers_200_again_once_database_is_back(anon):
    assert anon.get("/api/health").json() == {"status": "ok", "database": "ok"}


def test_waiting_too_long_for_a_pooled_connection_is_unavailable_not_an_error():
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from shared.data.db import DatabaseUnavailable, run_unit_of_work

    def work(session):
        raise PoolTimeout("QueuePool limit of size 5 overflow 5 reached, connection timed out")

    with pytest.raises(DatabaseUnavailable):
        run_unit_of_work(work)


# --- reads (a GET's unit of work: a ReadSession on PostgreSQL and SQLite) --------------------------

def read_work(path: str, calls: list[int]):
    """A read through the ORM Session, or a built-once statement on the pooled driver itself."""
    return probing_work(calls) if path == "orm" else driver_probing_work(calls)


@pytest.mark.parametrize("path", ["orm", "driver"])
@pytest.mark.parametrize("number", [40613, 10054])
def test_a_transient_error_in_a_read_is_retried_on_a_new_connection(failing_execute, number, path):
    failing_execute(driver_error(number), times=2)
    calls: list[int] = []
    assert run_unit_of_work(read_work(path, calls), base_delay=0, reads_only=True) == 1
    assert len(calls) == 3


@pytest.mark.parametrize("path", ["orm", "driver"])
def test_a_permanent_error_in_a_read_is_raised_once_as_sqlalchemys(failing_execute, path):
    failing_execute(driver_error(2627), times=1)
    calls: list[int] = []
    with pytest.raises(DBAPIError) as raised:
        run_unit_of_work(read_work(path, calls), base_delay=0, reads_only=True)
    assert len(calls) == 1 and "retry_probe" in raised.value.statement


def test_a_read_failing_on_every_attempt_is_unavailable(failing_execute):
    failing_execute(driver_error(40613), times=10)
    with pytest.raises(DatabaseUnavailable):
        run_unit_of_work(probing_work([]), base_delay=0, reads_only=True)


def test_a_read_unit_of_work_refuses_a_write_and_returns_its_connection_clean():
    """A write in a read is refused (it would not be atomic) and the pooled connection leaves the read
    without its read-only mark: the next unit of work on it may write."""
    from shared.data.models import User

    def write(session):
        session.execute(text("UPDATE users SET currency = currency WHERE id = 0"))

    with pytest.raises(RuntimeError, match="read-only unit of work tried to write"):
        run_unit_of_work(write, base_delay=0, reads_only=True)
    assert run_unit_of_work(lambda s: s.query(User).filter(User.id == 0).count() + 1, reads_only=True) == 1
    run_unit_of_work(write)  # a write unit of work on the pool's connections: not refused


def test_a_read_whose_connection_died_closes_without_connecting_again(monkeypatch):
    """After the read's connection was invalidated (the server went away), closing the read must not
    reach for a new connection (during an outage that raised from close(), and the read answered 500)."""
    from shared.data.db import ReadSession

    session = ReadSession(get_engine())
    session.connection().invalidate()
    attempts = []

    def refuse(record):
        attempts.append(1)
        raise get_engine().dialect.loaded_dbapi.OperationalError("connection refused (simulated)")

    monkeypatch.setattr(get_engine().pool, "_invoke_creator", refuse)
    session.close()
    assert attempts == []


# --- reads on the driver path: built-once statements on the read's pooled DBAPI connection ----------

def _probe_statement():
    from sqlalchemy import literal, select

    from shared.data.prepared import Prepared

    return Prepared(select(literal(1).label("retry_probe")))


def driver_probing_work(calls: list[int], probe=None):
    probe = probe or _probe_statement()

    def work(session):
        calls.append(1)
        assert session.prepared_target() is session  # no SQLAlchemy Connection made: the driver path
        return probe.rows(session, {})[0][0]
    return work


def test_a_read_whose_pooled_connection_died_is_retried_on_a_new_one():
    """The driver under a read closed (the server went away): the error is seen as a disconnect, the
    pooled connection is invalidated rather than handed to the next request, and the read is retried."""
    probe, calls, seen = _probe_statement(), [], []

    def work(session):
        calls.append(1)
        driver = session.driver()
        seen.append(driver.dbapi_connection)
        if len(calls) == 1:
            driver.dbapi_connection.close()
        return probe.rows(session, {})[0][0]

    assert run_unit_of_work(work, base_delay=0, reads_only=True) == 1
    assert len(calls) == 2 and seen[0] is not seen[1]
    assert run_unit_of_work(driver_probing_work([]), base_delay=0, reads_only=True) == 1  # the pool is sound


def test_the_driver_path_refuses_a_write_and_listeners_see_its_statements():
    from sqlalchemy import event, update

    from shared.data.models import User
    from shared.data.prepared import Prepared

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    write = Prepared(update(User).where(User.id == 0).values(currency="EUR"))
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        assert run_unit_of_work(driver_probing_work([]), base_delay=0, reads_only=True) == 1
        with pytest.raises(RuntimeError, match="read-only unit of work tried to write"):
            run_unit_of_work(lambda s: write.rows(s, {}), base_delay=0, reads_only=True)
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert any("retry_probe" in s for s in seen)
    run_unit_of_work(lambda s: write.rows(s, {}))  # the same connections write in a write unit of work


def test_a_read_returns_its_connection_to_the_pool_as_it_took_it():
    """On PostgreSQL the driver is in autocommit only for the read; the connection goes back to the pool
    out of it (the next write unit of work must get its transaction), and with no read-only mark."""
    from shared.data.db import ReadSession

    engine = get_engine()
    session = ReadSession(engine)
    driver = session.driver()
    raw = driver.dbapi_connection
    if engine.dialect.name == "postgresql":
        assert raw.autocommit is True
    assert _probe_statement().rows(session, {}) == [(1,)]
    session.close()
    if engine.dialect.name == "postgresql":
        assert raw.autocommit is False
    again = engine.raw_connection()
    try:
        assert "reads_only" not in again.info
    finally:
        again.close()


def test_a_read_that_needs_a_connection_after_the_driver_path_keeps_one_pooled_connection():
    """Built-once statements first, then ORM work: the Connection is made on the same pooled connection."""
    from shared.data.db import ReadSession
    from shared.data.models import User

    engine = get_engine()
    checked_out = engine.pool.checkedout()
    session = ReadSession(engine)
    try:
        assert _probe_statement().rows(session, {}) == [(1,)]
        assert session.query(User).filter(User.id == 0).count() == 0
        assert session.connection().connection.dbapi_connection is session.driver().dbapi_connection
        assert session.prepared_target() is session.connection()
        assert _probe_statement().rows(session, {}) == [(1,)]
        assert engine.pool.checkedout() == checked_out + 1
    finally:
        session.close()
    assert engine.pool.checkedout() == checked_out
