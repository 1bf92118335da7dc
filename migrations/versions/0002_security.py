"""security: ids never reused, login sessions named by a random key, registration windows,
summaries sized for sums and the users a run had to skip

Revision ID: 0002_security
Revises: 0008_access_tokens
"""
from alembic import op
import sqlalchemy as sa
import shared.data.types


revision = '0002_security'
down_revision = '0008_access_tokens'
branch_labels = None
depends_on = None


def _sqlite_never_reuse_ids() -> None:
    """Rebuild every table with AUTOINCREMENT (SQLite only; PostgreSQL sequences and SQL Server
    IDENTITY never reuse a value). The copy keeps every row and id, and sqlite_sequence starts
    from the highest id copied."""
    bind = op.get_bind()
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # Dropping a parent table with foreign keys on deletes its children (ON DELETE CASCADE).
        raise RuntimeError("SQLite foreign keys must be off while tables are rebuilt (see migrations/env.py)")
    tables = [name for name in sa.inspect(bind).get_table_names()
              if name != "alembic_version" and not name.startswith("sqlite_")]
    for name in tables:
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def upgrade() -> None:
    op.create_table('registration_windows',
    sa.Column('address', sa.Unicode(length=64), nullable=False),
    sa.Column('window_start', shared.data.types.UTCDateTime(), nullable=False),
    sa.Column('registrations', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_registration_windows')),
    sqlite_autoincrement=True,
    )
    op.create_table('summary_skips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Unicode(length=7), nullable=False),
    sa.Column('reason', sa.Unicode(length=200), nullable=False),
    sa.Column('recorded_at', shared.data.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_summary_skips_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_skips')),
    sa.UniqueConstraint('user_id', 'period', name=op.f('uq_summary_skips_user_id_period')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('summary_skips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_skips_user_id'), ['user_id'], unique=False)

    # Access tokens now name their login by a random key. Existing logins have none, so they end:
    # everyone signs in once more after this upgrade (their old access tokens stop working anyway).
    op.execute("DELETE FROM refresh_tokens")
    op.execute("DELETE FROM auth_sessions")
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.Unicode(length=32), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_auth_sessions_key'), ['key'])

    with op.batch_alter_table('period_summaries', schema=None) as batch_op:
        for column in ('income', 'expenses', 'net'):
            batch_op.alter_column(column,
                                  existing_type=shared.data.types.ExactDecimal(precision=18, scale=2),
                                  type_=shared.data.types.ExactDecimal(precision=28, scale=2, sqlite_scaled_int=True),
                                  existing_nullable=False)

    # Tables created from here on get AUTOINCREMENT from shared/data/migrate.py (tests/test_id_reuse.py
    # checks every table).
    if op.get_context().dialect.name == "sqlite":
        _sqlite_never_reuse_ids()


def downgrade() -> None:
    with op.batch_alter_table('period_summaries', schema=None) as batch_op:
        for column in ('income', 'expenses', 'net'):
            batch_op.alter_column(column,
                                  existing_type=shared.data.types.ExactDecimal(precision=28, scale=2, sqlite_scaled_int=True),
                                  type_=shared.data.types.ExactDecimal(precision=18, scale=2),
                                  existing_nullable=False)
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_auth_sessions_key'), type_='unique')
        batch_op.drop_column('key')
    with op.batch_alter_table('summary_skips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_skips_user_id'))
    op.drop_table('summary_skips')
    op.drop_table('registration_windows')
