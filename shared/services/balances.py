"""What a transaction does to the numbers kept beside it, in the same database transaction:

- account and card `balance` columns (UPDATE ... SET balance = balance + delta), each in its own
  currency: a transfer across currencies takes `amount` from the source and adds `to_amount` to the
  destination, so both balances stay exact;
- `monthly_totals`: the sum and count per user, month, type, category and currency, and
- `daily_totals`: the same per day, which reports read for the amounts not in the user's currency,
  to convert each day's sum at that day's rate (shared/services/fx.py).

So reading a balance is one row, and a report over whole months reads one row per month and
category (plus, for foreign currencies, one per day) instead of every transaction.
`apply_change(before, after)` is the one entry point: `before` None for a create, `after` None for a delete.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, Numeric, Unicode, bindparam, case, delete, literal, select, update
from sqlalchemy import func as sqlfunc
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from shared.data import prepared
from shared.data.models import Account, CreditCard, DailyTotal, MonthlyTotal
from shared.data.types import Money, UTCDateTime, utcnow
from shared.errors import Invalid, invalid
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
TotalKey = tuple[dt.date, str, int, str]  # (first day of the month or the day, type, category id or 0, currency)


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
        arrived: Decimal = values.get("to_amount") or amount  # in the destination's currency
        effects[(Account, values["account_id"])] -= amount
        if values.get("to_account_id"):
            effects[(Account, values["to_account_id"])] += arrived
        if values.get("to_credit_card_id"):
            effects[(CreditCard, values["to_credit_card_id"])] -= arrived  # a payment lowers it
    return effects


def total_key(values: Mapping[str, Any]) -> TotalKey:
    day: dt.date = values["date"]
    return day.replace(day=1), values["type"], values.get("category_id") or 0, values["currency"]


def daily_key(values: Mapping[str, Any]) -> TotalKey:
    return values["date"], values["type"], values.get("category_id") or 0, values["currency"]


class Change:
    """Deltas gathered from any number of transactions, applied once."""

    def __init__(self) -> None:
        self.balances: dict[BalanceKey, Decimal] = defaultdict(Decimal)
        self.totals: dict[TotalKey, list] = defaultdict(lambda: [Decimal(0), 0])
        self.daily: dict[TotalKey, list] = defaultdict(lambda: [Decimal(0), 0])

    def add(self, values: Mapping[str, Any], sign: int = 1) -> Change:
        for key, delta in balance_effects(values).items():
            self.balances[key] += delta * sign
        for totals, key in ((self.totals, total_key(values)), (self.daily, daily_key(values))):
            entry = totals[key]
            entry[0] += values["amount"] * sign
            entry[1] += sign
        return self

    def apply(self, session: Session, user_id: int, inserting: tuple[Any, dict[str, Any]] | None = None,
              *, last_write: bool = False) -> Any:
        """Move the balances and kept totals. `inserting`: (an INSERT built once, returning the new row's
        id; its values) to run with the change, on PostgreSQL as part of the ledger's one statement (one
        round trip for the row and its ledger); the new id is returned. `last_write`: the caller writes
        nothing after this and nothing it does after can fail in a way that should undo it (what is left
        is building the answer from what was written), so where the unit of work has written nothing
        before either, PostgreSQL may commit the statement as it runs (shared/data/db.py's WriteSession)."""
        # Sorted, so two concurrent writes take row locks in the same order (no deadlock).
        moves = [(model, row_id, delta) for (model, row_id), delta
                 in sorted(self.balances.items(), key=lambda kv: (kv[0][0].__name__, kv[0][1])) if delta]
        totals = [(MonthlyTotal, key, amount, count) for key, (amount, count) in sorted(self.totals.items())
                  if amount or count]
        totals += [(DailyTotal, key, amount, count) for key, (amount, count) in sorted(self.daily.items())
                   if amount or count]
        if (moves or totals) and session.get_bind().dialect.name == "postgresql":
            return _apply_in_one_statement(session, user_id, moves, totals, inserting, last_write)
        new_id = prepared.scalar(session, *inserting) if inserting is not None else None
        for model, row_id, delta in moves:
            move_balance(session, model, row_id, delta)
        for model, key, amount, count in totals:
            add_to_total(session, user_id, key, amount, count, model)
        return new_id


def move_balance(session: Session, model: type, row_id: int, delta: Decimal, field_name: str = "amount") -> None:
    """balance += delta in one statement, refused (422 on `field_name`) past the balance limit."""
    if not delta:
        return
    moved = prepared.run(session, _move(model), {"row": row_id, "delta": delta, "balance_high": BALANCE_LIMIT,
                                                 "balance_low": -BALANCE_LIMIT, "now": utcnow()})
    if len(moved) != 1:
        raise _past_balance_limit(field_name)
    _forget_balances(session, [(model, row_id)])


@lru_cache(maxsize=8)
def _move(model: type):
    """Add :delta to balance :row unless that takes it past the balance limit (then no row is updated,
    and none comes back): built once per table, bound parameters none named like a column."""
    delta = bindparam("delta", type_=Money())
    return update(model).where(
        model.id == bindparam("row"), model.balance + delta <= bindparam("balance_high", type_=Money()),
        model.balance + delta >= bindparam("balance_low", type_=Money()),
    ).values(balance=model.balance + delta, updated_at=bindparam("now", type_=UTCDateTime())).returning(model.id)


def _forget_balances(session: Session, moved: Iterable[tuple[type, int]]) -> None:
    """Balances changed by a statement behind the ORM's back: an account or card this unit of work has
    loaded reads them again on next use, rather than answering the old figure."""
    for model, row_id in moved:
        loaded = session.identity_map.get(session.identity_key(model, row_id))
        if loaded is not None:
            session.expire(loaded, ["balance", "updated_at"])


def _apply_in_one_statement(session: Session, user_id: int, moves: list, totals: list,
                            inserting: tuple[Any, dict[str, Any]] | None = None, last_write: bool = False) -> Any:
    """PostgreSQL: every balance UPDATE and kept-total upsert of a write in one statement (data-
    modifying CTEs, read in the sorted order), one round trip instead of one per row. A part that
    would take a row past its limit moves nothing, and the statement itself then fails with the
    refusal (`ledger_refused`, migration 0012), undoing every part: so it is all or nothing even when
    it is committed as it runs (`last_write`). The totals travel as arrays (one upsert per table over
    unnest(...)), so the statement's shape, and the CPU to build it, does not grow with the number of
    days and categories a bulk write touches."""
    # No parameter is named like a column: an UPDATE would take it as one more column to SET.
    params: dict[str, Any] = {"owner": user_id, "now": utcnow(), "high": COLUMN_LIMIT, "low": -COLUMN_LIMIT,
                              "balance_high": BALANCE_LIMIT, "balance_low": -BALANCE_LIMIT}
    for i, (_, row_id, delta) in enumerate(moves):
        params.update({f"row_{i}": row_id, f"delta_{i}": delta})
    shapes = []
    for model in _PERIOD_COLUMN:
        mine = [(key, amount, count) for m, key, amount, count in totals if m is model]
        if not mine:
            continue
        name, single = model.__tablename__, len(mine) == 1
        # One row (an everyday write: one month, one day) travels as plain values; more as arrays.
        for position, field_name in enumerate(("period", "type", "category", "currency")):
            column = [key[position] for key, _, _ in mine]
            params[f"{name}_{field_name}"] = column[0] if single else column
        params[f"{name}_amount"] = mine[0][1] if single else [amount for _, amount, _ in mine]
        params[f"{name}_count"] = mine[0][2] if single else [count for _, _, count in mine]
        params[f"{name}_rows"] = len(mine)
        shapes.append((model, single))
    insert = None
    if inserting is not None:
        insert, values = inserting
        params.update({f"{_NEW}{name}": value for name, value in values.items()})
    statement = _ledger_statement(tuple(model for model, _, _ in moves), tuple(shapes),
                                  None if insert is None else insert.table)
    try:
        new_id = prepared.run(session, statement, params, last_write=last_write)[0][0]
    except DBAPIError as exc:
        refused = ledger_refusal(exc)
        if refused is None:
            raise
        raise (_past_balance_limit("amount") if refused == "balance" else _past_limit(refused)) from None
    _forget_balances(session, [(model, row_id) for model, row_id, _ in moves])
    return new_id


REFUSED = "FL001"  # ledger_refused's SQLSTATE (migration 0012_ledger_refusal)


def _refused_parts(models: tuple[type, ...], totals: tuple[tuple[type, bool], ...]) -> list[str]:
    """What each part of the ledger's statement names when it refuses: as the statement-per-row path
    words it (`_total_name`)."""
    return ["balance"] * len(models) + [_total_name(model) for model, _ in totals]


def ledger_refusal(exc: DBAPIError) -> str | None:
    """What a PostgreSQL ledger statement refused ("balance", "monthly total" or "daily total"), or None
    for any other error."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) != REFUSED:
        return None
    return str(getattr(orig.diag, "message_primary", None) or orig).rpartition(": ")[2].strip()


_NEW = "new_"  # the prefix of a row's values inserted by the ledger's statement (no clash with its own)


@lru_cache(maxsize=64)
def _inserted(table: Any):
    """A new row of `table` (every column but its id, each a bound parameter named with the _NEW
    prefix), RETURNING its id: a part of the ledger's statement."""
    columns = [c.key for c in table.columns if c.key != "id"]
    return (table.insert().values({name: bindparam(_NEW + name, type_=table.c[name].type) for name in columns})
            .returning(table.c.id).cte("inserted"))


@lru_cache(maxsize=64)
def _ledger_statement(models: tuple[type, ...], totals: tuple[tuple[type, bool], ...], new_row: Any = None):
    """The one statement for a shape of write (which balances, which kept totals, each of one row or
    of several; with `new_row`, a table, a new row of it too, its id first), built once with bound
    parameters: building it costs more CPU than running it."""
    from sqlalchemy.dialects.postgresql import ARRAY, insert

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
    kinds = (("period", Date()), ("type", Unicode()), ("category", Integer()), ("currency", Unicode()),
             ("amount", Numeric(18, 2)), ("count", Integer()))
    for model, single in totals:
        name, period = model.__tablename__, _PERIOD_COLUMN[model]
        if single:  # plain values: no arrays for the driver to inspect and the server to unnest
            values = select(bindparam("owner"), *(bindparam(f"{name}_{field_name}", type_=kind).label(field_name)
                                                  for field_name, kind in kinds))
        else:
            rows = sqlfunc.unnest(*(bindparam(f"{name}_{field_name}", type_=ARRAY(kind)) for field_name, kind in kinds)
                                  ).table_valued("period", "type", "category_key", "currency", "total", "count",
                                                 with_ordinality="position").render_derived()
            # In the order given (sorted): two writers lock the rows they share in the same order.
            values = select(bindparam("owner"), rows.c.period, rows.c.type, rows.c.category_key, rows.c.currency,
                            rows.c.total, rows.c.count).order_by(rows.c.position)
        row = insert(model).from_select(["user_id", period, "type", "category_key", "currency", "total", "count"],
                                        values)
        parts.append(row.on_conflict_do_update(
            index_elements=_IDENTITY[model],
            set_={"total": model.total + row.excluded.total, "count": model.count + row.excluded.count},
            where=(model.total + row.excluded.total).between(low, high),
        ).returning(model.id).cte(f"upsert_{name}"))
    # Each part must move every row it was given (a balance part its one row; an upsert one per
    # (period, type, category, currency) sent): a part that moved fewer refused, and the statement
    # fails with it (ledger_refused raises), so none of its parts is kept.
    expected = [literal(1)] * len(models) + [bindparam(f"{model.__tablename__}_rows", type_=Integer())
                                             for model, _ in totals]
    checks = [case((select(sqlfunc.count()).select_from(part).scalar_subquery() == wanted, literal(0, BigInteger())),
                   else_=sqlfunc.ledger_refused(literal(what), type_=BigInteger()))
              for part, wanted, what in zip(parts, expected, _refused_parts(models, totals), strict=True)]
    if new_row is not None:
        row = _inserted(new_row)
        return select(select(row.c.id).scalar_subquery(), *checks)
    return select(literal(None).label("new_id"), *checks)


def _total_name(model: type) -> str:
    return "monthly total" if model is MonthlyTotal else "daily total"


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


_PERIOD_COLUMN = {MonthlyTotal: "month", DailyTotal: "day"}
_IDENTITY = {MonthlyTotal: ["user_id", "month", "type", "category_key", "currency"],
             DailyTotal: ["user_id", "currency", "day", "type", "category_key"]}


def add_to_total(session: Session, user_id: int, key: TotalKey, amount: Decimal, count: int,
                 model: type = MonthlyTotal) -> None:
    """Upsert one kept total (monthly, or daily with `model=DailyTotal`): one INSERT ... ON CONFLICT
    DO UPDATE where the database has it (PostgreSQL, SQLite); elsewhere UPDATE, else INSERT, and a
    racing INSERT falls back to UPDATE."""
    period, kind, category_key, currency = key
    what = _total_name(model)
    identity = {"user_id": user_id, _PERIOD_COLUMN[model]: period, "type": kind, "category_key": category_key,
                "currency": currency}
    dialect = session.get_bind().dialect.name
    if dialect in _UPSERTS:
        params = {"owner": user_id, "period": period, "kind": kind, "category": category_key, "money": currency,
                  "amount": amount, "n": count}
        stored = prepared.run(session, _upsert_statement(dialect, model), params)
        if not stored:  # the WHERE refused the update
            raise _past_limit(what)
        return
    where = [getattr(model, name) == value for name, value in identity.items()]
    increment = update(model).where(*where).values(total=model.total + amount, count=model.count + count)
    exists = session.execute(select(model.total).where(*where)).scalar_one_or_none()
    if exists is not None:
        if abs(exists + amount) > COLUMN_LIMIT:
            raise _past_limit(what)
        session.execute(increment)
        return
    try:
        with session.begin_nested():
            session.add(model(**identity, total=amount, count=count))
    except IntegrityError:  # another transaction created the row a moment ago
        session.execute(increment)


@lru_cache(maxsize=8)
def _upsert_statement(dialect: str, model: type):
    """One kept total's upsert, built once per table (bound parameters, none named like a column) and
    run as Core: building it per write cost more CPU than running it."""
    column = model.__table__.c
    values = {"user_id": "owner", _PERIOD_COLUMN[model]: "period", "type": "kind", "category_key": "category",
              "currency": "money", "total": "amount", "count": "n"}
    insert = _UPSERTS[dialect](model).values({name: bindparam(param, type_=column[name].type)
                                              for name, param in values.items()})
    return insert.on_conflict_do_update(
        index_elements=_IDENTITY[model],
        set_={"total": model.total + insert.excluded.total, "count": model.count + insert.excluded.count},
        where=(model.total + insert.excluded.total).between(-COLUMN_LIMIT, COLUMN_LIMIT),
    ).returning(model.id)


def move_category(session: Session, user_id: int, old_id: int, new_id: int) -> None:
    """The totals of a category whose transactions were moved to another one follow them."""
    for model in (MonthlyTotal, DailyTotal):
        period = getattr(model, _PERIOD_COLUMN[model])
        rows = session.execute(select(period, model.type, model.currency, model.total, model.count)
                               .where(model.user_id == user_id, model.category_key == old_id)).all()
        for day, kind, currency, total, count in rows:
            add_to_total(session, user_id, (day, kind, new_id, currency), total, count, model)
    forget_category(session, user_id, old_id)


def forget_category(session: Session, user_id: int, category_id: int) -> None:
    for model in (MonthlyTotal, DailyTotal):
        session.execute(delete(model).where(model.user_id == user_id, model.category_key == category_id))


def apply_many(session: Session, user_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
    change = Change()
    for values in rows:
        change.add(values)
    change.apply(session, user_id)
