"""Alembic environment: online against a connection or URL, offline (--sql) for any dialect."""
from __future__ import annotations

from contextlib import contextmanager

from alembic import context

import shared.data.migrate  # noqa: F401 - every table a migration creates on SQLite gets AUTOINCREMENT
from shared.data.migrate import described_by_models
from shared.data.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from shared.data.config import get_settings

    return get_settings().database_url


AZURE_SQL_VERSION = (16, 0)  # what an Azure SQL Database reports; offline there is no server to ask


def run_offline() -> None:
    url = _url()
    options = {"paramstyle": "named"}
    if url.startswith("mssql"):
        options["deprecate_large_types"] = True  # NVARCHAR(max), not the deprecated TEXT
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
        dialect_opts=options,
    )
    dialect = context.get_context().dialect
    if dialect.name == "mssql":
        # Without a connection the dialect assumes SQL Server 2000 and renders DATE as DATETIME.
        dialect.server_version_info = AZURE_SQL_VERSION
        dialect._setup_version_attributes()
        dialect._supports_nvarchar_max = True
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from shared.data.db import build_engine

    engine = build_engine(_url())
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
        include_object=described_by_models,
    )
    with _sqlite_foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """SQLite rebuilds a table to change it (copy, DROP, rename); with foreign keys on, the DROP of a
    parent would delete its children. The pragma only takes effect outside a transaction, so it is
    set on the driver's connection before the migrations begin, and set back after."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
