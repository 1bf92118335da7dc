"""Engine, one session per invocation, and the retry rule for transient database errors.

The rule: a unit of work is retried (with backoff) only when it failed *before* COMMIT was sent,
so a write whose commit may already have happened is never replayed; the caller gets a 503.
"""
from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key as orm_identity_key

from shared.data.config import get_settings
from shared.data.prepared import Prepared
from shared.data.urls import normalize as normalize_database_url

log = logging.getLogger(__name__)
T = TypeVar("T")

# Azure SQL / SQL Server error numbers that mean "try again": throttling, failover, dropped link.
TRANSIENT_MSSQL_ERRORS = frozenset({40613, 40197, 40501, 49918, 4060, 10928, 10929, 233, 10053, 10054, 10060})
_MSSQL_NUMBER = re.compile(r"\((\d{3,5})\)")
# SQLSTATE classes that mean the connection or the server went away (PostgreSQL and ODBC).
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P0", "40001", "40P01", "HYT00", "HYT01")

_lock = threading.Lock()
# Set while a SQLite read unit of work takes its connection: the begin event then sends no BEGIN.
_NO_TRANSACTION: ContextVar[bool] = ContextVar("no_transaction", default=False)
_engine: Engine | None = None
_sessionmaker: sessionmaker[Session] | None = None


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached, or a commit's outcome is unknown."""


def build_engine(url: str) -> Engine:
    parsed = normalize_database_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        _configure_sqlite(engine)
        event.listen(engine, "before_cursor_execute", _refuse_writes)
        return engine
    # hide_parameters: a logged database error must never carry its bound values (password hashes,
    # refresh-token hashes, emails) into the logs.
    common = dict(pool_size=5, max_overflow=5, pool_recycle=1800, pool_timeout=10, hide_parameters=True)
    if backend == "mssql":
        from shared.data.azure_sql import create_mssql_engine

        # Azure SQL closes idle links behind the pool's back: test each one as it leaves the pool.
        return create_mssql_engine(parsed, pool_pre_ping=True, **common)
    # No pre-ping elsewhere (a round trip on every request): a pooled connection that died fails its
    # first statement, SQLAlchemy discards the pool, and run_unit_of_work retries (nothing was committed).
    if backend == "postgresql":
        engine = create_engine(parsed, connect_args={"connect_timeout": 5}, **common)
        event.listen(engine, "before_cursor_execute", _refuse_writes)
        return engine
    return create_engine(parsed, **common)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        # SQLite's own lower() folds ASCII only; searches ("q") must ignore case in every script,
        # as PostgreSQL and Azure SQL do.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _NO_TRANSACTION.get():  # a read (ReadSession): each statement on its own
            return
        if conn.info.pop("began", False):  # a WriteSession's driver path sent it already
            return
        # Take the write lock up front: a deferred transaction that later writes can fail with
        # "database is locked" without waiting, which would turn concurrency into errors. Sent as a
        # built-once statement (listeners, the dialect's hook and error wrapping as exec_driver_sql's,
        # without an execution context built for one fixed word).
        _BEGIN_IMMEDIATE.rows(conn, {})


_BEGIN_IMMEDIATE = Prepared(text("BEGIN IMMEDIATE"))


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def get_engine() -> Engine:
    global _engine, _sessionmaker
    if _engine is None:
        with _lock:
            if _engine is None:
                url = get_settings().database_url
                engine = build_engine(url)
                if engine.dialect.name == "sqlite":
                    from shared.data.migrate import upgrade_to_head

                    upgrade_to_head(engine)
                _sessionmaker = sessionmaker(engine, expire_on_commit=False)
                _engine = engine
    return _engine


def reset_engine() -> None:
    """Forget the engine (tests, or after the settings changed)."""
    global _engine, _sessionmaker
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _sessionmaker = None


def new_session() -> Session:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker()


def is_transient(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError) and exc.statement is None:
        # No statement: the connection could not be opened (refused, DNS, login timeout) or the
        # commit itself failed. Either way the database is unavailable, not the request wrong.
        return True
    orig = exc.orig
    text = " ".join(str(a) for a in getattr(orig, "args", ()) or (str(orig),))
    numbers = {int(n) for n in _MSSQL_NUMBER.findall(text)}
    if numbers & TRANSIENT_MSSQL_ERRORS:
        return True
    sqlstate = getattr(orig, "sqlstate", None) or (orig.args[0] if getattr(orig, "args", None) else "")
    if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES):
        return True
    if isinstance(exc, OperationalError):
        lowered = text.lower()
        return any(
            s in lowered
            for s in ("database is locked", "server closed the connection", "connection refused",
                      "could not connect", "terminating connection", "connection timeout", "timeout expired")
        )
    return False


