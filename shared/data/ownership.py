"""Which tables hold a user's rows, read from the model metadata (never a hand-kept list): `users`
itself, every table with a NOT NULL `user_id`, and every table that reaches an owned table through a
NOT NULL foreign key (a goal's contributions, an asset's prices, a login's refresh tokens). The
delete-my-account cleanup and the isolation tests walk this; a table the rules cannot place fails
loudly, naming it, instead of being silently left out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, Table, or_, select
from sqlalchemy.sql.elements import ColumnElement

OWNER_TABLE = "users"
OWNER_COLUMN = "user_id"
# Tables that hold no one user's rows (counters keyed by name or address, the job's runs). A new table
# that is neither owned nor named here is refused by owned_tables().
SHARED_TABLES = frozenset({"login_failure_windows", "registration_windows", "summary_runs", "reference_fx_rates"})


class OwnershipUnknown(RuntimeError):
    """The metadata has a table whose rows cannot be tied to a user, nor is it declared shared."""


@dataclass(frozen=True)
class OwnedTable:
    table: Table
    # For a table without user_id: (its key column, the owned table that key points at), every one.
    through: tuple[tuple[Column, OwnedTable], ...] = ()

    def rows_of(self, user_ids: Iterable[int]) -> ColumnElement[bool]:
        """A WHERE clause for the rows of these users in this table."""
        ids = list(user_ids)
        if self.table.name == OWNER_TABLE:
            return self.table.c.id.in_(ids)
        if not self.through:
            return self.table.c[OWNER_COLUMN].in_(ids)
        return or_(*(key.in_(select(_referenced(key)).where(parent.rows_of(ids))) for key, parent in self.through))


def _referenced(key: Column) -> Column:
    (fk,) = key.foreign_keys
    return fk.column


def owned_tables(metadata: MetaData | None = None, shared: frozenset[str] = SHARED_TABLES) -> list[OwnedTable]:
    """Every table holding a user's rows, parents first (`users` first; delete in reverse)."""
    if metadata is None:
        from shared.data.models import Base

        metadata = Base.metadata
    owned: dict[str, OwnedTable] = {}
    problems = []
    for table in metadata.sorted_tables:  # parents before children, so a parent is placed first
        if table.name == OWNER_TABLE:
            owned[table.name] = OwnedTable(table)
        elif OWNER_COLUMN in table.c:
            column = table.c[OWNER_COLUMN]
            if column.nullable:  # (a foreign key to users.id is not required: SQL Server allows one cascade path)
                problems.append(f"{table.name}.{OWNER_COLUMN} may be NULL: a row must name its owner")
            else:
                owned[table.name] = OwnedTable(table)
        else:
            keys = [(fk.parent, owned[fk.column.table.name]) for fk in table.foreign_keys
                    if fk.column.table.name in owned]
            required = tuple((key, parent) for key, parent in keys if not key.nullable)
            if required:
                owned[table.name] = OwnedTable(table, required)
            elif table.name not in shared:
                problems.append(
                    f"{table.name}: no {OWNER_COLUMN} column and no NOT NULL foreign key to an owned table; give it "
                    f"{OWNER_COLUMN} (shared.data.models.base.owner_id_column) or, if it holds no user's rows, add it "
                    "to shared.data.ownership.SHARED_TABLES")
    missing = shared - set(metadata.tables)
    if missing:
        problems.append(f"SHARED_TABLES names tables the models do not have: {sorted(missing)}")
    if problems:
        raise OwnershipUnknown("cannot tell whose rows these tables hold:\n  " + "\n  ".join(problems))
    return list(owned.values())
