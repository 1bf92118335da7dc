"""The service every owned resource shares: ownership-scoped get-or-not-found, list with filters,
sort and paging, create, patch that applies only the sent fields, delete.

A resource is a subclass of `Resource` that names its model and schemas and overrides only the
hooks where its rules differ; `shared.web.routes.resource_handlers` makes its HTTP functions.
"""
from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, bindparam, select
from sqlalchemy import func as sqlfunc
from sqlalchemy.orm import Session

from shared.data import prepared
from shared.data.models import Base, User
from shared.errors import conflict, invalid, not_found
from shared.schemas import Input, Output, PageQuery, Patch
from shared.schemas.answers import row_serializer

R = TypeVar("R", bound=Base)


def page_of(session: Session, stmt: Select, order_by: list[Any], params: PageQuery) -> tuple[list[Any], int]:
    """One page of `stmt`'s rows in `order_by` order, and how many rows it selects in all."""
    total = session.execute(select(sqlfunc.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(*order_by).limit(params.page_size).offset((params.page - 1) * params.page_size)
    ).scalars().all()
    return list(rows), total


def plural_of(noun: str) -> str:
    """"category" -> "categories", "account" -> "accounts" (the nouns this API has)."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def singular_of(table: str) -> str:
    """A table's name as a noun: "categories" -> "category", "credit_cards" -> "credit card"."""
    words = table.replace("_", " ")
    return words[:-3] + "y" if words.endswith("ies") else words.removesuffix("s")


class Resource(Generic[R]):
    model: ClassVar[type[Base]]
    noun: ClassVar[str]  # "account", for messages
    create_schema: ClassVar[type[Input]]
    update_schema: ClassVar[type[Patch]]
    out_schema: ClassVar[type[Output]]
    list_query: ClassVar[type[PageQuery]] = PageQuery
    delete_query: ClassVar[type[BaseModel] | None] = None
    # Ids in a body that must name one of the caller's own rows: field -> model.
    references: ClassVar[dict[str, type[Base]]] = {}
    # POST honours Idempotency-Key (money must not double when a client or the host retries).
    idempotent_create: ClassVar[bool] = False
    # The create's first statement carries the caller's check (its `create` confirms a
    # shared.services.callers.PendingWriter before it writes anything).
    create_carries_check: ClassVar[bool] = False

    # --- queries -------------------------------------------------------------------------------
    def owned(self, user: User) -> Select:
        return select(self.model).where(self.model.user_id == user.id)

    def filter(self, stmt: Select, params: PageQuery) -> Select:
        return stmt

    def order_by(self, params: PageQuery) -> list[Any]:
        return [self.model.id]

    @cached_property
    def _one_owned(self) -> tuple[Select, Select]:
        """(read, read for update) of one of the caller's rows, built once with bound parameters."""
        stmt = select(self.model).where(self.model.user_id == bindparam("owner"), self.model.id == bindparam("row"))
        return stmt, stmt.with_for_update()

    def get(self, session: Session, user: User, row_id: int, *, for_update: bool = False) -> R:
        read, locked = self._one_owned
        stmt = locked if for_update and session.get_bind().dialect.name != "sqlite" else read
        row = session.execute(stmt, {"owner": user.id, "row": row_id}).scalar_one_or_none()
        if row is None:
            raise not_found(self.noun)
        return row

    def answer_one(self, session: Session, user: User, row_id: int) -> Any:
        """GET one: the answer for one of the caller's rows (a resource may read it more cheaply)."""
        return self.answers(session, user, [self.get(session, user, row_id)])[0]

    def list(self, session: Session, user: User, params: PageQuery, owned: Select | None = None
             ) -> tuple[list[R], int]:
        """A page of the caller's rows and their total (`owned`: the caller's rows, if not `self.owned`)."""
        stmt = self.filter(self.owned(user) if owned is None else owned, params)
        total = self.count(session, user, stmt, params)
        page = (stmt.order_by(*self.order_by(params)).limit(params.page_size)
                .offset((params.page - 1) * params.page_size))
        if self._plain_answers:
            # Only the columns, as plain rows (Core: no ORM loading): the answer reads their values,
            # so building (and identity-mapping) a hundred ORM objects would be work thrown away.
            return session.connection().execute(page.with_only_columns(*self._columns)).all(), total
        return list(session.execute(page).scalars().all()), total

    @cached_property
    def _columns(self) -> list[Any]:
        return [getattr(self.model, key) for key in self.model.__mapper__.column_attrs.keys()]

    @cached_property
    def _plain_answers(self) -> bool:
        """Answers come straight from rows: `to_out` not overridden and the answer model plain."""
        return type(self).to_out is Resource.to_out and row_serializer(self.out_schema) is not None

    def count(self, session: Session, user: User, stmt: Select, params: PageQuery) -> int:
        """The list's `total`: the rows `stmt` selects (a resource may know it more cheaply)."""
        return session.execute(select(sqlfunc.count()).select_from(stmt.order_by(None).subquery())).scalar_one()

    # --- writes --------------------------------------------------------------------------------
    def check_references(self, session: Session, user: User, values: dict[str, Any]) -> None:
        """Every referenced id must be the caller's own: another user's id is a 422, never a link."""
        for field_name, model in self.references.items():
            ref = values.get(field_name)
            if ref is None:
                continue
            owner = prepared.scalar(session, _owner_of(model), {"row": ref})
            if owner != user.id:
                raise not_owned(field_name, model, ref)

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row: R | None) -> None:
        """Rules across fields, given the values the row will have; raise a domain error to refuse."""

    def create(self, session: Session, user: User, data: Input) -> R:
        values = dict(data)  # raw values (model_dump would apply the answer serializers)
        self.check_references(session, user, values)
        self.validate_row(session, user, values, None)
        row = self.new_row(user, values)
        session.add(row)
        session.flush()
        self.after_create(session, user, row)
        return row

    def update(self, session: Session, user: User, row: R, changes: dict[str, Any]) -> R:
        merged = {**self.current_values(row), **changes}
        self.check_references(session, user, changes)
        self.validate_row(session, user, merged, row)
        before = self.current_values(row)
        for name, value in self.to_columns(changes).items():
            setattr(row, name, value)
        session.flush()
        self.after_update(session, user, row, before)
        return row

    def delete(self, session: Session, user: User, row: R, params: BaseModel | None) -> None:
        self.before_delete(session, user, row, params)
        session.delete(row)
        session.flush()

    # --- hooks ---------------------------------------------------------------------------------
    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def create_answer(self, session: Session, user: User, data) -> Any:
        """A create's answer (POST): the row `create` made, answered (a resource may answer without
        building the ORM row, as transactions do)."""
        return self.answers(session, user, [self.create(session, user, data)])[0]

    def new_row(self, user: User, values: dict[str, Any]) -> R:
        """The row a create inserts (override to set derived columns in the same INSERT)."""
        return self.model(user_id=user.id, **self.to_columns(values))

    def current_values(self, row: R) -> dict[str, Any]:
        return {name: getattr(row, name) for name in self.create_schema.model_fields if hasattr(row, name)}

    def after_create(self, session: Session, user: User, row: R) -> None:
        pass

    def after_update(self, session: Session, user: User, row: R, before: dict[str, Any]) -> None:
        pass

    def before_delete(self, session: Session, user: User, row: R, params: BaseModel | None) -> None:
        pass

    def to_out(self, session: Session, user: User, rows: list[R]) -> list[Output]:
        """Shape rows for the answer; override to add computed fields with one query per page."""
        return [self.out_schema.model_validate(row) for row in rows]

    def answers(self, session: Session, user: User, rows: list[R]) -> list[dict[str, Any]]:
        """The rows as JSON-ready answers: straight from the rows when the answer model is plain
        values and `to_out` is not overridden (no pydantic pass over what the database just gave),
        else through `to_out` and pydantic."""
        if self._plain_answers:
            serialize = row_serializer(self.out_schema)
            return [serialize(row) for row in rows]
        return [item.model_dump(mode="json") for item in self.to_out(session, user, rows)]

