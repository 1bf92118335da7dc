"""Indexing the app imports each blueprint's declarations and none of its handlers; each function is
served by its blueprint's function of the same name, loaded on the first call (shared/web/deferred.py,
blueprints/<resource>/__init__.py)."""
from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import azure.functions as func

import function_app
from shared.web import route_table
from shared.web.deferred import HTTP_SIGNATURE, Handlers, resource_routes

ROOT = Path(__file__).resolve().parents[1]


def test_indexing_the_app_imports_no_handlers_model_schema_or_service():
    code = ("import sys, function_app; function_app.app.get_functions(); "
            "print(sorted(m for m in sys.modules if m.startswith(('shared.services', 'shared.schemas', "
            "'shared.data.models', 'shared.data.db')) or m.count('.') > 1 and m.startswith('blueprints.') "
            "or m in ('shared.web.http', 'shared.web.auth', 'pydantic.main', 'sqlalchemy.orm', 'jwt', 'bcrypt'))); "
            "print(sorted(m for m in sys.modules if m.startswith('blueprints.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    heavy, blueprints = out.stdout.strip().splitlines()
    assert heavy == "[]", heavy
    # Every blueprint's package (its declarations) was read, and only that: none of their handlers.py.
    packages = sorted(f"blueprints.{p.parent.name}" for p in (ROOT / "blueprints").glob("*/__init__.py"))
    assert len(packages) > 20 and blueprints == str(packages), blueprints


def test_every_function_is_served_by_its_blueprints_function_of_the_same_name():
    for f in route_table.functions(function_app.app):
        served = f.handler
        if f.trigger == "orchestrationTrigger":  # the Durable library's own wrapper around the declared one
            served = f.function.orchestrator_function.served_by()
        assert served is not f.function and served.__name__ == f.name, f.name
        assert inspect.iscoroutinefunction(served) == f.is_async, f.name
        if f.is_http and f.name != "start_summaries_run":
            assert f.spec is not None and f.spec.endpoint is not None, f.name
            assert list(inspect.signature(f.function).parameters) == ["req"], f.name


def test_the_orchestration_and_activities_the_job_calls_by_name_are_functions_of_the_app():
    from blueprints.summaries.handlers import BATCH, ORCHESTRATOR, PLAN, RECORD

    assert route_table.function_named(function_app.app, ORCHESTRATOR).trigger == "orchestrationTrigger"
    for name in (PLAN, BATCH, RECORD):
        assert route_table.function_named(function_app.app, name).trigger == "activityTrigger"


def test_a_module_is_imported_on_the_first_call_and_answers_through_the_stand_in():
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    handlers = Handlers("tests.deferred_module")
    handlers.route("GET", "ping", "ping")
    app.register_functions(handlers.bp)
    (fn,) = app.get_functions()
    stand_in = fn.get_user_function()
    assert "tests.deferred_module" not in sys.modules
    assert inspect.signature(stand_in) == HTTP_SIGNATURE
    assert stand_in.__annotations__ == {"req": func.HttpRequest, "return": func.HttpResponse}
    assert stand_in(req="hello") == "pong: hello"
    assert "tests.deferred_module" in sys.modules
    assert stand_in.served_by() is sys.modules["tests.deferred_module"].ping


def test_a_resource_declares_five_routes_or_three_under_a_parent():
    assert [(r.name, r.method, r.route) for r in resource_routes("credit-cards")] == [
        ("list_credit_cards", "GET", "credit-cards"), ("create_credit_cards", "POST", "credit-cards"),
        ("get_credit_cards", "GET", "credit-cards/{id:int}"), ("update_credit_cards", "PATCH", "credit-cards/{id:int}"),
        ("delete_credit_cards", "DELETE", "credit-cards/{id:int}")]
    assert [r.name for r in resource_routes("assets", collection=False)] == ["get_assets", "update_assets",
                                                                             "delete_assets"]
