"""personal access tokens

Revision ID: 0008_access_tokens
Revises: 0005_tags_rules_imports
"""
from alembic import op
import sqlalchemy as sa
import shared.data.types


revision = "0008_access_tokens"
down_revision = "0005_tags_rules_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Unicode(length=100), nullable=False),
        sa.Column("lookup", sa.Unicode(length=16), nullable=False),
        sa.Column("token_hash", sa.Unicode(length=64), nullable=False),
        sa.Column("scopes", sa.Unicode(length=32), nullable=False),
        sa.Column("created_at", shared.data.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", shared.data.types.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", shared.data.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_access_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("lookup", name=op.f("uq_access_tokens_lookup")),
    )
    op.create_index(op.f("ix_access_tokens_user_id"), "access_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_access_tokens_user_id"), table_name="access_tokens")
    op.drop_table("access_tokens")
