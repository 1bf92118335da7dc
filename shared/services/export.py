"""GET /api/export: everything the caller owns as a zip of one CSV per resource plus data.json.

Rows are read in keyset pages (by id) and written to the zip page by page, and the zip itself is
built in a SpooledTemporaryFile (in memory while small, on disk past 8 MiB), so a user with a
million transactions is exported without holding their rows in memory. Amounts are the exact
decimal strings the database holds; dates ISO; timestamps ISO-8601 UTC with Z.
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

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shared.data.models import (
    Account,
    Asset,
    AssetPrice,
    Budget,
    Category,
    CreditCard,
    Goal,
    Import,
    IncomeSource,
    Portfolio,
    Rule,
    Transaction,
    User,
)
from shared.services import tags

PAGE = 5000
SPOOL_BYTES = 8 * 1024 * 1024
_HIDDEN = {"user_id", "name_key", "import_key", "start_date", "end_date", "password_hash"}


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


class Sheet:
    """One resource: its rows of the caller in keyset pages, as dicts of answer-ready values."""

    def __init__(self, name: str, model, owned: Callable[[User], Any], extra: Callable | None = None,
                 extra_columns: tuple[str, ...] = ()):
        self.name, self.model, self.owned, self.extra = name, model, owned, extra
        self.columns = _columns(model) + list(extra_columns)

    def pages(self, session: Session, user: User) -> Iterator[list[dict[str, Any]]]:
        table_columns = _columns(self.model)
        stmt: Select = select(*(getattr(self.model, c) for c in table_columns)).where(self.owned(user))
        last = 0
        while True:
            rows = session.execute(stmt.where(self.model.id > last).order_by(self.model.id).limit(PAGE)).all()
            if not rows:
                return
            page = [{c: _text(v) for c, v in zip(table_columns, row)} for row in rows]
            if self.extra is not None:
                self.extra(session, page)
            yield page
            last = rows[-1][0]


def _transaction_extras(session: Session, page: list[dict[str, Any]]) -> None:
    names = tags.of(session, [r["id"] for r in page])
    for row in page:
        row["tags"] = names.get(row["id"], [])
        sign = {"income": "", "expense": "-", "transfer": "-"}[row["type"]]
        row["signed_amount"] = sign + row["amount"]


def _owned_by(model):
    return lambda user: model.user_id == user.id


SHEETS = [
    Sheet("transactions", Transaction, _owned_by(Transaction), _transaction_extras, ("tags", "signed_amount")),
    Sheet("accounts", Account, _owned_by(Account)),
    Sheet("credit_cards", CreditCard, _owned_by(CreditCard)),
    Sheet("categories", Category, _owned_by(Category)),
    Sheet("income_sources", IncomeSource, _owned_by(IncomeSource)),
    Sheet("budgets", Budget, _owned_by(Budget)),
    Sheet("goals", Goal, _owned_by(Goal)),
    Sheet("portfolios", Portfolio, _owned_by(Portfolio)),
    Sheet("assets", Asset, _owned_by(Asset)),
    Sheet("prices", AssetPrice, lambda user: AssetPrice.asset_id.in_(select(Asset.id).where(Asset.user_id == user.id))),
    Sheet("rules", Rule, _owned_by(Rule)),
    Sheet("imports", Import, _owned_by(Import)),
]


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(value)  # tags: a|b
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
