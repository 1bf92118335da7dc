"""Transactions: the shape rules of income, expense and transfer. Every write goes through
shared/services/balances.py in the same database transaction, so balances and monthly totals stay exact."""
from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Unicode,
    and_,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from shared.data import prepared
from shared.data.models import (
    Account,
    Category,
    CreditCard,
    IncomeSource,
    MonthlyTotal,
    Tag,
    Transaction,
    TransactionTag,
    User,
)
from shared.data.prepared import Prepared
from shared.data.types import utcnow
from shared.errors import Invalid, not_found
from shared.schemas import money as s
from shared.schemas.answers import row_serializer, values_serializer
from shared.services import balances, callers, tags
from shared.services.answer_rows import answer_rows
from shared.services.resources import Resource, not_owned
from shared.services.rules import apply_rules

_SUPPLIED = frozenset({"tags"})  # the answer's fields a transaction row does not carry

_ONLY_FOR = {
    "income": {"category_id", "account_id", "credit_card_id", "income_source_id"},  # on a card: a refund
    "expense": {"category_id", "account_id", "credit_card_id"},
    "transfer": {"account_id", "to_account_id", "to_credit_card_id", "to_amount"},
}
_LINKS = ("category_id", "account_id", "credit_card_id", "to_account_id", "to_credit_card_id", "income_source_id",
          "to_amount")
_HOLDERS = (("account_id", Account), ("credit_card_id", CreditCard), ("to_account_id", Account),
            ("to_credit_card_id", CreditCard))


def _with_article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _transfer_errors(values: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    if not values.get("account_id"):
        errors.append({"field": "account_id", "message": "a transfer needs account_id, the account the money "
                                                         "leaves"})
    destinations = [n for n in ("to_account_id", "to_credit_card_id") if values.get(n)]
    if len(destinations) != 1:
        errors.append({"field": "to_account_id",
                       "message": "a transfer needs exactly one of to_account_id (another account) or "
                                  "to_credit_card_id (a card it pays)"})
    if values.get("to_account_id") and values.get("to_account_id") == values.get("account_id"):
        errors.append({"field": "to_account_id", "message": "to_account_id must be a different account from "
                                                            "account_id"})
    return errors


class _PerDialect(ColumnElement[bool]):
    """A condition written two ways: `indexed` on SQLite, `scan` everywhere else (compiled per dialect)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [("scan", InternalTraversal.dp_clauseelement),
                           ("indexed", InternalTraversal.dp_clauseelement)]

    def __init__(self, scan: ColumnElement[bool], indexed: ColumnElement[bool]):
        self.scan, self.indexed = scan, indexed


@compiles(_PerDialect)
def _scan(element: _PerDialect, compiler, **kw) -> str:
    return compiler.process(element.scan, **kw)


@compiles(_PerDialect, "sqlite")
def _indexed(element: _PerDialect, compiler, **kw) -> str:
    return compiler.process(element.indexed, **kw)


FTS_TABLE = "transactions_fts"  # SQLite's trigram index of descriptions (migration 0009_sqlite_text_search)
_FTS = table(FTS_TABLE, column("rowid"))


def description_contains(term: str) -> ColumnElement[bool]:
    """The description contains `term`, any case: `lower(description) LIKE %lower(term)%`, the same
    test on every database. PostgreSQL answers it from its trigram index (0003). On SQLite the FTS5
    trigram index of the lowered descriptions (0009) finds the rows holding the lowered term, the
    same test, and the LIKE still decides on those rows; a term under three characters has no
    trigram to look up and reads the caller's rows."""
    folded = term.lower()
    scan = func.lower(Transaction.description).contains(folded, autoescape=True)
    if len(folded) < 3:
        return scan
    phrase = '"' + folded.replace('"', '""') + '"'  # one FTS5 string: no query syntax inside
    found = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(phrase))
    return _PerDialect(scan, and_(Transaction.id.in_(found), scan))


@lru_cache(maxsize=8)
def _currency_of(model):
    """The currency of the caller's account or card :row (none when not theirs): built once, run as Core."""
    return select(model.currency).where(model.id == bindparam("row"), model.user_id == bindparam("owner"))


_CATEGORY_KIND = select(Category.kind).where(Category.id == bindparam("row"), Category.user_id == bindparam("owner"))