_READ = re.compile(r"\s*(SELECT|WITH\s[^;]*\)\s*SELECT)\b", re.IGNORECASE | re.DOTALL)


def _refuse_writes(conn, cursor, statement, parameters, context, executemany):
    if conn.info.get("reads_only") and not _READ.match(statement):
        raise RuntimeError("a read-only unit of work tried to write: " + statement.split(None, 1)[0])


def bookkeeping_write(session: Session, statement: Any, params: dict[str, Any]) -> None:
    """One self-contained UPDATE that may run even in a read-only unit of work (a GET), such as a
    token's last_used_at: a single statement is atomic on its own, so in a read unit of work without a
    transaction (PostgreSQL, SQLite) it simply commits by itself; elsewhere it joins the unit of work's
    transaction."""
    info = session.connection().info
    lifted = info.pop("reads_only", None)
    try:
        session.execute(statement, params)
    finally:
        if lifted is not None:
            info["reads_only"] = lifted


class ReadSession:
    """A read unit of work's session on PostgreSQL and SQLite: the pooled connection, taken as it is,
    with an ORM `Session` on it made only when the work asks for more than the connection. The hot
    reads run built-once statements on the connection alone (shared/data/prepared.py), and a Session's
    own set-up and tear-down (its transaction object, the connection's isolation round, the identity
    map) cost them more than the statements did.

    No transaction: no BEGIN and COMMIT. Each statement already sees its own snapshot on PostgreSQL
    (READ COMMITTED), and SQLite's WAL gives each statement outside a transaction a snapshot of its own
    the same way, so the two behave alike; on SQLite a read also never takes the write lock (BEGIN
    IMMEDIATE) and so never waits for a writer. A write on it is refused (it would not be atomic),
    bar `bookkeeping_write`. Azure SQL reads run as any unit of work does."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self.dialect = engine.dialect
        self._driver: Any = None  # the pooled DBAPI connection (a PoolProxiedConnection)
        self._connection: Any = None  # a SQLAlchemy Connection on it, made when asked for
        self._info: dict[str, Any] = {}
        self._session: Session | None = None
        self._view: _DriverView | None = None

    def driver(self) -> Any:
        """The pooled DBAPI connection, checked out on first use: the built-once statements
        (shared/data/prepared.py) run on it directly, without a SQLAlchemy `Connection` around it
        (whose set-up, transaction marker and tear-down cost a one-row read about as much as its own
        statement did). On PostgreSQL the driver is in autocommit for the read, and back out of it
        before the connection returns to the pool."""
        return self._checkout()

    def driver_for(self, statement: Any, last_write: bool = False) -> Any:
        """The pooled DBAPI connection for one built-once statement (`statement`: its `Prepared`)."""
        return self._checkout()

    def statement_done(self) -> None:
        """A built-once statement sent on the driver path has answered (see WriteSession)."""

    def _checkout(self) -> Any:
        if self._driver is None:
            try:
                driver = self._engine.raw_connection()
            except self.dialect.loaded_dbapi.Error as err:
                # Raises the wrapped error, as Engine.connect() does: transient, so the work is retried.
                Connection._handle_dbapi_exception_noconnection(err, self.dialect, self._engine)
                raise
            # The pooled connection's own dict, kept to clear in close(): after an invalidation,
            # asking the connection for it would try to connect again just to answer.
            self._info = driver.info
            self._driver = driver
            self._checked_out(driver)
        return self._driver

    def _checked_out(self, driver: Any) -> None:
        """A read's set-up of the pooled connection (undone by `_before_return`)."""
        if self.dialect.name == "postgresql":
            driver.dbapi_connection.autocommit = True
        self._info["reads_only"] = True

    def prepared_target(self) -> Any:
        """What a built-once statement runs on: the `Connection` when one was made, else this session
        (its `driver()`)."""
        return self._connection if self._connection is not None else self

    def listener_view(self) -> _DriverView:
        """What the engine's statement listeners get as the connection on the driver path (its `info`)."""
        if self._view is None:
            self._view = _DriverView(self._info, self.dialect, self._engine)
        return self._view

    def driver_failed(self, exc: Exception, cursor: Any, statement: str, params: Any) -> None:
        """Raise the driver's error as SQLAlchemy would on a Connection: wrapped in its DBAPIError
        class, with the pooled connection invalidated when the error means it is gone (the retry rule
        reads `connection_invalidated`)."""
        from sqlalchemy.exc import DBAPIError as Wrapped

        gone = self._driver is not None and self.dialect.is_disconnect(exc, self._driver.dbapi_connection, cursor)
        if gone:
            self._driver.invalidate(exc)
        raise Wrapped.instance(statement, params, exc, self.dialect.loaded_dbapi.Error,
                               hide_parameters=self._engine.hide_parameters, dialect=self.dialect,
                               connection_invalidated=gone) from exc

    def connection(self, **_: Any) -> Any:
        """A SQLAlchemy `Connection` on the read's pooled connection, for work beyond the built-once
        statements (made once; it owns the pooled connection from then on)."""
        if self._connection is None:
            conn = Connection(self._engine, connection=self.driver())
            if self.dialect.name != "postgresql":
                # SQLite: the Connection's transaction begun here sends no BEGIN (see _configure_sqlite),
                # so each statement runs on its own; PostgreSQL's driver is in autocommit already.
                token = _NO_TRANSACTION.set(True)
                try:
                    conn.begin()
                finally:
                    _NO_TRANSACTION.reset(token)
            self._connection = conn
        return self._connection

    def get_bind(self, *_: Any, **__: Any) -> Engine:
        return self._engine

    def _orm(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection(), expire_on_commit=False)
        return self._session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._orm(), name)

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        try:
            if self._session is not None:
                self._session.close()
        finally:
            driver, connection = self._driver, self._connection
            self._session = self._connection = self._driver = self._view = None
            if driver is not None:
                self._before_return(driver)
                if connection is not None:
                    connection.close()  # returns the pooled connection it owns (rolled back if still open)
                else:
                    driver.close()  # back to the pool, which rolls back what is still open

    def _before_return(self, driver: Any) -> None:
        """Undo what this read did to the pooled connection: its read-only mark, PostgreSQL's autocommit."""
        self._info.pop("reads_only", None)
        if self.dialect.name == "postgresql" and driver.is_valid:
            try:
                driver.dbapi_connection.autocommit = False
            except Exception:  # a connection in an unknown state does not go back to the pool
                driver.invalidate()


