"""Tags on transactions: stored once per user (as first written, compared in lower case) and linked
to transactions in the order the client gave them. `GET /api/tags` counts and sums them in SQL."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Unicode, any_, bindparam, cast, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.data import prepared
from shared.data.models import Tag, Transaction, TransactionTag


def ids_for(session: Session, user_id: int, names: Iterable[str]) -> dict[str, int]:
    """{lower-case name: tag id} for these names, creating the tags the user does not have yet."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(name.lower(), name)
    if not wanted:
        return {}
    found = _existing(session, user_id, list(wanted))
    missing = [key for key in wanted if key not in found]
    if missing:
        try:
            with session.begin_nested():
                session.execute(insert(Tag), [{"user_id": user_id, "name": wanted[k], "name_key": k} for k in missing])
        except IntegrityError:  # a concurrent request created one of them a moment ago
            pass
        found = _existing(session, user_id, list(wanted))
    return found


def _existing(session: Session, user_id: int, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        found.update(session.execute(select(Tag.name_key, Tag.id).where(
            Tag.user_id == user_id, Tag.name_key.in_(keys[start:start + 500]))).all())
    return found


def link(session: Session, user_id: int, tags_by_transaction: Mapping[int, list[str]], *,
         replace: bool = True) -> None:
    """Give each transaction its tags (replacing what it had, unless they are new rows): a few
    statements for any number of rows."""
    ids = ids_for(session, user_id, (t for tags in tags_by_transaction.values() for t in tags))
    if replace:
        unlink(session, list(tags_by_transaction))
    rows = [{"transaction_id": tx, "tag_id": ids[tag.lower()], "position": position}
            for tx, tags in tags_by_transaction.items() for position, tag in enumerate(tags)]
    if rows:
        session.execute(insert(TransactionTag), rows)


def unlink(session: Session, transaction_ids: list[int]) -> None:
    for start in range(0, len(transaction_ids), 500):
        session.execute(delete(TransactionTag).where(
            TransactionTag.transaction_id.in_(transaction_ids[start:start + 500])))


def of(session: Session, transaction_ids: list[int]) -> dict[int, list[str]]:
    """{transaction id: its tag names in the client's order} for a page of transactions."""
    out: dict[int, list[str]] = defaultdict(list)
    dialect = session.get_bind().dialect.name
    stmt = _names_of(dialect)
    for start in range(0, len(transaction_ids), 500):
        ids: Any = transaction_ids[start:start + 500]
        if dialect == "postgresql":  # the array's text form: the driver's array adapter costs more than the query
            ids = "{" + ",".join(str(int(i)) for i in ids) + "}"
        for tx, name in prepared.run(session, stmt, {"ids": ids}):
            out[tx].append(name)
    return out


@lru_cache(maxsize=4)
def _names_of(dialect: str):
    """The page's tag names, built once (Core, bound parameters). On PostgreSQL the ids travel as one
    array parameter (`= ANY(...)`), sent as the array's text ("{1,2,3}") and cast by the server: an IN
    list of a hundred placeholders costs more to render and parse on every page than the query
    itself, and psycopg's array adapter a third of a millisecond; elsewhere an expanding IN."""
    tt = TransactionTag
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        matches = tt.transaction_id == any_(cast(bindparam("ids", type_=Unicode()), ARRAY(Integer)))
    else:
        matches = tt.transaction_id.in_(bindparam("ids", expanding=True))
    return (select(tt.transaction_id, Tag.name).join(Tag, Tag.id == tt.tag_id).where(matches)
            .order_by(tt.transaction_id, tt.position))


def has_tag(name: str):
    """A WHERE clause: the transaction carries this tag (any case)."""
    return exists().where(TransactionTag.transaction_id == Transaction.id, TransactionTag.tag_id == Tag.id,
                          Tag.user_id == Transaction.user_id, Tag.name_key == name.lower())


def usage(session: Session, user_id: int, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """A page of the tags in use: how many transactions carry each and the unsigned sum of their
    amounts (a tag no transaction carries any more is not listed), and how many tags are in use."""
    in_use = select(TransactionTag.tag_id).join(Tag, Tag.id == TransactionTag.tag_id).where(
        Tag.user_id == user_id).distinct().subquery()
    total = session.execute(select(func.count()).select_from(in_use)).scalar_one()
    rows = session.execute(
        select(Tag.name, func.count(Transaction.id), func.sum(Transaction.amount))
        .join(TransactionTag, TransactionTag.tag_id == Tag.id)
        .join(Transaction, Transaction.id == TransactionTag.transaction_id)
        .where(Tag.user_id == user_id)
        .group_by(Tag.id, Tag.name, Tag.name_key)
        .order_by(Tag.name_key, Tag.id).limit(page_size).offset((page - 1) * page_size))
    return [{"name": name, "count": count, "total": Decimal(amount or 0)} for name, count, amount in rows], total
