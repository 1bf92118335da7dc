"""GET /api/export: everything the caller owns as a zip of one CSV per resource plus data.json.

Rows are read in keyset pages (by id; transactions by date and id, the owner's index) and written to
the zip page by page, and the zip itself is built in a SpooledTemporaryFile (in memory while small,
on disk past 8 MiB), so a user with a million transactions is exported without holding their rows
in memory. Amounts are the exact decimal strings the database holds; dates ISO; timestamps
ISO-8601 UTC with Z.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.orm import Session

from shared.data.models import (
    Asset,
    AssetPrice,
    AssetTrade,
    FxRate,
    Import,
    Tag,
    Transaction,
    User,
)
from shared.schemas.answers import row_serializer
from shared.schemas.fx import rate_string
from shared.schemas.investments import PriceOut, TradeOut
from shared.schemas.money import TransactionOut
from shared.services import tags
from shared.services.investments import Assets, Portfolios
from shared.services.money import Accounts, Budgets, Categories, CreditCards, Goals, IncomeSources
from shared.services.recurring import RecurringSchedules
from shared.services.resources import Resource
from shared.services.rules import Rules

PAGE = 5000
RESOURCE_PAGE = 500  # rows answered through a resource's own answer model (ORM objects, computed fields)
SPOOL_BYTES = 8 * 1024 * 1024
_HIDDEN = {"user_id", "name_key", "import_key", "password_hash"}


def _text(value: Any) -> Any:
    """A cell or JSON value: exact decimals, ISO dates, UTC timestamps with Z, JSON for JSON columns."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _columns(model) -> list[str]:
    return [c.key for c in model.__table__.columns if c.key not in _HIDDEN]


def _answer_fields(out_schema) -> list[str]:
    return list(out_schema.model_fields) + list(out_schema.model_computed_fields)


class Sheet:
    """Rows of one table owned by the caller, in keyset pages (by id), as dicts of answer-ready
    values: the table's own columns (`columns` picks and orders them) and what `extra` adds; or,
    with `answer`, each row as that answer model gives it (the columns it names, its formatting)."""

    def __init__(self, name: str, model, owned: Callable[[User], Any], extra: Callable | None = None,
                 columns: list[str] | None = None, extra_columns: tuple[str, ...] = (), answer=None,
                 order: tuple[str, ...] = ("id",)):
        self.name, self.model, self.owned, self.extra, self.answer = name, model, owned, extra, answer
        self.order = order  # the keyset: unique, and the tail of an index that starts with the owner
        if answer is not None:
            columns = [c for c in _answer_fields(answer) if c in model.__table__.columns]
        self.table_columns = columns or _columns(model)
        self.columns = (_answer_fields(answer) if answer is not None else self.table_columns) + list(extra_columns)

    def _serializer(self) -> Callable[[Any], dict[str, Any]]:
        if self.answer is None:
            return lambda row: {c: _text(v) for c, v in zip(self.table_columns, row, strict=True)}
        return row_serializer(self.answer) or (lambda row: self.answer.model_validate(row).model_dump(mode="json"))

    def pages(self, session: Session, user: User) -> Iterator[list[dict[str, Any]]]:
        keys = [getattr(self.model, c) for c in self.order]
        stmt: Select = (select(*(getattr(self.model, c) for c in self.table_columns)).where(self.owned(user))
                        .order_by(*keys).limit(PAGE))
        serialize, dialect = self._serializer(), session.get_bind().dialect.name
        last = None
        while True:
            rows = session.execute(stmt if last is None else stmt.where(_after(keys, last, dialect))).all()
            if not rows:
                return
            page = [serialize(row) for row in rows]
            if self.extra is not None:
                self.extra(session, page)
            yield page
            last = tuple(getattr(rows[-1], c) for c in self.order)


def _after(keys: list[Any], values: tuple[Any, ...], dialect: str):
    """The rows after `values` in the order of `keys`: a row-value comparison, which the database
    answers from the index (user_id, *keys) as one range; T-SQL has no row values, so there the
    same condition spelled out."""
    if dialect != "mssql":
        return tuple_(*keys) > tuple_(*values)
    return or_(*(and_(*(k == v for k, v in zip(keys[:i], values[:i], strict=True)), keys[i] > values[i])
                 for i in range(len(keys))))


