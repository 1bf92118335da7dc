"""text search on SQLite: an FTS5 trigram index of transactions' descriptions

Revision ID: 0009_sqlite_text_search
Revises: 0007_trades

`GET /api/transactions?q=` finds the transactions whose description contains the term in any case:
`lower(description) LIKE '%term%'` with the term lower-cased too (on SQLite `lower` is Python's
str.lower, registered on every connection by shared/data/db.py). PostgreSQL answers it from a pg_trgm
GIN index (0003_text_search). SQLite here gets the same kind of index: a contentless FTS5 table with
the trigram tokenizer over `lower(description)`, case-sensitive, so "the lowered description holds
the lowered term" is exactly what it answers, the same test as the LIKE (a folding of its own, such as
FTS5's default case-insensitivity, would differ from str.lower on letters like "İ"). It stores only
the trigrams, not the text, and triggers keep it in step with every insert, description update and
delete (cascades included), so every write path (the API, bulk imports, recurring postings) keeps it
without knowing of it. The search asks it for the rows holding the term (three or more characters)
and still applies the LIKE to them (shared/services/transactions.py).

A later migration that rebuilds `transactions` on SQLite (a batch ALTER: copy, drop, rename) drops
these triggers with the old table and must create them again (tests/money/test_text_search.py checks
they exist at head).

Azure SQL gets nothing here: it has no trigram index (its full-text search matches words and word
prefixes, not substrings inside a word), so there the search reads the caller's own rows through
ix_transactions_user_date, bounded by their history, never by other users'.
"""
from alembic import op

revision = "0009_sqlite_text_search"
down_revision = "0007_trades"
branch_labels = None
depends_on = None

TABLE = "transactions_fts"
TRIGGERS = ("transactions_fts_insert", "transactions_fts_delete", "transactions_fts_update")


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(description, content='', "
               "tokenize='trigram case_sensitive 1')")
    op.execute(f"""CREATE TRIGGER IF NOT EXISTS transactions_fts_insert AFTER INSERT ON transactions
WHEN new.description IS NOT NULL BEGIN
  INSERT INTO {TABLE}(rowid, description) VALUES (new.id, lower(new.description));
END""")
    op.execute(f"""CREATE TRIGGER IF NOT EXISTS transactions_fts_delete AFTER DELETE ON transactions
WHEN old.description IS NOT NULL BEGIN
  INSERT INTO {TABLE}({TABLE}, rowid, description) VALUES ('delete', old.id, lower(old.description));
END""")
    op.execute(f"""CREATE TRIGGER IF NOT EXISTS transactions_fts_update AFTER UPDATE OF description ON transactions
WHEN old.description IS NOT new.description BEGIN
  INSERT INTO {TABLE}({TABLE}, rowid, description)
    SELECT 'delete', old.id, lower(old.description) WHERE old.description IS NOT NULL;
  INSERT INTO {TABLE}(rowid, description)
    SELECT new.id, lower(new.description) WHERE new.description IS NOT NULL;
END""")
    # The rows already there (lower() is the app's, registered on the migration's connection too).
    op.execute(f"INSERT INTO {TABLE}(rowid, description) "
               "SELECT id, lower(description) FROM transactions WHERE description IS NOT NULL")


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
