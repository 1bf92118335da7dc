"""Hot statements compiled once per database dialect and run straight on the driver's cursor.

SQLAlchemy builds and renders the SQL (so each dialect, Azure SQL included, gets its own text, bind
and result type handling), but executing a Core statement through a `Connection` also rebuilds the
statement's cache key and an execution context on every call: for the one-row reads every request
makes (the caller lookup, a transaction by id) that costs several times the round trip itself. A
`Prepared` statement keeps the compiled form per dialect and sends it on the unit of work's own
connection (the same transaction), applying the same bind and result processors SQLAlchemy would.

Errors go through the connection's own handling: a lost connection is invalidated and surfaces as
the same `DBAPIError` the retry rule in shared/data/db.py reads. The engine's before_cursor_execute
listeners run for these statements as for any other."""
from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, visitors
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import CompoundSelect, Select


@dataclass
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for qmark/format drivers; None for named ones
    construct: Callable[..., dict[str, Any]]
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    types: tuple[Any, ...]
    columns: tuple[str, ...]
    # (column index, result processor) of the columns that have one, known once the driver has
    # described the result (some drivers' processors depend on the column's type code there).
    results: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None
    row_type: Any = field(default=None)  # a namedtuple of the columns, for rows read by name
    mappers: dict[Any, Callable[[Any], Any]] = field(default_factory=dict)  # `Prepared.mapped`'s, by factory


# (dialect, column types, result processors) -> a function of one raw row (`Prepared.mapped`).
RowMapperFactory = Callable[[Dialect, tuple[Any, ...], tuple[Callable[[Any], Any] | None, ...]], Callable[[Any], Any]]


