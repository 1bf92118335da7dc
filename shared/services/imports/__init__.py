"""Bank file imports: parse, let the caller's rules fill in what the file does not say, drop
duplicates, and write every new line in the request's one database transaction; list and undo.

Duplicates are refused twice over. Before writing, a line is a duplicate when its key is stored
already (the account or card plus the OFX FITID, or plus date, amount, description and the line's
occurrence count in the file), or, without a FITID, when the account or card already holds at
least that many transactions with the same date, amount and description. While writing, the
unique index on (user_id, import_key) is the real guard: a line another import wrote meanwhile
is skipped (ON CONFLICT DO NOTHING) and reported as a duplicate.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import Unicode, bindparam, delete, func, select
from sqlalchemy.orm import Session

from shared.data.models import Account, Category, CreditCard, Import, Transaction, TransactionTag, User
from shared.errors import Invalid, invalid, not_found
from shared.schemas import imports as s
from shared.services import balances
from shared.services.bulk_transactions import BulkRules, insert_rows
from shared.services.imports.parsers import FileRefused, Line, parse_csv, parse_ofx, parse_qif
from shared.services.rules import RuleSet

_KEY_BATCH = 500
_TYPE_OF_SIGN = {True: "expense", False: "income"}


def parse(data: s.ImportIn) -> list[Line]:
    if "\ufffd" in data.content:
        raise FileRefused("The content holds U+FFFD replacement characters: the file was decoded with the wrong "
                          "encoding. Send its text as the bank wrote it (read it with its own character set).")
    if data.format == "ofx":
        return parse_ofx(data.content)
    if data.format == "qif":
        return parse_qif(data.content, day_first=data.day_first)
    return parse_csv(data.content, data.csv)


def _text(values: dict[str, Any]) -> str:
    return " ".join((values.get("description") or values.get("payee") or "").split()).casefold()


def _digest(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


class _Item:
    __slots__ = ("line", "values", "status", "reason", "key", "occurrence")

    def __init__(self, line: Line):
        self.line, self.values, self.status, self.reason = line, {}, "invalid", line.reason
        self.key: str | None = None
        self.occurrence = 0

    def out(self) -> dict[str, Any]:
        v, line = self.values, self.line
        amount = v.get("amount", abs(line.amount) if line.amount is not None else None)
        kind = v.get("type") or (_TYPE_OF_SIGN[line.amount < 0] if line.amount else None)
        return {"line": line.line, "date": v.get("date", line.date), "amount": amount, "type": kind,
                "payee": v.get("payee", line.payee), "description": v.get("description", line.description),
                "category_id": v.get("category_id"), "tags": v.get("tags") or [], "status": self.status,
                "reason": self.reason}


def import_file(session: Session, user: User, data: s.ImportIn) -> s.ImportOut:
    target_field = "account_id" if data.account_id is not None else "credit_card_id"
    target_id = data.account_id or data.credit_card_id
    model = Account if target_field == "account_id" else CreditCard
    if session.execute(select(model.id).where(model.id == target_id, model.user_id == user.id)).first() is None:
        raise invalid(target_field, f"no {'account' if model is Account else 'credit card'} with id {target_id}")
    try:
        lines = parse(data)
    except FileRefused as exc:
        raise Invalid(str(exc), errors=[{"field": "content", "message": str(exc)}]) from None

    target = f"{'a' if model is Account else 'c'}{target_id}"
    items = _prepare(session, user, lines, target_field, target_id, target)
    _mark_known(session, user, items, target_field, target_id)
    fresh = [i for i in items if i.status == "new"]
    record = None
    if not data.dry_run:
        record = Import(user_id=user.id, format=data.format, account_id=data.account_id,
                        credit_card_id=data.credit_card_id, created=0, duplicates=0, invalid=0)
        session.add(record)
        session.flush()
        rows = [{**i.values, "import_id": record.id, "import_key": i.key, "fitid": i.line.fitid} for i in fresh]
        written = {r["import_key"] for r in insert_rows(session, user, rows, skip_known_keys=True)}
        for item in fresh:
            if item.key not in written:  # another import wrote this line a moment ago
                item.status, item.reason = "duplicate", "imported by another import at the same time"
    counts = Counter(i.status for i in items)
    if record is not None:
        record.created, record.duplicates, record.invalid = counts["new"], counts["duplicate"], counts["invalid"]
        session.flush()
    return s.ImportOut(id=record.id if record else None, format=data.format, account_id=data.account_id,
                       credit_card_id=data.credit_card_id, dry_run=data.dry_run,
                       created=0 if data.dry_run else counts["new"], duplicates=counts["duplicate"],
                       invalid=counts["invalid"],
                       items=[s.ImportItemOut.model_validate(i.out()) for i in items[:s.MAX_ITEMS]])


def _prepare(session: Session, user: User, lines: list[Line], target_field: str, target_id: int,
             target: str) -> list[_Item]:
    """Each line as transaction values, run through the rules and the transaction rules, with its key."""
    checker = BulkRules(session, user)
    rules = RuleSet.load(session, user.id)
    categories = {key: (cid, kind) for cid, key, kind in session.execute(
        select(Category.id, Category.name_key, Category.kind).where(Category.user_id == user.id))}
    occurrences: Counter = Counter()
    items = []
    for line in lines:
        item = _Item(line)
        items.append(item)
        if line.reason is not None:
            continue
        kind = _TYPE_OF_SIGN[line.amount < 0]
        values: dict[str, Any] = {"type": kind, "amount": abs(line.amount), "date": line.date,
                                  "description": line.description, "payee": line.payee, target_field: target_id}
        sent = {"type", "amount", "date", target_field} | {f for f in ("description", "payee") if values[f]}
        if line.category is not None:
            found = categories.get(line.category.lower())
            if found is None:
                item.reason = f"you have no category named {line.category!r}"
                continue
            if found[1] != kind:
                item.reason = f"the category {line.category!r} is for {found[1]}, and this line is an {kind}"
                continue
            values["category_id"] = found[0]
            sent.add("category_id")
        if line.fitid:
            item.key = _digest(target, "fitid", line.fitid)
        else:
            group = (line.date, kind, values["amount"], _text(values))
            occurrences[group] += 1
            item.occurrence = occurrences[group]
            item.key = _digest(target, "line", *group, item.occurrence)
        if rules:
            rules.apply(values, sent)
        try:
            checker.validate_row(session, user, values, None)
        except Invalid as exc:
            item.reason = exc.detail
            continue
        item.values, item.status, item.reason = values, "new", None
    seen: set[str] = set()
    for item in items:  # the same FITID twice in one file: the second is the duplicate
        if item.status == "new":
            if item.key in seen:
                item.status, item.reason = "duplicate", "the same FITID appears earlier in this file"
            seen.add(item.key)
    return items


def _mark_known(session: Session, user: User, items: list[_Item], target_field: str, target_id: int) -> None:
    """Lines already in the account or card: by stored key, and (lines without a FITID) by date,
    amount and description against what the account holds, counting occurrences."""
    candidates = [i for i in items if i.status == "new"]
    known = _stored_keys(session, user, [i.key for i in candidates])
    plain = []
    for item in candidates:
        if item.key in known:
            item.status, item.reason = "duplicate", "already imported"
        elif not item.line.fitid:
            plain.append(item)
    if not plain:
        return
    column = getattr(Transaction, target_field)
    held: Counter = Counter()
    rows = session.execute(
        select(Transaction.date, Transaction.type, Transaction.amount, Transaction.description, Transaction.payee)
        .where(Transaction.user_id == user.id, column == target_id,
               Transaction.date >= min(i.line.date for i in plain), Transaction.date <= max(i.line.date for i in plain))
        .execution_options(yield_per=5000))
    for day, kind, amount, description, payee in rows:
        held[(day, kind, Decimal(amount), _text({"description": description, "payee": payee}))] += 1
    for item in plain:
        group = (item.line.date, _TYPE_OF_SIGN[item.line.amount < 0], abs(item.line.amount),
                 _text({"description": item.line.description, "payee": item.line.payee}))
        if item.occurrence <= held.get(group, 0):
            item.status, item.reason = "duplicate", "the account or card already has this transaction"


def _stored_keys(session: Session, user: User, keys: list[str]) -> set[str]:
    """Which of these import keys the caller's transactions hold. On PostgreSQL one statement for the
    whole file: the keys as an array joined to the unique (user_id, import_key) index, a plan that stays
    cheap while the table's statistics lag behind a bulk import (an IN list is then filtered over every
    row of the user, once per batch). Elsewhere the keys go in batches of _KEY_BATCH."""
    if not keys:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        wanted = func.unnest(bindparam("keys", type_=ARRAY(Unicode()))).table_valued("key").render_derived()
        return set(session.execute(
            select(Transaction.import_key).join(wanted, Transaction.import_key == wanted.c.key)
            .where(Transaction.user_id == user.id, Transaction.import_key.is_not(None)), {"keys": keys}).scalars())
    known: set[str] = set()
    for start in range(0, len(keys), _KEY_BATCH):
        known.update(session.execute(select(Transaction.import_key).where(
            Transaction.user_id == user.id, Transaction.import_key.in_(keys[start:start + _KEY_BATCH]))).scalars())
    return known


# --- list and undo -------------------------------------------------------------------------------

def list_imports(session: Session, user: User, page: int, page_size: int) -> tuple[list[Import], int]:
    total = session.execute(select(func.count()).select_from(Import).where(Import.user_id == user.id)).scalar_one()
    rows = session.execute(select(Import).where(Import.user_id == user.id).order_by(Import.id.desc())
                           .limit(page_size).offset((page - 1) * page_size)).scalars().all()
    return list(rows), total


_LEDGER_COLUMNS = ("type", "amount", "date", "category_id", "account_id", "credit_card_id", "to_account_id",
                   "to_credit_card_id", "currency", "to_amount")


def get(session: Session, user: User, import_id: int, *, for_update: bool = False) -> Import:
    stmt = select(Import).where(Import.id == import_id, Import.user_id == user.id)
    if for_update and session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    record = session.execute(stmt).scalar_one_or_none()
    if record is None:
        raise not_found("import")
    return record


def undo(session: Session, user: User, import_id: int) -> None:
    """Delete every transaction the import created (edited since or not) and the import itself;
    balances and the kept monthly totals move back in the same database transaction."""
    record = get(session, user, import_id, for_update=True)
    change = balances.Change()
    mine = (Transaction.user_id == user.id, Transaction.import_id == record.id)
    rows = session.execute(select(*(getattr(Transaction, c) for c in _LEDGER_COLUMNS)).where(*mine)
                           .execution_options(yield_per=5000))
    for row in rows:
        change.add(dict(zip(_LEDGER_COLUMNS, row, strict=True)), -1)
    session.execute(delete(TransactionTag).where(TransactionTag.transaction_id.in_(
        select(Transaction.id).where(*mine))).execution_options(synchronize_session=False))
    session.execute(delete(Transaction).where(*mine).execution_options(synchronize_session=False))
    change.apply(session, user.id)
    session.execute(delete(Import).where(Import.id == record.id).execution_options(synchronize_session=False))


