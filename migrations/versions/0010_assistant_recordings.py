"""assistant recordings: what the assistant created, for "undo that"

Revision ID: 0010_assistant
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import shared.data.types

revision = "0010_assistant"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistant_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_assistant_recordings_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_recordings")),
    )
    with op.batch_alter_table("assistant_recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistant_recordings_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_assistant_recordings_user_created", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assistant_recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_assistant_recordings_user_created")
        batch_op.drop_index(batch_op.f("ix_assistant_recordings_user_id"))
    op.drop_table("assistant_recordings")