class Prepared:
    """`statement`, compiled once for each dialect it runs on; `rows()` / `first()` execute it."""

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self.reads = plain_read(statement)
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if compiled.literal_execute_params or compiled.post_compile_params:
                raise ValueError("a Prepared statement cannot have expanding or literal-execute parameters")
            binds = tuple((key, proc) for key, proc in (compiled._bind_processors or {}).items()
                          if not isinstance(key, tuple))
            found = _Compiled(
                sql=compiled.string,
                positional=tuple(compiled.positiontup) if compiled.positional else None,
                construct=compiled.construct_params,
                binds=binds,
                types=tuple(entry.type for entry in compiled._result_columns),
                columns=tuple(entry.keyname for entry in compiled._result_columns),
            )
            self._compiled[dialect] = found
        return found

    def _fetch(self, conn: Any, params: Mapping[str, Any], last_write: bool = False
               ) -> tuple[list[Any], _Compiled]:
        """The driver's rows as it gave them (no result processing), and the compiled form. `conn`: a
        `Connection`, or a unit of work's session without one (shared/data/db.py's ReadSession or
        WriteSession: its pooled DBAPI connection is used directly). `last_write`: nothing is written
        after this statement in its unit of work (a WriteSession may then commit it as it runs)."""
        if not isinstance(conn, Connection):
            return self._fetch_on_driver(conn, params, last_write)
        compiled = self._for(conn.dialect)
        args = self._args(compiled, params)
        driver = conn.connection.dbapi_connection
        cursor = None
        try:
            cursor = driver.cursor()
            if conn._has_events or conn.engine._has_events:
                # The engine's statement listeners see these statements too (the read-only guard on
                # PostgreSQL, the tests' statement counters).
                for listener in conn.dispatch.before_cursor_execute:
                    listener(conn, cursor, compiled.sql, args, None, False)
            # The dialect's own hook, as SQLAlchemy calls it.
            conn.dialect.do_execute(cursor, compiled.sql, args, None)
            fetched = self._rows_of(cursor, compiled, conn.dialect)
        except conn.dialect.loaded_dbapi.Error as exc:
            # Raises the wrapped DBAPIError, invalidating the connection when the error means it is gone.
            conn._handle_dbapi_exception(exc, compiled.sql, args, cursor, None)
            raise  # not reached: the line above always raises
        finally:
            if cursor is not None:
                cursor.close()
        return fetched, compiled

    def _fetch_on_driver(self, read: Any, params: Mapping[str, Any], last_write: bool = False
                         ) -> tuple[list[Any], _Compiled]:
        """`_fetch` on a unit of work's pooled DBAPI connection: the same listeners, dialect hook and
        error wrapping, without a `Connection` (shared/data/db.py's ReadSession.driver and
        WriteSession.driver, the latter in the unit of work's transaction)."""
        dialect = read.dialect
        compiled = self._for(dialect)
        args = self._args(compiled, params)
        driver = read.driver_for(self, last_write)
        cursor = None
        try:
            cursor = driver.dbapi_connection.cursor()
            engine = read.get_bind()
            if engine._has_events:
                view = read.listener_view()
                for listener in engine.dispatch.before_cursor_execute:
                    listener(view, cursor, compiled.sql, args, None, False)
            dialect.do_execute(cursor, compiled.sql, args, None)
            fetched = self._rows_of(cursor, compiled, dialect)
            read.statement_done()
        except dialect.loaded_dbapi.Error as exc:
            read.driver_failed(exc, cursor, compiled.sql, args)  # raises the wrapped DBAPIError
            raise  # not reached
        finally:
            if cursor is not None:
                try:
                    cursor.close()
                except dialect.loaded_dbapi.Error:  # the connection is gone: the error above says so
                    pass
        return fetched, compiled

    @staticmethod
    def _args(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = compiled.construct(params)
        for key, process in compiled.binds:
            if key in values:
                values[key] = process(values[key])
        return values if compiled.positional is None else tuple(values[k] for k in compiled.positional)

    @staticmethod
    def _rows_of(cursor: Any, compiled: _Compiled, dialect: Dialect) -> list[Any]:
        # Whether rows come back is known from the statement (asking the cursor's description
        # builds a column object per column on some drivers, on every call).
        if not compiled.columns:  # a statement that answers no rows (an UPDATE without RETURNING)
            compiled.results = ()
            return []
        fetched = cursor.fetchall()
        if compiled.results is None:
            compiled.results = tuple(
                (index, process) for index, (type_, described)
                in enumerate(zip(compiled.types, cursor.description, strict=True))
                if (process := type_._cached_result_processor(dialect, described[1])) is not None)
        return fetched

    def rows(self, session: Session | Connection, params: Mapping[str, Any], last_write: bool = False
             ) -> list[tuple[Any, ...]]:
        """Every row, as tuples of Python values (after the columns' result processing)."""
        fetched, compiled = self._fetch(_target(session), params, last_write)
        processors = compiled.results
        if not processors:
            return [tuple(row) for row in fetched]
        out = []
        for row in fetched:  # only the columns that have a processor are touched
            values = list(row)
            for index, process in processors:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
            out.append(tuple(values))
        return out

    def mapped(self, session: Session | Connection, params: Mapping[str, Any], factory: RowMapperFactory
               ) -> list[Any]:
        """Every row through one function that `factory(dialect, column types, result processors)`
        makes, once per dialect (the processors: SQLAlchemy's for each column, None where it has
        none). For rows turned straight from the driver's values into something else, such as an
        answer (shared/services/answer_rows.py), without building the processed row in between."""
        conn = _target(session)
        fetched, compiled = self._fetch(conn, params)
        mapper = compiled.mappers.get(factory)
        if mapper is None:
            processors: list[Callable[[Any], Any] | None] = [None] * len(compiled.columns)
            for index, process in compiled.results or ():
                processors[index] = process
            mapper = compiled.mappers[factory] = factory(conn.dialect, compiled.types, tuple(processors))
        return [mapper(row) for row in fetched]

    def first(self, session: Session | Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self.rows(session, params)
        return rows[0] if rows else None

    def named_rows(self, session: Session | Connection, params: Mapping[str, Any], last_write: bool = False
                   ) -> list[Any]:
        """Every row as a named tuple: `row.total` as on a SQLAlchemy Row."""
        conn = _target(session)
        compiled = self._for(conn.dialect)
        if compiled.row_type is None:
            compiled.row_type = namedtuple("Row", compiled.columns)  # noqa: PYI024 - built per statement
        make = compiled.row_type._make
        return [make(row) for row in self.rows(conn, params, last_write)]


def plain_read(statement: ClauseElement) -> bool:
    """Whether `statement` only reads: a SELECT (or a UNION of them) with no data-modifying CTE
    anywhere in it and no row lock (FOR UPDATE / SHARE). A PostgreSQL write unit of work may run such
    a statement before it has begun its transaction (shared/data/db.py's WriteSession): at READ
    COMMITTED each statement sees its own snapshot inside a transaction or out of one alike, and only a
    write or a lock needs the transaction. Anything else (text, DML) counts as a write."""
    if not isinstance(statement, (Select, CompoundSelect)):
        return False
    for element in visitors.iterate(statement):
        if isinstance(element, UpdateBase):
            return False
        if isinstance(element, (Select, CompoundSelect)) and element._for_update_arg is not None:
            return False
    return True


def _target(session: Any) -> Any:
    """What a statement runs on: a Connection as it is, a ReadSession's or WriteSession's own target
    (its pooled connection, or the Connection made on it), a Session's connection."""
    if isinstance(session, Connection):
        return session
    target = getattr(session, "prepared_target", None)
    return target() if target is not None else session.connection()


_BUILT_ONCE: dict[int, tuple[ClauseElement, Prepared]] = {}
_BUILT_ONCE_LOCK = threading.Lock()
_KEEP_AT_MOST = 512


def run(session: Session | Connection, statement: ClauseElement, params: Mapping[str, Any], *,
        last_write: bool = False) -> list[Any]:
    """Named rows of a statement built once and kept (an lru_cache'd builder's, a module constant's),
    run as a `Prepared` one; a statement with expanding parameters goes through SQLAlchemy as usual.
    `last_write`: the unit of work writes nothing after this statement (see `Prepared._fetch`)."""
    kept = _BUILT_ONCE.get(id(statement))
    if kept is None or kept[0] is not statement:
        try:
            prepared: Prepared | None = Prepared(statement)
            conn = _target(session)
            prepared._for(conn.dialect)
        except ValueError:  # expanding or literal-execute parameters: rendered per call
            prepared = None
        with _BUILT_ONCE_LOCK:
            if len(_BUILT_ONCE) >= _KEEP_AT_MOST:  # a caller that builds statements per request: no leak
                _BUILT_ONCE.clear()
            _BUILT_ONCE[id(statement)] = kept = (statement, prepared)  # keeps the statement alive: id stays its own
    if kept[1] is None:
        conn = session if isinstance(session, Connection) else session.connection()
        return conn.execute(statement, params).all()
    return kept[1].named_rows(session, params, last_write)


def scalar(session: Session | Connection, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
    """The first column of the first row of a built-once statement (`run`), or None without a row."""
    rows = run(session, statement, params)
    return rows[0][0] if rows else None
