"""ledger refusal: PostgreSQL's ledger statement refuses a write past a limit itself

Revision ID: 0012_ledger_refusal
Revises: 0011_daily_totals_by_day

On PostgreSQL a write's ledger (its balance UPDATEs and kept-total upserts, and a create's INSERT) is
one statement (shared/services/balances.py). Each part moves a row only within the limits, and the
statement used to report how many rows each part moved, for the app to compare and roll back. A
create that is the whole of its unit of work now sends that statement on its own, committed by the
database as it runs (no BEGIN and COMMIT round trips): the comparison has to happen inside the
statement, and a refusal has to undo it. `ledger_refused(part)` raises an error with the SQLSTATE
'FL001' (a class of its own, so no other error is mistaken for it); the statement calls it where a
part moved fewer rows than it was given, and the error rolls the whole statement back.

Other databases: nothing (their ledger runs a statement per row inside the unit of work's
transaction, and the app compares there).
"""
from alembic import op

revision = "0012_ledger_refusal"
down_revision = "0011_daily_totals_by_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION ledger_refused(part text) RETURNS bigint
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RAISE EXCEPTION 'ledger refused: %', part USING ERRCODE = 'FL001';
        END
        $$
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS ledger_refused(text)")