class WriteSession(ReadSession):
    """A write unit of work's session on PostgreSQL and SQLite: one transaction on the pooled
    connection. The built-once statements (shared/data/prepared.py) run on the driver itself, and an
    ORM `Session` is made (on a `Connection` over the same pooled connection, in the same transaction)
    only when the work asks for more: a create that only runs built-once statements never pays for the
    Session's set-up, its transaction state machine, its flush and its tear-down.

    The transaction: on SQLite the driver path sends BEGIN IMMEDIATE before its first statement (the
    write lock up front, as every write unit of work takes it). On PostgreSQL the connection stays in
    autocommit until the work first needs the transaction: the plain reads before it (`plain_read`,
    each its own snapshot at READ COMMITTED, inside a transaction or out of one) cost no BEGIN; the
    first write or row lock, or a `Connection` asked for, begins it (the driver sends BEGIN with that
    statement). And a statement that is the unit of work's only write (`last_write`, nothing begun,
    none to follow by `WRITES_FOLLOW`) is sent alone and committed as it runs: one round trip where
    BEGIN, the statement and COMMIT were three. Such a statement must be all or nothing on its own
    (the ledger's refuses in SQL); after it the unit of work may still read, but any write raises
    (it could not be part of the same transaction). A lost connection during it leaves its outcome
    unknown, as a failed COMMIT does (`outcome_unknown`).

    A `Connection` made later joins the transaction (no second BEGIN), and an ORM Session on that
    Connection joins the Connection's. `commit()` and `rollback()` end all three layers together;
    after either, the next statement begins a new transaction as the first did."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        self.info: dict[str, Any] = {}  # the unit of work's own notes (as Session.info)
        self._began = False  # the transaction is open on the driver path
        self._lazy = engine.dialect.name == "postgresql"  # reads before the transaction run in autocommit
        self._autocommit = False  # the driver is in autocommit now (PostgreSQL, nothing begun)
        self._alone: str | None = None  # the self-committing statement: "sent", then "committed"

    def _checked_out(self, driver: Any) -> None:
        if self._lazy:
            self._set_autocommit(driver, True)  # until the work needs its transaction

    def _set_autocommit(self, driver: Any, on: bool) -> None:
        try:
            driver.dbapi_connection.autocommit = on
        except Exception:  # a connection in an unknown state does not go back to the pool
            driver.invalidate()
            raise
        self._autocommit = on

    def driver(self) -> Any:
        """The pooled DBAPI connection, in this unit of work's transaction."""
        driver = self._checkout()
        if not self._began:
            self._refuse_after_alone()
            self._began = True
            if self._autocommit:
                self._set_autocommit(driver, False)  # the driver sends BEGIN with the next statement
            elif self.dialect.name == "sqlite":
                try:
                    _BEGIN_IMMEDIATE.rows(self, {})
                except BaseException:
                    self._began = False
                    raise
        return driver

    def driver_for(self, statement: Any, last_write: bool = False) -> Any:
        """The pooled DBAPI connection for one built-once statement: in the transaction, except on
        PostgreSQL before it has begun, for a plain read (autocommit) or the unit of work's only write
        (sent alone: it commits as it runs)."""
        driver = self._checkout()  # (PostgreSQL: in autocommit from here until the transaction begins)
        if not self._autocommit:
            return self.driver()
        if statement.reads:
            return driver
        if last_write and not self.info.get(WRITES_FOLLOW):
            self._refuse_after_alone()
            self._alone = "sent"
            return driver
        return self.driver()

    def _refuse_after_alone(self) -> None:
        if self._alone is not None:
            raise RuntimeError("a write after the unit of work's last write, which committed as it ran")

    def statement_done(self) -> None:
        """The built-once statement just sent has answered (the driver path calls this)."""
        if self._alone == "sent":
            self._alone = "committed"

    def outcome_unknown(self, exc: DBAPIError) -> bool:
        """Whether the work's write may be committed although `exc` ended the work: its self-committing
        statement had answered, or the connection was lost while it ran (any other error of that
        statement undid it). Such a failure is not retried, as a failed COMMIT is not."""
        return self._alone == "committed" or (self._alone == "sent" and bool(exc.connection_invalidated))

    def prepared_target(self) -> Any:
        if self._session is not None:
            return self._session.connection()  # the Session's transaction (begun again after a rollback)
        if self._connection is not None:
            self._connection_in_transaction()
            return self._connection
        return self

    def _connection_in_transaction(self) -> None:
        conn = self._connection
        if not conn.in_transaction():
            if self._began:
                self._info["began"] = True  # SQLite: the driver sent BEGIN IMMEDIATE already (_on_begin)
            else:
                self._refuse_after_alone()
                if self._autocommit:
                    self._set_autocommit(self._driver, False)
            conn.begin()
            self._began = True

    def connection(self, **_: Any) -> Any:
        """A SQLAlchemy `Connection` on the unit of work's pooled connection, in its transaction."""
        if self._connection is None:
            self._connection = Connection(self._engine, connection=self._checkout())
        self._connection_in_transaction()
        return self._connection

    def _orm(self) -> Session:
        if self._session is None:
            # The Connection's transaction is the unit of work's: the Session joins it, and a rollback
            # in the Session rolls it back (commit() below commits it).
            self._session = Session(bind=self.connection(), expire_on_commit=False,
                                    join_transaction_mode="rollback_only")
        return self._session

    @property
    def identity_map(self) -> Any:
        """The ORM rows loaded (none until an ORM Session is made)."""
        return self._session.identity_map if self._session is not None else {}

    def identity_key(self, *args: Any, **kwargs: Any) -> Any:
        return orm_identity_key(*args, **kwargs)

    def _driver_end(self, end: Callable[[Any], None]) -> None:
        if self._driver is not None and self._driver.is_valid:
            try:
                end(self._driver.dbapi_connection)
            except self.dialect.loaded_dbapi.Error as exc:  # no statement: the commit itself failed
                self.driver_failed(exc, None, None, None)

    def commit(self) -> None:
        self._end(commit=True)

    def rollback(self) -> None:
        self._end(commit=False)

    def _end(self, *, commit: bool) -> None:
        """Commit or roll back every layer: the Session (a commit flushes; the transaction is the
        Connection's), the Connection, and what the driver path began (a no-op when nothing is open)."""
        try:
            if self._session is not None:
                (self._session.commit if commit else self._session.rollback)()
            if self._connection is not None and self._connection.in_transaction():
                (self._connection.commit if commit else self._connection.rollback)()
            if not self._autocommit:  # (in autocommit nothing is open: PostgreSQL before its BEGIN)
                self._driver_end(self.dialect.do_commit if commit else self.dialect.do_rollback)
        finally:
            self._began = False
            self._info.pop("began", None)
        if self._lazy and self._connection is None and self._driver is not None and self._driver.is_valid:
            # Back to reads without a transaction; with a Connection made, its own begin() starts the
            # next transaction (an ORM Session begins through it), so the driver stays out of autocommit.
            self._set_autocommit(self._driver, True)

    def _before_return(self, driver: Any) -> None:
        self._began = False
        self._info.pop("began", None)
        if self._autocommit:
            super()._before_return(driver)  # out of autocommit, as the pool lends connections
            self._autocommit = False


