"""The migrations build exactly the models, and the chain is valid for Azure SQL (T-SQL), checked
offline: rendered with Alembic's --sql mode, parsed with sqlglot, plus the rules SQL Server enforces
that a parser does not (index key width, no index on NVARCHAR(max), real BIT booleans)."""
from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
import sqlglot
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy.types import TypeDecorator
from sqlglot import exp

from shared.data.db import build_engine
from shared.data.migrate import alembic_config, described_by_models, upgrade_to_head
from shared.data.models import Base
from tests.conftest import TEST_DATABASE_URL

MAX_NONCLUSTERED_KEY_BYTES = 1700
MAX_CLUSTERED_KEY_BYTES = 900


# --- models and migrations agree -------------------------------------------------------------------

@pytest.fixture(scope="module")
def migrated_engine(tmp_path_factory):
    """A database migrated to head: a fresh SQLite file, or the PostgreSQL test database."""
    url = TEST_DATABASE_URL
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'head.db'}"
    engine = build_engine(url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def test_models_and_migrations_agree(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": described_by_models})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_twice_is_a_no_op(migrated_engine):
    upgrade_to_head(migrated_engine)
    with migrated_engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


# --- the chain as T-SQL ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tsql() -> str:
    config = alembic_config(url="mssql+pyodbc://")
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    return config.output_buffer.getvalue()


def batches(sql: str) -> list[str]:
    return [b.strip() for b in re.split(r"^\s*GO\s*$", sql, flags=re.M) if b.strip()]


def statements(sql: str) -> list[exp.Expression]:
    parsed = []
    for batch in batches(sql):
        parsed.extend(s for s in sqlglot.parse(batch, read="tsql", error_level=sqlglot.ErrorLevel.RAISE) if s)
    return parsed


def test_rendered_chain_creates_every_table(tsql):
    created = {s.this.this.name for s in statements(tsql) if isinstance(s, exp.Create) and s.kind == "TABLE"}
    assert {t.name for t in Base.metadata.sorted_tables} <= created


def test_every_rendered_statement_parses_as_tsql(tsql):
    unparsed = [s.sql()[:80] for s in statements(tsql) if isinstance(s, exp.Command)]
    assert unparsed == []


def test_text_search_index_is_postgresql_only(tsql):
    # Azure SQL has no trigram index: the search reads the caller's rows there (0003_text_search).
    assert "gin_trgm_ops" not in tsql and "ix_transactions_description_trgm" not in tsql
    assert "0003_text_search" in tsql  # the revision is in the chain all the same


def test_sqlite_text_search_index_is_sqlite_only(tsql):
    # Azure SQL has no trigram index either (its full-text search matches words and prefixes, not
    # substrings): the search reads the caller's rows there (0009_sqlite_text_search).
    assert "fts5" not in tsql.lower() and "transactions_fts" not in tsql
    assert "0009_sqlite_text_search" in tsql  # the revision is in the chain all the same


def test_booleans_render_as_bit(tsql):
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Boolean):
                assert re.search(rf"\b{column.name} BIT\b", tsql), f"{table.name}.{column.name}"


def test_no_column_renders_as_deprecated_text_type(tsql):
    assert not re.search(r"\s(N?TEXT|IMAGE)\b", tsql)


def test_dates_render_as_date(tsql):
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Date):
                assert re.search(rf"\b{column.name} DATE\b", tsql), f"{table.name}.{column.name}"


def test_text_columns_are_unicode_on_sql_server(tsql):
    assert not re.search(r"\b(?<!N)VARCHAR\(", tsql.split("-- Running upgrade", 1)[1])


# --- metadata rules SQL Server enforces -----------------------------------------------------------

def _base_type(column):
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl if not isinstance(kind.impl, type) else kind.impl()
    return kind


def key_bytes(column) -> float:
    kind = _base_type(column)
    if isinstance(kind, (Text,)) or (isinstance(kind, String) and kind.length is None):
        return float("inf")
    if isinstance(kind, String):
        return 2 * kind.length  # NVARCHAR: two bytes a character
    if isinstance(kind, Boolean):
        return 1
    if isinstance(kind, BigInteger):
        return 8
    if isinstance(kind, Integer):
        return 4
    if isinstance(kind, DateTime):
        return 8
    if isinstance(kind, Date):
        return 3
    if isinstance(kind, Numeric):
        precision = kind.precision or 18
        return 5 if precision <= 9 else 9 if precision <= 19 else 13 if precision <= 28 else 17
    raise AssertionError(f"unknown key width for {column.table.name}.{column.name}: {kind!r}")


def keys():
    """Every index, unique constraint and primary key: (name, columns, clustered)."""
    for table in Base.metadata.sorted_tables:
        yield f"{table.name} primary key", list(table.primary_key.columns), True
        for index in table.indexes:
            yield index.name, list(index.columns), False
        for constraint in table.constraints:
            if constraint.__class__.__name__ == "UniqueConstraint":
                yield constraint.name, list(constraint.columns), False


def test_no_index_or_unique_key_on_an_unbounded_string():
    unbounded = [name for name, columns, _ in keys() if any(key_bytes(c) == float("inf") for c in columns)]
    assert unbounded == []


def test_every_index_key_fits_sql_servers_limit():
    too_wide = [(name, sum(map(key_bytes, columns))) for name, columns, clustered in keys()
                if sum(map(key_bytes, columns)) > (MAX_CLUSTERED_KEY_BYTES if clustered
                                                   else MAX_NONCLUSTERED_KEY_BYTES)]
    assert too_wide == []


def test_unique_keys_on_nullable_columns_are_filtered_on_sql_server():
    # SQL Server's unique keys treat NULLs as equal: a second NULL would be a duplicate.
    unfiltered = []
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            filtered = "where" in index.dialect_options["mssql"]._non_defaults
            if index.unique and any(c.nullable for c in index.columns) and not filtered:
                unfiltered.append(index.name)
        for constraint in table.constraints:
            if constraint.__class__.__name__ == "UniqueConstraint" and any(c.nullable for c in constraint.columns):
                unfiltered.append(constraint.name)
    assert unfiltered == []


def test_booleans_are_real_booleans():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name.startswith(("is_", "has_")) or column.name in {"manual", "active", "enabled"}:
                assert isinstance(_base_type(column), Boolean), f"{table.name}.{column.name}"


def cascade_paths() -> dict[tuple[str, str], int]:
    """How many ON DELETE CASCADE routes lead from one table to another."""
    edges = defaultdict(list)
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if (fk.ondelete or "").upper() in {"CASCADE", "SET NULL", "SET DEFAULT"}:
                edges[fk.column.table.name].append(table.name)
    counts: dict[tuple[str, str], int] = defaultdict(int)

    def walk(origin, node):
        for child in edges[node]:
            counts[(origin, child)] += 1
            walk(origin, child)

    for table in Base.metadata.sorted_tables:
        walk(table.name, table.name)
    return counts


def test_cascades_reach_each_table_by_one_path_only():
    assert {pair: n for pair, n in cascade_paths().items() if n > 1} == {}
