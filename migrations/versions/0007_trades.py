"""asset trades: buys, sells, dividends, fees and splits; each asset's first buy becomes its first trade

Revision ID: 0007_trades
Revises: 0004_currencies
"""
from alembic import op
import sqlalchemy as sa
import shared.data.types


revision = "0007_trades"
down_revision = "0004_currencies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.Unicode(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("quantity", shared.data.types.ExactDecimal(precision=28, scale=8), nullable=True),
        sa.Column("price", shared.data.types.ExactDecimal(precision=28, scale=8), nullable=True),
        sa.Column("amount", shared.data.types.ExactDecimal(precision=18, scale=2), nullable=True),
        sa.Column("fee", shared.data.types.ExactDecimal(precision=18, scale=2), nullable=True),
        sa.Column("initial", sa.Boolean(), nullable=False),
        sa.Column("created_at", shared.data.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", shared.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name=op.f("fk_asset_trades_asset_id_assets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_trades")),
    )
    with op.batch_alter_table("asset_trades", schema=None) as batch_op:
        batch_op.create_index("ix_asset_trades_asset_id_date", ["asset_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_asset_trades_user_id"), ["user_id"], unique=False)

    # Every existing asset's first buy becomes its first trade, so every history reads the same way.
    # The columns have the same types on both sides, so the stored values are copied as they are.
    assets = sa.table("assets", *(sa.column(name) for name in (
        "id", "user_id", "purchase_date", "quantity", "amount_invested", "created_at", "updated_at")))
    trades = sa.table("asset_trades", *(sa.column(name) for name in (
        "asset_id", "user_id", "type", "date", "quantity", "amount", "initial", "created_at", "updated_at")))
    op.execute(trades.insert().from_select(
        ["asset_id", "user_id", "type", "date", "quantity", "amount", "initial", "created_at", "updated_at"],
        sa.select(assets.c.id, assets.c.user_id, sa.literal("buy"), assets.c.purchase_date, assets.c.quantity,
                  assets.c.amount_invested, sa.true(), assets.c.created_at, assets.c.updated_at),
    ))


def downgrade() -> None:
    with op.batch_alter_table("asset_trades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_trades_user_id"))
        batch_op.drop_index("ix_asset_trades_asset_id_date")
    op.drop_table("asset_trades")