# In a unit of work's `info`: something will still write after the work's own writes (a stored
# Idempotency-Key answer), so none of them may commit as it runs (WriteSession).
WRITES_FOLLOW = "writes_follow"


class _DriverView:
    """The connection as the engine's `before_cursor_execute` listeners see it on a read's driver path."""

    __slots__ = ("info", "dialect", "engine")

    def __init__(self, info: dict[str, Any], dialect: Any, engine: Engine):
        self.info, self.dialect, self.engine = info, dialect, engine


_READ_SESSION_DIALECTS = frozenset({"postgresql", "sqlite"})


def run_unit_of_work(work: Callable[[Session], T], *, attempts: int = 4, base_delay: float = 0.05,
                     reads_only: bool = False) -> T:
    """Run `work` in one session and commit; retry transient failures that happened before COMMIT.
    `reads_only`: the work only reads (a GET), so PostgreSQL and SQLite run it without a transaction,
    on a `ReadSession`."""
    engine = get_engine()
    pooled = engine.dialect.name in _READ_SESSION_DIALECTS
    if reads_only and pooled:
        return _run_reads(work, attempts, base_delay)
    for attempt in range(1, attempts + 1):
        committing = False
        session = WriteSession(engine) if pooled else _open_session(attempt, attempts, base_delay)
        if session is None:
            continue
        try:
            result = work(session)
            committing = True
            session.commit()
            return result
        except DBAPIError as exc:
            _safe_rollback(session)
            # A write the work sent to commit as it ran (WriteSession) counts as a COMMIT sent.
            unknown = committing or (pooled and session.outcome_unknown(exc))
            _retry_or_raise(exc, unknown, attempt, attempts, base_delay)
        except PoolTimeout as exc:  # every pooled connection busy for pool_timeout: overloaded, not broken
            _safe_rollback(session)
            raise DatabaseUnavailable("no database connection came free in time") from exc
        except BaseException:
            _safe_rollback(session)
            raise
        finally:
            session.close()
    raise AssertionError("unreachable")


