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
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func as sqlfunc, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.errors import Invalid, invalid
from shared.data.models import Account, CreditCard, MonthlyTotal
from shared.data.types import Money, UTCDateTime, utcnow
from shared.schemas import MAX_MONEY

def _postgresql_insert(table):
    from sqlalchemy.dialects.postgresql import insert

    return insert(table)


def _sqlite_insert(table):
    from sqlalchemy.dialects.sqlite import insert

    return insert(table)


_UPSERTS = {"postgresql": _postgresql_insert, "sqlite": _sqlite_insert}
BalanceKey = tuple[type, int]
# The largest figures this ledger keeps, either sign (README "Limits"): a balance is never larger than
# an amount or an opening balance may be, so any balance can be written back as one; a kept monthly
# total (one category's month) fills its Numeric(18, 2) column. Writes past either are a 422.
BALANCE_LIMIT = MAX_MONEY
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
        moves = [(model, row_id, delta) for (model, row_id), delta
                 in sorted(self.balances.items(), key=lambda kv: (kv[0][0].__name__, kv[0][1])) if delta]
        totals = [(key, amount, count) for key, (amount, count) in sorted(self.totals.items()) if amount or count]
        if (moves or totals) and session.get_bind().dialect.name == "postgresql":
            return _apply_in_one_statement(session, user_id, moves, totals)
        for model, row_id, delta in moves:
            move_balance(session, model, row_id, delta)
        for key, amount, count in totals:
            add_to_total(session, user_id, key, amount, count)


def move_balance(session: Session, model: type, row_id: int, delta: Decimal, field_name: str = "amount") -> None:
    """balance += delta in one statement, refused (422 on `field_name`) past the balance limit."""
    if delta and session.execute(_move(model, row_id, delta)).rowcount != 1:
        raise _past_balance_limit(field_name)


def _move(model: type, row_id: int, delta: Decimal):
    """Add `delta` to one balance unless that takes it past the balance limit (then no row is updated)."""
    return update(model).where(
        model.id == row_id, model.balance + delta <= BALANCE_LIMIT, model.balance + delta >= -BALANCE_LIMIT,
    ).values(balance=model.balance + delta)


def _apply_in_one_statement(session: Session, user_id: int, moves: list, totals: list) -> None:
    """PostgreSQL: every balance UPDATE and monthly-total upsert of a write in one statement (data-
    modifying CTEs, read in the sorted order), one round trip instead of one per row; each part
    reports the rows it changed, so a refused one is still told apart."""
    # No parameter is named like a column: an UPDATE would take it as one more column to SET.
    params: dict[str, Any] = {"owner": user_id, "now": utcnow(), "high": COLUMN_LIMIT, "low": -COLUMN_LIMIT,
                              "balance_high": BALANCE_LIMIT, "balance_low": -BALANCE_LIMIT}
    for i, (_, row_id, delta) in enumerate(moves):
        params.update({f"row_{i}": row_id, f"delta_{i}": delta})
    for i, ((month, kind, category_key), amount, count) in enumerate(totals):
        params.update({f"month_{i}": month, f"type_{i}": kind, f"category_{i}": category_key,
                       f"amount_{i}": amount, f"count_{i}": count})
    statement = _ledger_statement(tuple(model for model, _, _ in moves), len(totals))
    changed = session.execute(statement, params).one()
    if any(n != 1 for n in changed[:len(moves)]):
        raise _past_balance_limit("amount")
    if any(n != 1 for n in changed[len(moves):]):
        raise _past_limit("monthly total")


@lru_cache(maxsize=64)
def _ledger_statement(models: tuple[type, ...], totals: int):
    """The one statement for a shape of write (which balances, how many totals), built once with
    bound parameters: building it costs more CPU than running it."""
    from sqlalchemy.dialects.postgresql import insert

    high, low = bindparam("high", type_=Money()), bindparam("low", type_=Money())
    balance_high, balance_low = bindparam("balance_high", type_=Money()), bindparam("balance_low", type_=Money())
    parts = []
    for i, model in enumerate(models):
        delta = bindparam(f"delta_{i}", type_=Money())
        parts.append(update(model).where(
            model.id == bindparam(f"row_{i}"), model.balance + delta <= balance_high,
            model.balance + delta >= balance_low,
        ).values(balance=model.balance + delta, updated_at=bindparam("now", type_=UTCDateTime()))
            .returning(model.id).cte(f"balance_{i}"))
    for i in range(totals):
        row = insert(MonthlyTotal).values(
            user_id=bindparam("owner"), month=bindparam(f"month_{i}"), type=bindparam(f"type_{i}"),
            category_key=bindparam(f"category_{i}"), total=bindparam(f"amount_{i}", type_=Money()),
            count=bindparam(f"count_{i}"))
        parts.append(row.on_conflict_do_update(
            index_elements=["user_id", "month", "type", "category_key"],
            set_={"total": MonthlyTotal.total + row.excluded.total, "count": MonthlyTotal.count + row.excluded.count},
            where=(MonthlyTotal.total + row.excluded.total).between(low, high),
        ).returning(MonthlyTotal.id).cte(f"total_{i}"))
    return select(*[select(sqlfunc.count()).select_from(part).scalar_subquery() for part in parts])


def _past_balance_limit(field_name: str) -> Invalid:
    return invalid(field_name, f"would take the balance past ±{BALANCE_LIMIT}, the largest balance kept")


def _past_limit(what: str) -> Invalid:
    return invalid("amount", f"would take a {what} past ±{COLUMN_LIMIT}, the largest this ledger keeps")


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
        stored = session.execute(_total_upsert(dialect, user_id, key, amount, count)).first()
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


def _total_upsert(dialect: str, user_id: int, key: TotalKey, amount: Decimal, count: int):
    """INSERT ... ON CONFLICT DO UPDATE of one monthly total, RETURNING its id unless the sum would
    leave the column (then the WHERE refuses the update and no row comes back)."""
    month, kind, category_key = key
    insert = _UPSERTS[dialect](MonthlyTotal).values(user_id=user_id, month=month, type=kind,
                                                    category_key=category_key, total=amount, count=count)
    return insert.on_conflict_do_update(
        index_elements=["user_id", "month", "type", "category_key"],
        set_={"total": MonthlyTotal.total + insert.excluded.total,
              "count": MonthlyTotal.count + insert.excluded.count},
        where=(MonthlyTotal.total + insert.excluded.total).between(-COLUMN_LIMIT, COLUMN_LIMIT),
    ).returning(MonthlyTotal.id)


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
