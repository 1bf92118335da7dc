"""The five routes of an owned resource (list, create, get, patch, delete), declared on a blueprint
from the resource's service (`shared.services.resources.Resource`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import azure.functions as func

from shared.schemas import Output
from shared.services.resources import Resource, plural_of
from shared.web.auth import authenticated
from shared.web.http import Context, page_of


@dataclass(frozen=True)
class ListOf:
    """The declared answer of a list route (for the OpenAPI document)."""

    item: type[Output]


def add_routes(bp: func.Blueprint, resource: Resource, path: str, *, prefix: str | None = None,
               collection: bool = True, conflicts: bool = False) -> None:
    """Declare list, create, get, patch and delete of `resource` on the blueprint (with
    `collection=False` only get, patch and delete: for rows listed and created under a parent)."""
    name = prefix or path.replace("-", "_")
    base, item = path, f"{path}/{{id:int}}"
    conflict_statuses = (409,) if conflicts else ()

    def list_rows(ctx: Context):
        rows, total = resource.list(ctx.session, ctx.user, ctx.params)
        return page_of(resource.answers(ctx.session, ctx.user, rows), ctx.params.page, ctx.params.page_size, total)

    def create_row(ctx: Context):
        row = resource.create(ctx.session, ctx.user, ctx.data)
        return resource.answers(ctx.session, ctx.user, [row])[0]

    def get_row(ctx: Context):
        return resource.answer_one(ctx.session, ctx.user, ctx.route_int())

    def patch_row(ctx: Context):
        row = resource.get(ctx.session, ctx.user, ctx.route_int(), for_update=True)
        row = resource.update(ctx.session, ctx.user, row, ctx.data.changes())
        return resource.answers(ctx.session, ctx.user, [row])[0]

    def delete_row(ctx: Context):
        row = resource.get(ctx.session, ctx.user, ctx.route_int(), for_update=True)
        resource.delete(ctx.session, ctx.user, row, ctx.params)
        return None

    noun, nouns = resource.noun, plural_of(resource.noun)
    a_noun = ("an " if noun[0] in "aeiou" else "a ") + noun
    create_options: dict[str, Any] = {}
    if resource.idempotent_create:
        from shared.web.idempotency import HEADER, idempotent

        create_options = dict(wrap=(idempotent,), headers=(HEADER,))
    routes = [
        (list_rows, base, "GET", dict(query=resource.list_query, response=ListOf(resource.out_schema)),
         f"list_{name}", f"List your {nouns}, a page at a time."),
        (create_row, base, "POST", dict(body=resource.create_schema, response=resource.out_schema, status=201,
                                         extra_statuses=conflict_statuses, **create_options),
         f"create_{name}", f"Create {a_noun}." + _kinds(resource.create_schema)),
        (get_row, item, "GET", dict(response=resource.out_schema), f"get_{name}", f"One of your {nouns}."),
        (patch_row, item, "PATCH", dict(body=resource.update_schema, response=resource.out_schema,
                                         extra_statuses=conflict_statuses),
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




def _kinds(body: type) -> str:
    """A body model that shows named examples (one per kind) explains its kinds in its docstring: that
    becomes the create's description."""
    if not getattr(body, "request_examples", None) or not body.__doc__:
        return ""
    import inspect

    return "\n\n" + inspect.cleandoc(body.__doc__)
