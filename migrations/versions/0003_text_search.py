"""text search: a trigram index for `GET /api/transactions?q=` on PostgreSQL

Revision ID: 0003_text_search
Revises: 0010_assistant

The search is `lower(description) LIKE '%' || q || '%'` (case folded in every script). Without an
index it reads every one of the caller's transactions, so it slows down as their history grows. On
PostgreSQL a GIN index of the trigrams of lower(description) (pg_trgm) answers a LIKE with a term of
three or more characters from the rows that contain its trigrams, whatever the history's length.

SQLite and Azure SQL get nothing here. Azure SQL has no trigram index (its full-text search matches
words and prefixes, not substrings), so there the search reads the caller's rows through
ix_transactions_user_date: bounded by their own history, never by other users'. SQLite (local and
tests) scans the caller's rows the same way.
"""
from alembic import op

revision = "0003_text_search"
down_revision = "0010_assistant"
branch_labels = None
depends_on = None

INDEX = "ix_transactions_description_trgm"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON transactions USING gin (lower(description) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
