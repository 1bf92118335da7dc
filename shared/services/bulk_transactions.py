"""Bulk writes of transactions (a bank file import, a migration, or the benchmark's seed data).

The same rules as POST /api/transactions (Transactions.validate_row, the same references, the
same ledger effects), with the caller's ids and category kinds looked up once; rows are then
inserted in chunks (a constant number of statements per chunk: on PostgreSQL an import's chunk is
one INSERT ... SELECT FROM unnest of arrays) and the balances and kept totals moved once per
account, card, day, month and category.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.data.models import Account, Category, CreditCard, Transaction, User
from shared.data.types import utcnow
from shared.errors import Conflict, Invalid
from shared.schemas.money import TransactionIn
from shared.services import balances, tags
from shared.services.transactions import Transactions

CHUNK = 5000


class BulkRules(Transactions):
    """Transactions' rules with the caller's ids and category kinds looked up once, not per row."""

    def __init__(self, session: Session, user: User):
        self._kinds = dict(session.execute(
            select(Category.id, Category.kind).where(Category.user_id == user.id)).all())
        self._owned = {
            model: set(session.execute(select(model.id).where(model.user_id == user.id)).scalars())
            for model in set(self.references.values())
        }
        self._currencies = {
            model: dict(session.execute(select(model.id, model.currency).where(model.user_id == user.id)).all())
            for model in (Account, CreditCard)
        }

    def holder_currency(self, session: Session, user: User, model, holder_id: int) -> str | None:
        return self._currencies[model].get(holder_id)

    def category_kind(self, session: Session, user: User, category_id: int) -> str | None:
        return self._kinds.get(category_id)

    def check_references(self, session: Session, user: User, values: dict[str, Any]) -> None:
        for field_name, model in self.references.items():
            ref = values.get(field_name)
            if ref is not None and ref not in self._owned[model]:
                raise Invalid(f"{field_name}: no such id {ref}",
                               errors=[{"field": field_name, "message": f"no such id {ref}"}])


def import_transactions(session: Session, user: User, items: Iterable[TransactionIn], *,
                        chunk_size: int = CHUNK) -> int:
    rules = BulkRules(session, user)
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        values = dict(item)
        try:
            rules.check_references(session, user, values)
            rules.validate_row(session, user, values, None)
        except Invalid as exc:
            errors = [{"field": f"{index}.{e['field']}", "message": e["message"]} for e in (exc.errors or [])]
            raise Invalid(f"Item {index}: {exc.detail}", errors=errors) from None
        rows.append(values)
    return len(insert_rows(session, user, rows, chunk_size=chunk_size))


def _insert_skipping_keys(session: Session, columns: tuple[str, ...]):
    """INSERT ... ON CONFLICT (user_id, import_key) DO NOTHING RETURNING id, import_key, where the
    database has it; elsewhere a plain INSERT (a racing duplicate then fails the unique index: 409).
    On PostgreSQL the rows travel as one array per column (INSERT ... SELECT FROM unnest(...)): one
    short statement per chunk, built once, instead of multi-row VALUES with a placeholder per cell
    for the driver to render and the server to parse."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _unnest_insert(columns)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    return dialect_insert(Transaction).on_conflict_do_nothing(
        index_elements=["user_id", "import_key"], index_where=Transaction.import_key.is_not(None),
    ).returning(Transaction.id, Transaction.import_key).execution_options(render_nulls=True)


@lru_cache(maxsize=8)
def _unnest_insert(columns: tuple[str, ...]):
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    table = Transaction.__table__
    rows = func.unnest(*(bindparam(f"column_{name}", type_=ARRAY(table.c[name].type)) for name in columns)
                       ).table_valued(*columns).render_derived()
    return pg_insert(table).from_select(list(columns), select(*rows.c)).on_conflict_do_nothing(
        index_elements=["user_id", "import_key"], index_where=table.c.import_key.is_not(None),
    ).returning(table.c.id, table.c.import_key)


def insert_rows(session: Session, user: User, rows: list[dict[str, Any]], *, chunk_size: int = CHUNK,
                skip_known_keys: bool = False) -> list[dict[str, Any]]:
    """Insert validated transaction values (with `tags` if any) in chunks, move the ledger once, and
    return the rows written. With `skip_known_keys` a row whose `import_key` is already stored (a
    concurrent import of the same line) is left out without an error, and the rows returned carry
    their new `id`."""
    now = utcnow()
    written: list[dict[str, Any]] = []
    # Every row with the same keys, NULLs rendered: the ORM sends one multi-row INSERT per run of rows
    # with equal keys, so a mix of rows with and without a category would otherwise split it up.
    columns = sorted({k for r in rows for k in r if k != "tags"} | {"user_id", "created_at", "updated_at"})
    upsert = _insert_skipping_keys(session, tuple(columns)) if skip_known_keys else None
    as_arrays = upsert is not None and session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(rows), chunk_size):
        chunk = [{**dict.fromkeys(columns), **{k: v for k, v in r.items() if k != "tags"}, "user_id": user.id,
                  "created_at": now, "updated_at": now} for r in rows[start:start + chunk_size]]
        if upsert is not None:
            by_key = {r["import_key"]: r for r in rows[start:start + chunk_size]}
            if as_arrays:
                stored = session.execute(upsert, {f"column_{c}": [r[c] for r in chunk] for c in columns}).all()
            else:
                stored = session.execute(upsert, chunk).all()
            written.extend({**by_key[key], "id": row_id} for row_id, key in stored)
        elif skip_known_keys:
            try:
                with session.begin_nested():
                    stored = session.execute(insert(Transaction).returning(Transaction.id, Transaction.import_key)
                                             .execution_options(render_nulls=True), chunk).all()
            except IntegrityError:  # the unique index refused a line another import wrote meanwhile
                raise Conflict("Another import of the same lines is running; try again in a moment.") from None
            by_key = {r["import_key"]: r for r in rows[start:start + chunk_size]}
            written.extend({**by_key[key], "id": row_id} for row_id, key in stored)
        else:
            session.execute(insert(Transaction).execution_options(render_nulls=True), chunk)
            written.extend(rows[start:start + chunk_size])
    balances.apply_many(session, user.id, written)
    tagged = {r["id"]: r["tags"] for r in written if r.get("tags") and "id" in r}
    if tagged:
        tags.link(session, user.id, tagged, replace=False)
    return written
