"""The functions serving the five routes of an owned resource (list, create, get, patch, delete), made
from the resource's service (`shared.services.resources.Resource`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.schemas import Output
from shared.services.resources import Resource, plural_of
from shared.web.auth import authenticated
from shared.web.deferred import resource_routes
from shared.web.http import Context, page_of


@dataclass(frozen=True)
class ListOf:
    """The declared answer of a list route (for the OpenAPI document)."""

    item: type[Output]


def resource_handlers(resource: Resource, path: str, *, prefix: str | None = None, collection: bool = True,
                      conflicts: bool = False) -> dict[str, Callable[..., Any]]:
    """The functions serving the routes of `resource` at `path` (list, create, get, patch and delete; with
    `collection=False` only get, patch and delete: for rows listed and created under a parent), by
    name. The blueprint declares the routes (shared.web.deferred.resource_routes names them)."""
    conflict_statuses = (409,) if conflicts else ()

    def list_rows(ctx: Context):
        rows, total = resource.list(ctx.session, ctx.user, ctx.params)
        return page_of(resource.answers(ctx.session, ctx.user, rows), ctx.params.page, ctx.params.page_size, total)

    def create_row(ctx: Context):
        return resource.create_answer(ctx.session, ctx.user, ctx.data)

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
    actions = {
        "list": (list_rows, dict(query=resource.list_query, response=ListOf(resource.out_schema)),
                 f"List your {nouns}, a page at a time."),
        "create": (create_row, dict(body=resource.create_schema, response=resource.out_schema, status=201,
                                    extra_statuses=conflict_statuses, carried_check=resource.create_carries_check,
                                    **create_options),
                   f"Create {a_noun}." + _kinds(resource.create_schema)),
        "get": (get_row, dict(response=resource.out_schema), f"One of your {nouns}."),
        "update": (patch_row, dict(body=resource.update_schema, response=resource.out_schema,
                                   extra_statuses=conflict_statuses),
                   f"Change some fields of {a_noun}; fields not sent stay as they are."),
        "delete": (delete_row, dict(query=resource.delete_query, status=204, extra_statuses=(409,)),
                   f"Delete {a_noun}."),
    }
    handlers = {}
    for route in resource_routes(path, prefix=prefix, collection=collection):
        fn, options, doc = actions[route.action]
        fn.__name__ = fn.__qualname__ = route.name
        fn.__doc__ = doc
        fn.__module__ = type(resource).__module__
        handlers[route.name] = authenticated(fn, **options)
    return handlers


def _kinds(body: type) -> str:
    """A body model that shows named examples (one per kind) explains its kinds in its docstring: that
    becomes the create's description."""
    if not getattr(body, "request_examples", None) or not body.__doc__:
        return ""
    import inspect

    return "\n\n" + inspect.cleandoc(body.__doc__)
