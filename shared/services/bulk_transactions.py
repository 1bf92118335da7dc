"""Bulk import of transactions (a bank export, a migration, or the benchmark's seed data).

The same rules as POST /api/transactions (Transactions.validate_row, the same references, the
same ledger effects), checked for every item before anything is written; rows are then inserted
with executemany in chunks and the balances moved once per account or card.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shared.errors import Invalid
from shared.data.models import Category, Transaction, User
from shared.schemas.money import TransactionIn
from shared.services import balances
from shared.services.transactions import Transactions
from shared.data.types import utcnow


class _ImportRules(Transactions):
    """Transactions' rules with the caller's ids and category kinds looked up once, not per row."""

    def __init__(self, session: Session, user: User):
        self._kinds = dict(session.execute(
            select(Category.id, Category.kind).where(Category.user_id == user.id)).all())
        self._owned = {
            model: set(session.execute(select(model.id).where(model.user_id == user.id)).scalars())
            for model in set(self.references.values())
        }

    def category_kind(self, session: Session, user: User, category_id: int) -> str | None:
        return self._kinds.get(category_id)

    def check_references(self, session: Session, user: User, values: dict[str, Any]) -> None:
        for field_name, model in self.references.items():
            ref = values.get(field_name)
            if ref is not None and ref not in self._owned[model]:
                raise Invalid(f"{field_name}: no such id {ref}",
                               errors=[{"field": field_name, "message": f"no such id {ref}"}])


def import_transactions(session: Session, user: User, items: Iterable[TransactionIn], *,
                        chunk_size: int = 5000) -> int:
    rules = _ImportRules(session, user)
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for index, item in enumerate(items):
        values = dict(item)
        values.pop("tags", None)
        try:
            rules.check_references(session, user, values)
            rules.validate_row(session, user, values, None)
        except Invalid as exc:
            errors = [{"field": f"{index}.{e['field']}", "message": e["message"]} for e in (exc.errors or [])]
            raise Invalid(f"Item {index}: {exc.detail}", errors=errors) from None
        rows.append({**values, "user_id": user.id, "created_at": now, "updated_at": now})
    for start in range(0, len(rows), chunk_size):
        session.execute(insert(Transaction), rows[start:start + chunk_size])
    balances.apply_many(session, user.id, rows)
    return len(rows)
