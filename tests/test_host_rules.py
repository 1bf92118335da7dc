"""What the Functions host refuses when it indexes an app, checked over the one route table: a route
beginning with `admin` or `runtime` (its own routes, whatever the routePrefix), a function name outside
^[a-zA-Z][a-zA-Z0-9_\\-]{0,127}$ or repeated ignoring case, two functions on one route and method, a
binding name that is not an identifier. The app passes; devhost refuses to start an app that does not."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import azure.functions as func
import pytest

import devhost
import function_app
from shared.web import route_table


def ok(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


def app_with(*functions: tuple[str, str, list[str]]) -> func.FunctionApp:
    """An app of HTTP functions (name, route, methods), each answering "ok"."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for name, route, methods in functions:
        def fn(req: func.HttpRequest) -> func.HttpResponse:
            return ok(req)
        app.function_name(name)(app.route(route=route, methods=methods)(fn))
    return app


def violations(app) -> list[str]:
    return route_table.host_rule_violations(route_table.functions(app))


def test_the_app_breaks_none_of_the_hosts_rules():
    assert violations(function_app.app) == []


def test_a_fake_app_that_keeps_the_rules_passes():
    assert violations(app_with(("list_things", "things", ["GET"]), ("get-thing", "things/{id:int}", ["GET"]),
                               ("summary_runs", "summaries/runs", ["POST"]))) == []


@pytest.mark.parametrize("route", ["admin/summaries/run", "Admin/things", "ADMIN", "administration/x",
                                   "runtime/webhooks", "RunTime/x", "/admin/x"])
def test_a_route_beginning_with_admin_or_runtime_is_refused(route):
    (problem,) = violations(app_with(("fn", route, ["GET"])))
    assert "reserves" in problem and repr(route) in problem


@pytest.mark.parametrize("route", ["things/admin", "summaries/runs", "my/administration"])
def test_admin_or_runtime_later_in_a_route_is_fine(route):
    assert violations(app_with(("fn", route, ["GET"]))) == []


@pytest.mark.parametrize("name", ["1things", "_things", "-things", "th ings", "thïngs", "a" * 129, "things.get"])
def test_a_function_name_outside_the_hosts_pattern_is_refused(name):
    (problem,) = violations(app_with((name, "things", ["GET"])))
    assert "is not ^[a-zA-Z]" in problem


def test_the_longest_function_name_allowed_passes():
    assert violations(app_with(("a" + "b-_9" * 31 + "xyz", "things", ["GET"]))) == []


def test_function_names_that_differ_only_in_case_are_refused():
    (problem,) = violations(app_with(("get_thing", "things", ["GET"]), ("Get_Thing", "stuff", ["GET"])))
    assert "repeats" in problem and "'Get_Thing'" in problem


def test_two_functions_on_one_route_and_method_are_refused():
    app = app_with(("get_thing", "things/{id:int}", ["GET", "PATCH"]), ("read_thing", "Things/{key:int}", ["GET"]))
    (problem,) = violations(app)
    assert "'get_thing' and 'read_thing' both serve GET" in problem


def test_one_route_with_different_methods_or_constraints_passes():
    assert violations(app_with(("get_thing", "things/{id:int}", ["GET"]), ("patch_thing", "things/{id}", ["PATCH"]),
                               ("thing_by_name", "things/{name:alpha}", ["GET"]))) == []


@pytest.mark.parametrize("name", ["my-client", "1client", "cli ent"])
def test_a_binding_name_that_is_not_an_identifier_is_refused(name):
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.route(route="things", methods=["GET"])(app.generic_input_binding(arg_name=name, type="blob", path="x/y")(ok))
    (problem,) = violations(app)
    assert f"binding name {name!r} is not an identifier" in problem


def test_devhost_will_not_route_an_app_the_host_would_refuse():
    with pytest.raises(devhost.HostRulesBroken, match="admin/summaries/run"):
        devhost.Dispatcher(app_with(("admin_run", "admin/summaries/run", ["POST"])))


def test_devhost_refuses_to_start(monkeypatch, caplog):
    bad = app_with(("runs", "runtime/runs", ["GET"]))
    monkeypatch.setitem(sys.modules, "function_app", SimpleNamespace(app=bad))
    served = []
    monkeypatch.setattr(devhost.Server, "serve_forever", lambda self, *a, **kw: served.append(self))
    assert devhost.main(["--port", "0"]) == 1
    assert served == [] and "runtime/runs" in caplog.text