def _run_reads(work: Callable[[Any], T], attempts: int, base_delay: float) -> T:
    """`work` on a ReadSession: nothing to commit, so every transient failure may be retried."""
    engine = get_engine()
    for attempt in range(1, attempts + 1):
        session = ReadSession(engine)
        try:
            return work(session)
        except DBAPIError as exc:
            _safe_rollback(session)
            _retry_or_raise(exc, False, attempt, attempts, base_delay)
        except PoolTimeout as exc:
            raise DatabaseUnavailable("no database connection came free in time") from exc
        finally:
            session.close()
    raise AssertionError("unreachable")


def _open_session(attempt: int, attempts: int, base_delay: float) -> Session | None:
    """A new session; None (after the backoff) when the database could not be reached but may be on retry."""
    try:
        return new_session()
    except DBAPIError as exc:
        if attempt == attempts or not is_transient(exc):
            raise DatabaseUnavailable("the database is unreachable") from exc
        _backoff(attempt, base_delay)
        return None


def _retry_or_raise(exc: DBAPIError, committing: bool, attempt: int, attempts: int, base_delay: float) -> None:
    """After a database error: back off for another attempt, or raise what the caller must see. A failure
    during COMMIT is never retried (it may have committed); a permanent error is raised as it is."""
    if committing:
        if is_transient(exc):
            raise DatabaseUnavailable("the commit's outcome is unknown") from exc
        raise exc
    if not is_transient(exc):
        raise exc
    if attempt == attempts:
        raise DatabaseUnavailable("the database is unreachable") from exc
    log.warning("transient database error, retrying (attempt %d of %d)", attempt, attempts)
    _backoff(attempt, base_delay)


def _backoff(attempt: int, base: float) -> None:
    time.sleep(min(2.0, base * 2 ** (attempt - 1)) * (0.5 + random.random()))


def _safe_rollback(session: Session | ReadSession) -> None:
    try:
        session.rollback()
    except Exception:  # the connection may be gone; the pool will discard it
        log.debug("rollback after failure failed", exc_info=True)
