"""What a transaction does to the numbers kept beside it, in the same database transaction:

- account and card `balance` columns (UPDATE ... SET balance = balance + delta), and
- `monthly_totals`: the sum and count per user, month, type and category.

So reading a balance is one row, and a report over whole months reads one row per month and
category instead of every transaction. `apply_change(before, after)` is the one entry point:
`before` None for a create, `after` None for a delete.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.errors import Invalid, invalid
from shared.data.models import Account, CreditCard, MonthlyTotal

def _postgresql_insert(table):
    from sqlalchemy.dialects.postgresql import insert

    return insert(table)


def _sqlite_insert(table):
    from sqlalchemy.dialects.sqlite import insert

    return insert(table)


_UPSERTS = {"postgresql": _postgresql_insert, "sqlite": _sqlite_insert}
BalanceKey = tuple[type, int]
COLUMN_LIMIT = Decimal("9999999999999999.99")  # Numeric(18, 2)
TotalKey = tuple[dt.date, str, int]  # (first day of the month, type, category id or 0)


def balance_effects(values: Mapping[str, Any]) -> dict[BalanceKey, Decimal]:
    """How a transaction moves balances: {(Account or CreditCard, id): delta}."""
    amount: Decimal = values["amount"]
    kind = values["type"]
    effects: dict[BalanceKey, Decimal] = defaultdict(Decimal)
    if kind == "income":
        if values.get("account_id"):
            effects[(Account, values["account_id"])] += amount
        if values.get("credit_card_id"):
            effects[(CreditCard, values["credit_card_id"])] -= amount  # a refund lowers what is owed
    elif kind == "expense":
        if values.get("account_id"):
            effects[(Account, values["account_id"])] -= amount
        if values.get("credit_card_id"):
            effects[(CreditCard, values["credit_card_id"])] += amount  # a charge raises what is owed
    elif kind == "transfer":
        effects[(Account, values["account_id"])] -= amount
        if values.get("to_account_id"):
            effects[(Account, values["to_account_id"])] += amount
        if values.get("to_credit_card_id"):
            effects[(CreditCard, values["to_credit_card_id"])] -= amount  # a payment lowers it
    return effects


def total_key(values: Mapping[str, Any]) -> TotalKey:
    day: dt.date = values["date"]
    return day.replace(day=1), values["type"], values.get("category_id") or 0


class Change:
    """Deltas gathered from any number of transactions, applied once."""

    def __init__(self) -> None:
        self.balances: dict[BalanceKey, Decimal] = defaultdict(Decimal)
        self.totals: dict[TotalKey, list] = defaultdict(lambda: [Decimal(0), 0])

    def add(self, values: Mapping[str, Any], sign: int = 1) -> "Change":
        for key, delta in balance_effects(values).items():
            self.balances[key] += delta * sign
        entry = self.totals[total_key(values)]
        entry[0] += values["amount"] * sign
        entry[1] += sign
        return self

    def apply(self, session: Session, user_id: int) -> None:
        # Sorted, so two concurrent writes take row locks in the same order (no deadlock).
        for (model, row_id), delta in sorted(self.balances.items(), key=lambda kv: (kv[0][0].__name__, kv[0][1])):
            if delta:
                moved = session.execute(update(model).where(
                    model.id == row_id, model.balance + delta <= COLUMN_LIMIT, model.balance + delta >= -COLUMN_LIMIT,
                ).values(balance=model.balance + delta))
                if moved.rowcount != 1:
                    raise _past_limit("balance")
        for key, (amount, count) in sorted(self.totals.items()):
            if amount or count:
                add_to_total(session, user_id, key, amount, count)


def _past_limit(what: str) -> Invalid:
    return invalid("amount", f"would take a {what} past {COLUMN_LIMIT}, the largest this ledger keeps")


def apply_change(session: Session, user_id: int, before: Mapping[str, Any] | None,
                 after: Mapping[str, Any] | None) -> None:
    change = Change()
    if before is not None:
        change.add(before, -1)
    if after is not None:
        change.add(after, +1)
    change.apply(session, user_id)


def add_to_total(session: Session, user_id: int, key: TotalKey, amount: Decimal, count: int) -> None:
    """Upsert one monthly total: one INSERT ... ON CONFLICT DO UPDATE where the database has it
    (PostgreSQL, SQLite); elsewhere UPDATE, else INSERT, and a racing INSERT falls back to UPDATE."""
    month, kind, category_key = key
    dialect = session.get_bind().dialect.name
    if dialect in _UPSERTS:
        insert = _UPSERTS[dialect](MonthlyTotal).values(user_id=user_id, month=month, type=kind,
                                                        category_key=category_key, total=amount, count=count)
        stored = session.execute(insert.on_conflict_do_update(
            index_elements=["user_id", "month", "type", "category_key"],
            set_={"total": MonthlyTotal.total + insert.excluded.total,
                  "count": MonthlyTotal.count + insert.excluded.count},
            where=(MonthlyTotal.total + insert.excluded.total).between(-COLUMN_LIMIT, COLUMN_LIMIT),
        ).returning(MonthlyTotal.id)).first()
        if stored is None:  # the WHERE refused the update
            raise _past_limit("monthly total")
        return
    where = (MonthlyTotal.user_id == user_id, MonthlyTotal.month == month, MonthlyTotal.type == kind,
             MonthlyTotal.category_key == category_key)
    increment = update(MonthlyTotal).where(*where).values(total=MonthlyTotal.total + amount,
                                                            count=MonthlyTotal.count + count)
    exists = session.execute(select(MonthlyTotal.total).where(*where)).scalar_one_or_none()
    if exists is not None:
        if abs(exists + amount) > COLUMN_LIMIT:
            raise _past_limit("monthly total")
        session.execute(increment)
        return
    try:
        with session.begin_nested():
            session.add(MonthlyTotal(user_id=user_id, month=month, type=kind, category_key=category_key,
                                     total=amount, count=count))
    except IntegrityError:  # another transaction created the row a moment ago
        session.execute(increment)


def move_category(session: Session, user_id: int, old_id: int, new_id: int) -> None:
    """The totals of a category whose transactions were moved to another one follow them."""
    rows = session.execute(select(MonthlyTotal.month, MonthlyTotal.type, MonthlyTotal.total, MonthlyTotal.count)
                           .where(MonthlyTotal.user_id == user_id, MonthlyTotal.category_key == old_id)).all()
    for month, kind, total, count in rows:
        add_to_total(session, user_id, (month, kind, new_id), total, count)
    forget_category(session, user_id, old_id)


def forget_category(session: Session, user_id: int, category_id: int) -> None:
    session.execute(delete(MonthlyTotal).where(MonthlyTotal.user_id == user_id,
                                               MonthlyTotal.category_key == category_id))


def apply_many(session: Session, user_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
    change = Change()
    for values in rows:
        change.add(values)
    change.apply(session, user_id)
