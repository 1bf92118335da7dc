"""Functions declared now and loaded on their first call: how the Function App indexes every function
without importing the code behind it.

A blueprint package (blueprints/<resource>/__init__.py) declares each function (its name, trigger, route
and bindings) on a `Handlers`, which names the module that serves them (its handlers.py). That module,
with the models, schemas and services it imports, is imported the first time one of its functions is
called; so the host's indexing (and a cold start) costs the Functions libraries and the declarations,
and each route pays for its own code on its first request. What the worker calls is a stand-in with
the declared signature that hands every call to the module's function; `served_by` on it reaches that
function (the route table reads the endpoint's declaration there).

Imports nothing but the standard library and azure.functions: this module is read at cold start.
"""
from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Mapping
from functools import partial
from types import ModuleType
from typing import Any, NamedTuple

import azure.functions as func

# Every HTTP function takes the request and answers a response (shared.web.http.handler makes them so).
HTTP_SIGNATURE = inspect.Signature(
    [inspect.Parameter("req", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=func.HttpRequest)],
    return_annotation=func.HttpResponse,
)


class ResourceRoute(NamedTuple):
    name: str  # the function's name: list_accounts, create_accounts, ...
    method: str
    route: str
    action: str  # list, create, get, update or delete


def resource_routes(path: str, *, prefix: str | None = None, collection: bool = True) -> list[ResourceRoute]:
    """The routes of an owned resource at `path`: list and create on the collection, get, update and
    delete on one row (with `collection=False` only the last three: rows listed and created under a
    parent). shared.web.routes.resource_handlers makes the functions that serve them."""
    name = prefix or path.replace("-", "_")
    item = f"{path}/{{id:int}}"
    routes = [
        ResourceRoute(f"list_{name}", "GET", path, "list"),
        ResourceRoute(f"create_{name}", "POST", path, "create"),
        ResourceRoute(f"get_{name}", "GET", item, "get"),
        ResourceRoute(f"update_{name}", "PATCH", item, "update"),
        ResourceRoute(f"delete_{name}", "DELETE", item, "delete"),
    ]
    return routes if collection else routes[2:]


class Handlers:
    """The functions one module serves (a blueprint's handlers.py), declared on a blueprint (`bp`) now and
    imported on the first call of any of them.

    A function is the module's function of the same name, or one in the module's `handlers` mapping
    (the functions a builder made, such as a resource's five). `build`, when given, makes that mapping
    from the module instead (for functions that need the app, like the documentation's).
    """

    def __init__(self, module: str, build: Callable[[ModuleType], Mapping[str, Callable[..., Any]]] | None = None,
                 *, bp: func.Blueprint | None = None):
        self.module = module
        self.bp = bp if bp is not None else func.Blueprint()
        self._build = build
        self._module: ModuleType | None = None
        self._built: Mapping[str, Callable[..., Any]] | None = None
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Callable[..., Any]:
        """The function serving `name` (its module imported on first use)."""
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self.module)
        if self._build is None:
            found = getattr(module, name, None)
            return found if found is not None else module.handlers[name]
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build(module)
        return self._built[name]

    def route(self, method: str, route: str, name: str) -> None:
        """The HTTP function `name` answers `method` on `route`."""
        self.bp.route(route=route, methods=[method])(self._stand_in(name, HTTP_SIGNATURE, is_async=False))

    def resource(self, path: str, *, prefix: str | None = None, collection: bool = True) -> None:
        """The routes of an owned resource at `path` (see `resource_routes`)."""
        for r in resource_routes(path, prefix=prefix, collection=collection):
            self.route(r.method, r.route, r.name)

    def function(self, prototype: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: the function declared by `prototype` (its name, parameters and annotations; its body
        is never run), served by the module's function of that name. Put the trigger and binding
        decorators of `bp` above it."""
        signature = inspect.signature(prototype, eval_str=True)
        stand_in = self._stand_in(prototype.__name__, signature, is_async=inspect.iscoroutinefunction(prototype))
        stand_in.__doc__ = prototype.__doc__
        return stand_in

    def _stand_in(self, name: str, signature: inspect.Signature, *, is_async: bool) -> Callable[..., Any]:
        served_by = partial(self.__getitem__, name)
        if is_async:
            async def stand_in(*args: Any, **kwargs: Any) -> Any:
                return await served_by()(*args, **kwargs)
        else:
            def stand_in(*args: Any, **kwargs: Any) -> Any:
                return served_by()(*args, **kwargs)
        stand_in.__name__ = stand_in.__qualname__ = name
        stand_in.__module__ = self.module
        # What the worker reads to bind the function's arguments and convert them.
        stand_in.__signature__ = signature  # type: ignore[attr-defined]
        annotations = {p.name: p.annotation for p in signature.parameters.values() if p.annotation is not p.empty}
        if signature.return_annotation is not signature.empty:
            annotations["return"] = signature.return_annotation
        stand_in.__annotations__ = annotations
        stand_in.served_by = served_by  # type: ignore[attr-defined]
        return stand_in