class ResourceSheet:
    """A resource's rows exactly as its GET answers them (computed fields included: a card's
    available_credit, a budget's spent, an asset's realized_gain, a schedule's next_date), in
    keyset pages of RESOURCE_PAGE."""

    def __init__(self, name: str, resource: Resource):
        self.name, self.resource = name, resource
        self.columns = _answer_fields(resource.out_schema)

    def pages(self, session: Session, user: User) -> Iterator[list[dict[str, Any]]]:
        model = self.resource.model
        stmt = self.resource.owned(user)
        last = 0
        while True:
            rows = list(session.execute(stmt.where(model.id > last).order_by(model.id).limit(RESOURCE_PAGE))
                        .scalars())
            if not rows:
                return
            last = rows[-1].id
            yield self.resource.answers(session, user, rows)


def _transaction_extras(session: Session, page: list[dict[str, Any]]) -> None:
    names = tags.of(session, [r["id"] for r in page])
    for row in page:
        row["tags"] = names.get(row["id"], [])
        sign = {"income": "", "expense": "-", "transfer": "-"}[row["type"]]
        row["signed_amount"] = sign + row["amount"]


def _rates_as_answered(session: Session, page: list[dict[str, Any]]) -> None:
    for row in page:
        row["rate"] = rate_string(Decimal(row["rate"]))  # as GET /api/fx-rates writes it: 1.5, not 1.5000000000


def _owned_by(model):
    return lambda user: model.user_id == user.id


def _of_own_assets(model):
    return lambda user: model.asset_id.in_(select(Asset.id).where(Asset.user_id == user.id))


# The answer's fields in its order, then what only an export carries: the bank's FITID and the
# import that created the row (tags and signed_amount are added per page).
_TRANSACTION_COLUMNS = [f for f in _answer_fields(TransactionOut) if f != "tags"] + ["fitid", "import_id"]

# API.md "Imports and export": transactions with payee and tags, accounts, cards, categories,
# budgets, goals, portfolios, assets, prices, rules, recurring; and the rest the caller owns.
SHEETS: list[Sheet | ResourceSheet] = [
    # By date, then id: the index (user_id, date, id) serves every page as one range scan, whatever
    # the other users' rows and the table's statistics (by id alone a page could sort all of the
    # user's remaining rows).
    Sheet("transactions", Transaction, _owned_by(Transaction), _transaction_extras, _TRANSACTION_COLUMNS,
          ("tags", "signed_amount"), order=("date", "id")),
    ResourceSheet("accounts", Accounts()),
    ResourceSheet("credit_cards", CreditCards()),
    ResourceSheet("categories", Categories()),
    ResourceSheet("income_sources", IncomeSources()),
    ResourceSheet("budgets", Budgets()),
    ResourceSheet("goals", Goals()),
    ResourceSheet("portfolios", Portfolios()),
    ResourceSheet("assets", Assets()),
    Sheet("prices", AssetPrice, _of_own_assets(AssetPrice), answer=PriceOut),
    Sheet("trades", AssetTrade, _owned_by(AssetTrade), answer=TradeOut),
    ResourceSheet("rules", Rules()),
    ResourceSheet("recurring", RecurringSchedules()),
    Sheet("tags", Tag, _owned_by(Tag)),
    Sheet("fx_rates", FxRate, _owned_by(FxRate), _rates_as_answered),
    Sheet("imports", Import, _owned_by(Import)),
]


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(value)  # tags: a|b, readable in a spreadsheet; data.json has each list exactly
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def export_zip(session: Session, user: User):
    """The zip, built page by page in a spooled temporary file (rewound, ready to read)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet in SHEETS:
            with archive.open(f"{sheet.name}.csv", "w", force_zip64=True) as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(out)
                writer.writerow(sheet.columns)
                for page in sheet.pages(session, user):
                    writer.writerows([_csv_cell(row.get(c)) for c in sheet.columns] for row in page)
                out.flush()
                out.detach()
        with archive.open("data.json", "w", force_zip64=True) as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8")
            out.write('{"format": "finance-api export", "version": 1, "exported_at": '
                      + json.dumps(_text(dt.datetime.now(dt.timezone.utc))))
            for sheet in SHEETS:
                out.write(f', "{sheet.name}": [')
                first = True
                for page in sheet.pages(session, user):
                    for row in page:
                        out.write(("" if first else ", ") + json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                        first = False
                out.write("]")
            out.write("}\n")
            out.flush()
            out.detach()
    spool.seek(0)
    return spool