def not_owned(field_name: str, model: type[Base], ref: Any) -> Exception:
    """The 422 for an id in a body that names no row of the caller's (another user's id included)."""
    noun = singular_of(model.__tablename__)
    return invalid(field_name, f"names no {noun} of yours (id {ref}); send the id of one of your {plural_of(noun)}")


@lru_cache(maxsize=64)
def _owner_of(model: type[Base]) -> Select:
    """Who owns row :row of `model`: built once per table, run as Core."""
    return select(model.user_id).where(model.id == bindparam("row"))


class CurrencyHolder:
    """A money holder (account, card, asset) with a `currency`: the user's when the client sends
    none, required on a PATCH that names it, and fixed once something is recorded in it (409):
    its transactions (or prices) were written in that currency and are never re-denominated."""

    holder_noun: ClassVar[str] = "holder"

    def uses(self, session: Session, row: Any) -> int:
        """How many records are in this holder's currency (transactions, prices)."""
        raise NotImplementedError

    def new_row(self, user: User, values: dict[str, Any]):
        values = {**values, "currency": values.get("currency") or user.currency}
        return super().new_row(user, values)  # type: ignore[misc]

    def current_values(self, row) -> dict[str, Any]:
        return {**super().current_values(row), "currency": row.currency}  # type: ignore[misc]

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row) -> None:
        super().validate_row(session, user, values, row)  # type: ignore[misc]
        if row is None:
            return
        if values.get("currency") is None:
            raise invalid("currency", "currency cannot be null; send an ISO 4217 code such as EUR, or leave it out")
        if values["currency"] != row.currency:
            used = self.uses(session, row)
            if used:
                raise conflict(f"This {self.holder_noun} has {used} record(s) in {row.currency}; its currency "
                               "cannot change.", "currency")
