"""The machinery every owned resource shares: ownership-scoped get-or-404, list with filters, sort
and paging, create, patch that applies only the sent fields, delete, and the five routes.

A resource is a subclass of `Resource` that names its model and schemas and overrides only the
hooks where its rules differ; `add_routes(bp, resource)` declares its HTTP functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

import azure.functions as func
from pydantic import BaseModel
from sqlalchemy import Select, bindparam, func as sqlfunc, select
from sqlalchemy.orm import Session

from shared.auth import authenticated
from shared.http import Context, invalid, not_found, page_of
from shared.models import Base, User
from shared.schemas import Input, Output, PageQuery, Patch

R = TypeVar("R", bound=Base)


class Resource(Generic[R]):
    model: ClassVar[type[Base]]
    noun: ClassVar[str]  # "account", for messages
    path: ClassVar[str]  # "accounts", the route
    create_schema: ClassVar[type[Input]]
    update_schema: ClassVar[type[Patch]]
    out_schema: ClassVar[type[Output]]
    list_query: ClassVar[type[PageQuery]] = PageQuery
    delete_query: ClassVar[type[BaseModel] | None] = None
    conflict_statuses: ClassVar[tuple[int, ...]] = ()
    # Ids in a body that must name one of the caller's own rows: field -> model.
    references: ClassVar[dict[str, type[Base]]] = {}
    # POST honours Idempotency-Key (money must not double when a client or the host retries).
    idempotent_create: ClassVar[bool] = False

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

    def list(self, session: Session, user: User, params: PageQuery) -> tuple[list[R], int]:
        stmt = self.filter(self.owned(user), params)
        total = self.count(session, user, stmt, params)
        rows = session.execute(
            stmt.order_by(*self.order_by(params)).limit(params.page_size).offset((params.page - 1) * params.page_size)
        ).scalars().all()
        return list(rows), total

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
            owner = session.execute(select(model.user_id).where(model.id == ref)).scalar_one_or_none()
            if owner != user.id:
                raise invalid(field_name, f"no {model.__tablename__.rstrip('s').replace('_', ' ')} with id {ref}")

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row: R | None) -> None:
        """Rules across fields, given the values the row will have; raise ApiError to refuse."""

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


@dataclass(frozen=True)
class ListOf:
    """The declared answer of a list route (for the OpenAPI document)."""

    item: type[Output]


def add_routes(bp: func.Blueprint, resource: Resource, *, prefix: str | None = None,
               collection: bool = True) -> None:
    """Declare list, create, get, patch and delete of `resource` on the blueprint (with
    `collection=False` only get, patch and delete: for rows listed and created under a parent)."""
    name = prefix or resource.path.replace("-", "_")
    base, item = resource.path, f"{resource.path}/{{id:int}}"

    def list_rows(ctx: Context):
        rows, total = resource.list(ctx.session, ctx.user, ctx.params)
        items = resource.to_out(ctx.session, ctx.user, rows)
        return page_of([i.model_dump(mode="json") for i in items], ctx.params.page, ctx.params.page_size, total)

    def create_row(ctx: Context):
        row = resource.create(ctx.session, ctx.user, ctx.data)
        return resource.to_out(ctx.session, ctx.user, [row])[0]

    def get_row(ctx: Context):
        row = resource.get(ctx.session, ctx.user, ctx.route_int())
        return resource.to_out(ctx.session, ctx.user, [row])[0]

    def patch_row(ctx: Context):
        row = resource.get(ctx.session, ctx.user, ctx.route_int(), for_update=True)
        row = resource.update(ctx.session, ctx.user, row, ctx.data.changes())
        return resource.to_out(ctx.session, ctx.user, [row])[0]

    def delete_row(ctx: Context):
        row = resource.get(ctx.session, ctx.user, ctx.route_int(), for_update=True)
        resource.delete(ctx.session, ctx.user, row, ctx.params)
        return None

    noun = resource.noun
    a_noun = ("an " if noun[0] in "aeiou" else "a ") + noun
    create_options: dict[str, Any] = {}
    if resource.idempotent_create:
        from shared.idempotency import HEADER, idempotent

        create_options = dict(wrap=(idempotent,), headers=(HEADER,))
    routes = [
        (list_rows, base, "GET", dict(query=resource.list_query, response=ListOf(resource.out_schema)),
         f"list_{name}", f"List your {noun}s, a page at a time."),
        (create_row, base, "POST", dict(body=resource.create_schema, response=resource.out_schema, status=201,
                                         extra_statuses=resource.conflict_statuses, **create_options),
         f"create_{name}", f"Create {a_noun}."),
        (get_row, item, "GET", dict(response=resource.out_schema), f"get_{name}", f"One of your {noun}s."),
        (patch_row, item, "PATCH", dict(body=resource.update_schema, response=resource.out_schema,
                                         extra_statuses=resource.conflict_statuses),
         f"update_{name}", f"Change some fields of {a_noun}; fields not sent stay as they are."),
        (delete_row, item, "DELETE", dict(query=resource.delete_query, status=204, extra_statuses=(409,)),
         f"delete_{name}", f"Delete {a_noun}."),
    ]
    if not collection:
        routes = routes[2:]
    for fn, route, method, options, function_name, doc in routes:
        fn.__name__ = fn.__qualname__ = function_name
        fn.__doc__ = doc
        fn.__module__ = type(resource).__module__
        bp.function_name(function_name)(bp.route(route=route, methods=[method])(authenticated(fn, **options)))


