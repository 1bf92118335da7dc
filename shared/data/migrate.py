"""Apply the Alembic migrations (the embedded SQLite database does this on first use)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Table, event
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@event.listens_for(Table, "before_create")
def _never_reuse_ids(table, connection, **_kw) -> None:
    """Every table created on SQLite (a migration's op.create_table, and the copy a batch operation
    rebuilds a table into) gets AUTOINCREMENT, so no later migration can bring id reuse back."""
    if connection.dialect.name == "sqlite":
        table.dialect_options["sqlite"]["autoincrement"] = True


def alembic_config(connection: Connection | None = None, url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    from alembic import command

    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()


# SQLite's FTS5 index of descriptions (migration 0009_sqlite_text_search) and its shadow tables: an
# index the models do not describe, like PostgreSQL's trigram index, so comparisons leave it out.
FTS_TABLES = frozenset({"transactions_fts", "transactions_fts_data", "transactions_fts_idx",
                        "transactions_fts_docsize", "transactions_fts_config", "transactions_fts_content"})


def described_by_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: everything but the text-search index's tables."""
    return not (type_ == "table" and name in FTS_TABLES)