# What a write's reference lookup learns about each row it names, kept for the unit of work:
# session.info[_FACTS][(model, id)] = (owner, currency or kind).
_FACTS = "transactions.referenced"
_FACT_OF = {Account: "currency", CreditCard: "currency", Category: "kind"}


@lru_cache(maxsize=64)
def _facts_of(wanted: tuple[tuple[str, type], ...]):
    """One statement for every row a transaction names (field -> model): its owner and the fact the
    rules need (an account's or card's currency, a category's kind), a UNION ALL built once per shape."""
    parts = []
    for field_name, model in wanted:
        fact = getattr(model, _FACT_OF[model]) if model in _FACT_OF else null()
        parts.append(select(literal(field_name, Unicode()).label("field"), model.user_id.label("owner"),
                            cast(fact, Unicode()).label("fact")).where(model.id == bindparam(field_name)))
    return parts[0] if len(parts) == 1 else union_all(*parts)


class _NewRow:
    """A transaction just written, read by attribute as its ORM row would be (its columns)."""

    def __init__(self, columns: dict[str, Any]):
        self.__dict__.update(columns)


_CALLER_FIELD = ""  # the `field` of the caller's row in `_checked_facts_of`: no body field is named so


@lru_cache(maxsize=64)
def _checked_facts_of(wanted: tuple[tuple[str, type], ...]):
    """`_facts_of` carrying a write's caller check (shared/services/callers.py): first the caller's row
    (field "", then WRITER_COLUMNS; no such row when the check failed), then each named row's facts
    with the caller's columns NULL. One round trip where the check and the lookup took two."""
    writer = [c.label(f"caller_{c.name}") for c in callers.WRITER_COLUMNS]
    caller = (select(literal(_CALLER_FIELD, Unicode()).label("field"), type_coerce(null(), Integer()).label("owner"),
                     type_coerce(null(), Unicode()).label("fact"), *writer)
              .select_from(callers.checked_from()).where(*callers.CONDITIONS))
    blanks = [type_coerce(null(), c.type).label(c.name) for c in writer]
    facts = _facts_of(wanted)
    parts = list(facts.selects) if hasattr(facts, "selects") else [facts]
    return union_all(caller, *(part.add_columns(*blanks) for part in parts))


# Every column of a new transaction but its id, as bound parameters; the id comes back (RETURNING,
# OUTPUT on Azure SQL).
_INSERTED = tuple(c.key for c in Transaction.__table__.columns if c.key != "id")
_INSERT = insert(Transaction).values({name: bindparam(name) for name in _INSERTED}).returning(Transaction.id)

@lru_cache(maxsize=1)
def _answer_columns() -> list[Any]:
    fields, _ = values_serializer(s.TransactionOut, _SUPPLIED)
    return [null().label(name) if name in _SUPPLIED else getattr(Transaction, name) for name in fields]


