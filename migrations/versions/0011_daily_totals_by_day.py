"""daily totals by day: an index on (user_id, day) for the reports' reads of daily_totals

Revision ID: 0011_daily_totals_by_day
Revises: 0009_sqlite_text_search

A report reads the kept daily totals of its range (foreign currencies over the whole range, the
user's own currency on the days of a partly covered month): `user_id = ? AND day BETWEEN ? AND ?`
with no equality on the currency. The unique key (user_id, currency, day, ...) cannot serve that
range, so the read walked every daily total of the user, growing with their history (18,000 rows for
a user of 1,000,000 transactions over three currencies). This index makes it a range scan of the
days asked for, whatever the history's length, on every database.
"""
from alembic import op

revision = "0011_daily_totals_by_day"
down_revision = "0009_sqlite_text_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_daily_totals_user_day", "daily_totals", ["user_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_daily_totals_user_day", table_name="daily_totals")
