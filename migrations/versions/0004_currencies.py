"""currencies: a currency on every money holder and transaction, exchange rates, kept daily totals

Revision ID: 0004_currencies
Revises: 0002_security
"""
from alembic import op
import sqlalchemy as sa
import shared.data.types


revision = "0004_currencies"
down_revision = "0002_security"
branch_labels = None
depends_on = None

HOLDERS = ("accounts", "credit_cards", "assets", "transactions")


def upgrade() -> None:
    # Every existing holder and transaction is in its owner's currency (the only one there was).
    for table in HOLDERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("currency", sa.Unicode(length=3), nullable=False, server_default="USD"))
        op.execute(f"UPDATE {table} SET currency = (SELECT users.currency FROM users WHERE users.id = {table}.user_id)")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_amount", shared.data.types.ExactDecimal(precision=18, scale=2), nullable=True))

    with op.batch_alter_table("monthly_totals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.Unicode(length=3), nullable=False, server_default="USD"))
        batch_op.drop_constraint("uq_monthly_totals_user_id_month_type_category_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_monthly_totals_user_id_month_type_category_key_currency"),
                                          ["user_id", "month", "type", "category_key", "currency"])
    op.execute("UPDATE monthly_totals SET currency = "
               "(SELECT users.currency FROM users WHERE users.id = monthly_totals.user_id)")

    op.create_table("fx_rates",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("base", sa.Unicode(length=3), nullable=False),
    sa.Column("quote", sa.Unicode(length=3), nullable=False),
    sa.Column("rate", shared.data.types.ExactDecimal(precision=28, scale=10), nullable=False),
    sa.Column("created_at", shared.data.types.UTCDateTime(), nullable=False),
    sa.Column("updated_at", shared.data.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_fx_rates_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
    sa.UniqueConstraint("user_id", "base", "quote", "date", name=op.f("uq_fx_rates_user_id_base_quote_date"))
    )
    with op.batch_alter_table("fx_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fx_rates_user_id"), ["user_id"], unique=False)

    op.create_table("reference_fx_rates",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("base", sa.Unicode(length=3), nullable=False),
    sa.Column("quote", sa.Unicode(length=3), nullable=False),
    sa.Column("rate", shared.data.types.ExactDecimal(precision=28, scale=10), nullable=False),
    sa.Column("fetched_at", shared.data.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_fx_rates")),
    sa.UniqueConstraint("base", "quote", "date", name=op.f("uq_reference_fx_rates_base_quote_date"))
    )

    op.create_table("daily_totals",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("type", sa.Unicode(length=8), nullable=False),
    sa.Column("category_key", sa.Integer(), nullable=False),
    sa.Column("currency", sa.Unicode(length=3), nullable=False),
    sa.Column("total", shared.data.types.ExactDecimal(precision=18, scale=2), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_daily_totals_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_totals")),
    sa.UniqueConstraint("user_id", "currency", "day", "type", "category_key",
                        name=op.f("uq_daily_totals_user_id_currency_day_type_category_key"))
    )
    with op.batch_alter_table("daily_totals", schema=None) as batch_op:
        batch_op.create_index("ix_daily_totals_user_category", ["user_id", "category_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_daily_totals_user_id"), ["user_id"], unique=False)
    # The daily totals of the transactions already there, in one set-based statement.
    op.execute("INSERT INTO daily_totals (user_id, day, type, category_key, currency, total, count) "
               "SELECT user_id, date, type, COALESCE(category_id, 0), currency, SUM(amount), COUNT(*) "
               "FROM transactions GROUP BY user_id, date, type, COALESCE(category_id, 0), currency")


def downgrade() -> None:
    op.drop_table("daily_totals")
    op.drop_table("reference_fx_rates")
    op.drop_table("fx_rates")
    with op.batch_alter_table("monthly_totals", schema=None) as batch_op:
        batch_op.drop_constraint("uq_monthly_totals_user_id_month_type_category_key_currency", type_="unique")
        batch_op.drop_column("currency")
        batch_op.create_unique_constraint("uq_monthly_totals_user_id_month_type_category_key",
                                          ["user_id", "month", "type", "category_key"])
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_column("to_amount")
    for table in HOLDERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("currency")