def _fold_tags(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page read a row per tag (the tag's name in `tags`, NULL for none) as one answer per
    transaction, its tag names in the rows' order."""
    out: list[dict[str, Any]] = []
    for item in rows:
        name = item["tags"]
        if out and out[-1]["id"] == item["id"]:
            if name is not None:
                out[-1]["tags"].append(name)
        else:
            item["tags"] = [] if name is None else [name]
            out.append(item)
    return out


def _ordering(sort: str, columns: Any) -> list[Any]:
    """ORDER BY for a sort ("date", "-date", "amount", "-amount") on `columns` (the model, or a
    subquery's `.c`): the sort's column, then the id, both the same way."""
    column = columns.amount if sort.endswith("amount") else columns.date
    if sort.startswith("-"):
        return [column.desc(), columns.id.desc()]
    return [column.asc(), columns.id.asc()]


@lru_cache(maxsize=16)
def _unfiltered_page(sort: str, joined_tags: bool = True) -> Prepared:
    """The unfiltered list's page for one sort order and its tags, built once (bound owner, limit and
    offset): the page of transactions is chosen first (in index order, a subquery with its LIMIT),
    then each row outer-joined to its tag names, the name in the answer's `tags` place: one row per
    tag in the client's order, or one with NULL there. Without `joined_tags`, the page alone (NULL in
    the `tags` place): SQLAlchemy's SQL Server compiler cannot render a bound OFFSET inside a subquery
    once it knows the server has OFFSET/FETCH, as Azure SQL has."""
    fields = values_serializer(s.TransactionOut, _SUPPLIED)[0]
    page = (select(*_answer_columns()) if not joined_tags
            else select(*[c for c in _answer_columns() if c.key not in _SUPPLIED]))
    page = (page.where(Transaction.user_id == bindparam("owner")).order_by(*_ordering(sort, Transaction))
            .limit(bindparam("limit", type_=Integer())).offset(bindparam("skip", type_=Integer())))
    if not joined_tags:
        return Prepared(page)
    page = page.subquery("page")
    tt = TransactionTag
    return Prepared(
        select(*[Tag.name.label(name) if name in _SUPPLIED else page.c[name] for name in fields])
        .select_from(page.outerjoin(tt, tt.transaction_id == page.c.id).outerjoin(Tag, Tag.id == tt.tag_id))
        .order_by(*_ordering(sort, page.c), tt.position))


_COUNT_ALL = select(func.coalesce(func.sum(MonthlyTotal.count), 0)).where(MonthlyTotal.user_id == bindparam("owner"))
# The same count carrying the caller's check (shared/services/callers.py): the caller's columns, then
# the count; no row when the check failed.
_COUNT_ALL_CHECKED = Prepared(
    select(*callers.CALLER_COLUMNS,
           select(func.coalesce(func.sum(MonthlyTotal.count), 0))
           .where(MonthlyTotal.user_id == bindparam("user_id")).scalar_subquery())
    .select_from(callers.checked_from()).where(*callers.CONDITIONS))
# The query's filters (everything but paging and sort).
_FILTERS = tuple(name for name in s.TransactionQuery.model_fields if name not in ("page", "page_size", "sort"))


class Transactions(Resource[Transaction]):
    model, noun = Transaction, "transaction"
    create_schema, update_schema, out_schema = s.TransactionIn, s.TransactionPatch, s.TransactionOut
    list_query = s.TransactionQuery
    idempotent_create = True
    create_carries_check = True  # check_references, its first statement, carries the caller's check
    references = {
        "account_id": Account,
        "to_account_id": Account,
        "credit_card_id": CreditCard,
        "to_credit_card_id": CreditCard,
        "income_source_id": IncomeSource,
    }

    def filter(self, stmt, params: s.TransactionQuery):
        t = Transaction
        if params.type:
            stmt = stmt.where(t.type == params.type)
        if params.category_id:
            stmt = stmt.where(t.category_id == params.category_id)
        if params.account_id:
            stmt = stmt.where(or_(t.account_id == params.account_id, t.to_account_id == params.account_id))
        if params.credit_card_id:
            stmt = stmt.where(or_(t.credit_card_id == params.credit_card_id,
                                  t.to_credit_card_id == params.credit_card_id))
        if params.date_from:
            stmt = stmt.where(t.date >= params.date_from)
        if params.date_to:
            stmt = stmt.where(t.date <= params.date_to)
        if params.min_amount is not None:
            stmt = stmt.where(t.amount >= params.min_amount)
        if params.max_amount is not None:
            stmt = stmt.where(t.amount <= params.max_amount)
        if params.q:
            stmt = stmt.where(description_contains(params.q))
        if params.tag:
            stmt = stmt.where(tags.has_tag(params.tag))
        return stmt

    def list(self, session: Session, user: User, params: s.TransactionQuery, owned=None):
        if params.q and len(params.q.lower()) >= 3 and session.get_bind().dialect.name == "sqlite":
            # A text search starts from the FTS5 index's few matching rows, not from the caller's whole
            # history in date order: `+user_id` (SQLite's own way) keeps ix_transactions_user_date out
            # of the plan, so the rows come by rowid from the index's matches (the sort is of those).
            owned = select(Transaction).where(literal_column("+transactions.user_id") == user.id)
        if owned is None and not any(getattr(params, name) is not None for name in _FILTERS):
            # The everyday list (no filter): one statement per sort order, built once and run as a
            # Prepared one, its rows answered straight from the driver's values (answer_rows.py): a
            # row per tag, folded here. (The page does not carry the caller's check as a get
            # does: joined to the caller's rows, the page's order no longer comes from
            # ix_transactions_user_date, and PostgreSQL sorts the caller's whole history for each
            # page. The count that follows carries it.)
            joined = session.get_bind().dialect.name != "mssql"
            page = _unfiltered_page(params.sort, joined).mapped(
                session, {"owner": user.id, "limit": params.page_size, "skip": (params.page - 1) * params.page_size},
                answer_rows(s.TransactionOut, _SUPPLIED))
            if joined:
                page = _fold_tags(page)
            else:  # Azure SQL: the page's tags by their own statement
                names = tags.of(session, [item["id"] for item in page]) if page else {}
                for item in page:
                    item["tags"] = names.get(item["id"], [])
            return page, self.count(session, user, None, params)
        return super().list(session, user, params, owned)


    def count(self, session: Session, user: User, stmt, params: s.TransactionQuery) -> int:
        if any(getattr(params, name) is not None for name in _FILTERS):
            return super().count(session, user, stmt, params)
        # Unfiltered: the kept monthly counts (one row a month), not a scan of the whole history; the
        # caller's check rides on it when it has not run yet.
        waiting = callers.pending(user)
        if waiting is None:
            return prepared.scalar(session, _COUNT_ALL, {"owner": user.id})
        row = _COUNT_ALL_CHECKED.first(session, waiting.check)
        waiting.confirmed_by(row)  # no row: the check failed (401)
        return row[callers.WIDTH]

    def order_by(self, params: s.TransactionQuery) -> list[Any]:
        return _ordering(params.sort, Transaction)

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row) -> None:
        kind = values["type"]
        a_kind = _with_article(kind)
        allowed = _ONLY_FOR[kind]
        errors = [
            {"field": name, "message": f"{name} is not used by {a_kind} transaction; leave it out"}
            for name in _LINKS if values.get(name) is not None and name not in allowed
        ]
        if kind in ("expense", "income") and values.get("account_id") and values.get("credit_card_id"):
            verb = "paid from" if kind == "expense" else "received into"
            errors.append({"field": "credit_card_id",
                           "message": f"{a_kind} is {verb} an account or a card, not both; send account_id or "
                                      "credit_card_id"})
        if kind == "transfer":
            errors.extend(_transfer_errors(values))
        if not errors:
            errors += self.check_currencies(session, user, values, row)
        if values.get("category_id") is not None and not errors:
            category_kind = self.category_kind(session, user, values["category_id"])
            if category_kind is None:
                errors.append({"field": "category_id",
                               "message": f"you have no category with id {values['category_id']}; send the id "
                                          "of one of your categories"})
            elif category_kind != kind:
                errors.append({"field": "category_id",
                               "message": f"{a_kind} needs {_with_article(kind)} category, not "
                                          f"{_with_article(category_kind)} one; send one of your {kind} "
                                          "categories"})
        if errors:
            raise Invalid("The transaction is not valid: " + "; ".join(e["message"] for e in errors) + ".",
                          errors=errors)

    def check_currencies(self, session: Session, user: User, values: dict[str, Any], row) -> list[dict[str, str]]:
        """Set the transaction's currency (its account's or card's, else the user's) and check
        `to_amount`: required for a transfer between different currencies, refused otherwise."""
        held = {name: self.holder_currency(session, user, model, values[name])
                for name, model in _HOLDERS if values.get(name)}
        source = held.get("account_id") or held.get("credit_card_id") or user.currency
        values["currency"] = source
        if row is not None:
            row.currency = source
        if values["type"] != "transfer":
            return []
        destination = held.get("to_account_id") or held.get("to_credit_card_id")
        if destination is None or destination == source:
            if values.get("to_amount") is not None:
                return [{"field": "to_amount", "message": "to_amount is only for a transfer between different "
                                                          f"currencies; both sides are in {source}, so leave it out"}]
            return []
        if values.get("to_amount") is None:
            return [{"field": "to_amount", "message": f"to_amount is required: the money leaves in {source} and "
                                                      f"arrives in {destination}; send the amount that arrived"}]
        return []

    def check_references(self, session: Session, user: User, values: dict[str, Any]) -> None:
        """Every account, card and income source named must be the caller's (422 otherwise), checked in
        one statement that also reads the currencies and the category's kind `validate_row` needs."""
        wanted = tuple((name, model) for name, model in (*self.references.items(), ("category_id", Category))
                       if values.get(name) is not None)
        waiting = callers.pending(user)  # a create's caller: this lookup carries the check
        if not wanted:
            if waiting is not None:
                waiting.confirm()
            return
        params = {name: values[name] for name, _ in wanted}
        if waiting is not None:
            rows = prepared.run(session, _checked_facts_of(wanted), {**params, **waiting.check})
            mine = next((row for row in rows if row[0] == _CALLER_FIELD), None)
            waiting.confirmed_by(None if mine is None else mine[3:])  # no caller row: the check failed (401)
            rows = [row[:3] for row in rows if row[0] != _CALLER_FIELD]
        else:
            rows = prepared.run(session, _facts_of(wanted), params)
        models = dict(wanted)
        facts = session.info.setdefault(_FACTS, {})
        for name, owner, fact in rows:
            facts[(models[name], values[name])] = (owner, fact)
        for name, model in wanted:
            if model is not Category and facts.get((model, values[name]), (None,))[0] != user.id:
                raise not_owned(name, model, values[name])

    def _known(self, session: Session, user: User, model, row_id: int) -> tuple[bool, str | None]:
        """(found, fact) from this unit of work's reference lookup: the fact when the row is the caller's."""
        known = session.info.get(_FACTS, {}).get((model, row_id))
        if known is None:
            return False, None
        owner, fact = known
        return True, (fact if owner == user.id else None)

    def holder_currency(self, session: Session, user: User, model, holder_id: int) -> str | None:
        found, currency = self._known(session, user, model, holder_id)
        if found:
            return currency
        return prepared.scalar(session, _currency_of(model), {"row": holder_id, "owner": user.id})

    def current_values(self, row: Transaction) -> dict[str, Any]:
        return {**super().current_values(row), "currency": row.currency}

    def category_kind(self, session: Session, user: User, category_id: int) -> str | None:
        """The kind of one of the caller's categories (None when it is not theirs)."""
        found, kind = self._known(session, user, Category, category_id)
        if found:
            return kind
        return prepared.scalar(session, _CATEGORY_KIND, {"row": category_id, "owner": user.id})

    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in values.items() if name != "tags"}  # tags live in their own table

    def _checked_values(self, session: Session, user: User, data) -> dict[str, Any]:
        """A new transaction's values, its references checked, the caller's rules applied, validated."""
        values = dict(data)
        self.check_references(session, user, values)
        # The caller's rules fill in what the client did not send (category, payee, description, tags).
        apply_rules(session, user, values, data.model_fields_set)
        self.validate_row(session, user, values, None)
        return values

    def _write_new(self, session: Session, user: User, values: dict[str, Any], last_write: bool = False
                   ) -> dict[str, Any]:
        """INSERT the new row and apply its ledger change, in one statement on PostgreSQL (each a built-
        once Prepared one elsewhere: the ORM's flush costs several times the round trip). Its columns,
        the new id among them. `last_write`: the caller writes nothing more in this unit of work (its
        tags, linked after the row, are written here)."""
        columns = dict.fromkeys(_INSERTED)
        columns.update(self.to_columns(values), user_id=user.id)
        if columns["currency"] is None:  # the column's default, as the INSERT would store it
            columns["currency"] = Transaction.__table__.c.currency.default.arg
        columns["created_at"] = columns["updated_at"] = utcnow()
        change = balances.Change().add(self.current_values(_NewRow(columns)))
        columns["id"] = change.apply(session, user.id, inserting=(_INSERT, columns),
                                     last_write=last_write and not values.get("tags"))
        if values.get("tags"):
            tags.link(session, user.id, {columns["id"]: values["tags"]})
        return columns

    def create(self, session: Session, user: User, data) -> Transaction:
        """The new transaction as a persistent ORM row of the session: later changes to it (a posting's
        recurring_id, say) flush as UPDATEs as usual."""
        values = self._checked_values(session, user, data)
        columns = self._write_new(session, user, values)
        row = Transaction(**columns)  # every column set: none is left expired (a SELECT on first read)
        make_transient_to_detached(row)
        session.add(row)
        row.known_untagged = not values.get("tags")  # its answer needs no tag query
        return row

    def create_answer(self, session: Session, user: User, data) -> dict[str, Any]:
        """POST /api/transactions: the same checks and writes as `create`, answered from the columns
        written, with no ORM row built, attached and flushed for an answer that only reads it. Every
        check (the caller's, the references', the rules', the row's) runs before the write, and only
        the answer is built after it: the write is the unit of work's last (`last_write`)."""
        values = self._checked_values(session, user, data)
        row = _NewRow(self._write_new(session, user, values, last_write=True))
        row.known_untagged = not values.get("tags")
        return self.answers(session, user, [row])[0]

    def update(self, session: Session, user: User, row: Transaction, changes: dict[str, Any]) -> Transaction:
        before = self.current_values(row)
        row = super().update(session, user, row, changes)
        if "tags" in changes:
            tags.link(session, user.id, {row.id: changes["tags"]})
            row.updated_at = utcnow()
            session.flush()
        balances.apply_change(session, user.id, before, self.current_values(row))
        return row

    def delete(self, session: Session, user: User, row: Transaction, params) -> None:
        balances.apply_change(session, user.id, self.current_values(row), None)
        tags.unlink(session, [row.id])
        super().delete(session, user, row, params)

    def to_out(self, session: Session, user: User, rows: list[Transaction]) -> list[s.TransactionOut]:
        names = tags.of(session, [r.id for r in rows]) if rows else {}
        return [s.TransactionOut.model_validate({**r._asdict(), "tags": names.get(r.id, [])})
                if isinstance(r, (Row, tuple))
                else s.TransactionOut.model_validate(r).model_copy(update={"tags": names.get(r.id, [])})
                for r in rows]  # a row (Row or named tuple): a page from `list` (its tags column a placeholder)

    # A page is read as plain rows and answered straight from them, tags from their own query: no
    # ORM objects built and no pydantic validation of what the database just gave (the answer is
    # the same dict TransactionOut would dump; tests/test_answers.py holds the two equal).
    _plain_answers = True

    @property
    def _columns(self) -> list[Any]:
        """A page's columns: the answer's fields in its order (a NULL where the tags go)."""
        return _answer_columns()

    @cached_property
    def _one_answer(self) -> Prepared:
        """One transaction's answer columns and its tag names in one statement: a LEFT JOIN gives a row
        per tag in the client's order, or one row with no tag."""
        tt = TransactionTag
        return Prepared(
            select(*self._columns, Tag.name.label("tag_name"))
            .select_from(Transaction)
            .outerjoin(tt, tt.transaction_id == Transaction.id)
            .outerjoin(Tag, Tag.id == tt.tag_id)
            .where(Transaction.user_id == bindparam("owner"), Transaction.id == bindparam("row"))
            .order_by(tt.position)
        )

    @cached_property
    def _one_answer_checked(self) -> Prepared:
        """`_one_answer` carrying the caller's check (shared/services/callers.py): the caller's columns
        and a `found` id first; no row when the check failed, one with `found` NULL when they have no
        such transaction."""
        tt = TransactionTag
        mine = and_(Transaction.user_id == callers.USER_ID, Transaction.id == bindparam("row"))
        return Prepared(
            select(*callers.CALLER_COLUMNS, Transaction.id.label("found"), *self._columns, Tag.name.label("tag_name"))
            .select_from(callers.checked_from().outerjoin(Transaction, mine)
                         .outerjoin(tt, tt.transaction_id == Transaction.id).outerjoin(Tag, Tag.id == tt.tag_id))
            .where(*callers.CONDITIONS)
            .order_by(tt.position)
        )

    def answer_one(self, session: Session, user: User, row_id: int) -> dict[str, Any]:
        waiting = callers.pending(user)
        if waiting is not None:  # a read whose caller is not checked yet: this statement checks
            rows = self._one_answer_checked.rows(session, {**waiting.check, "row": row_id})
            waiting.confirmed_by(rows[0] if rows else None)  # no row at all: the check failed (401)
            rows = [row[callers.WIDTH + 1:] for row in rows if row[callers.WIDTH] is not None]
        else:
            rows = self._one_answer.rows(session, {"owner": user.id, "row": row_id})
        if not rows:
            raise not_found(self.noun)
        _, serialize = values_serializer(s.TransactionOut, _SUPPLIED)
        item = serialize(rows[0][:-1])
        item["tags"] = [row[-1] for row in rows if row[-1] is not None]
        return item

    def answers(self, session: Session, user: User, rows: list[Any]) -> list[dict[str, Any]]:
        if rows and isinstance(rows[0], dict):  # the unfiltered page, answered by `list`
            return rows
        if rows and isinstance(rows[0], (Row, tuple)):  # a page, selected as `_columns`
            _, serialize = values_serializer(s.TransactionOut, _SUPPLIED)
            tagged = [r.id for r in rows]
        else:  # rows just written or read as ORM objects
            serialize = row_serializer(s.TransactionOut, _SUPPLIED)
            tagged = [r.id for r in rows if not getattr(r, "known_untagged", False)]
        names = tags.of(session, tagged) if tagged else {}
        out = []
        for row in rows:
            item = serialize(row)
            item["tags"] = names.get(row.id, [])
            out.append(item)
        return out
