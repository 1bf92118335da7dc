"""devhost routes the way the Functions host does, from the functions' own metadata."""
from __future__ import annotations

import io
import json
import re

import azure.functions as func
import pytest

import devhost
import function_app
from devhost import Dispatcher, compile_template, http_routes, make_wsgi_app
from shared.web import route_table


def echo(name: str):
    def fn(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({"fn": name, "params": dict(req.route_params)}),
                                 mimetype="application/json")
    fn.__name__ = name
    return fn


def sample_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.route(route="things", methods=["GET"])(echo("list_things"))
    app.route(route="things/{id:int}", methods=["GET", "PATCH"])(echo("get_thing"))
    app.route(route="things/special", methods=["GET"])(echo("special_thing"))
    app.route(route="reports/{kind:alpha}/{year?}", methods=["GET"])(echo("report"))
    app.route(route="files/{*rest}", methods=["GET"])(echo("files"))
    return app


@pytest.fixture(scope="module")
def sample() -> Dispatcher:
    return Dispatcher(sample_app(), prefix="api")


def routed(dispatcher: Dispatcher, method: str, path: str):
    found = dispatcher.resolve(method, path)
    return None if found is None else (found[0].name, found[1])


# --- templates ------------------------------------------------------------------------------------

def test_int_constraint_matches_digits(sample):
    assert routed(sample, "GET", "/api/things/42") == ("get_thing", {"id": "42"})


@pytest.mark.parametrize("segment", ["abc", "4x", "4.5", ""])
def test_int_constraint_refuses_non_digits(sample, segment):
    assert routed(sample, "GET", f"/api/things/{segment}") in (None, ("list_things", {}))


def test_literal_segment_wins_over_parameter(sample):
    assert routed(sample, "GET", "/api/things/special") == ("special_thing", {})


def test_optional_parameter_may_be_absent(sample):
    assert routed(sample, "GET", "/api/reports/monthly") == ("report", {"kind": "monthly"})


def test_optional_parameter_may_be_present(sample):
    assert routed(sample, "GET", "/api/reports/monthly/2026") == ("report", {"kind": "monthly", "year": "2026"})


def test_alpha_constraint_refuses_digits(sample):
    assert routed(sample, "GET", "/api/reports/2026") is None


def test_catch_all_takes_the_rest_of_the_path(sample):
    assert routed(sample, "GET", "/api/files/a/b/c.txt") == ("files", {"rest": "a/b/c.txt"})


def test_trailing_slash_is_ignored(sample):
    assert routed(sample, "GET", "/api/things/") == ("list_things", {})


def test_literal_segments_match_case_insensitively(sample):
    # ASP.NET Core routing, which the Functions host uses, ignores case in literal segments.
    assert routed(sample, "GET", "/API/Things/7") == ("get_thing", {"id": "7"})


def test_extra_segments_do_not_match(sample):
    assert routed(sample, "GET", "/api/things/7/more") is None


def test_unknown_constraint_is_refused_at_startup():
    with pytest.raises(ValueError, match="unsupported route constraint"):
        compile_template("things/{id:decimal}")


# --- methods and answers --------------------------------------------------------------------------

def test_declared_methods_are_routed(sample):
    assert routed(sample, "PATCH", "/api/things/3") == ("get_thing", {"id": "3"})


def test_method_not_declared_is_404(sample):
    status, headers, body = sample.handle("DELETE", "/api/things/3", "", {}, b"", "http://x/api/things/3")
    assert status == 404 and json.loads(body)["status"] == 404


def test_unknown_path_is_404_problem(sample):
    status, headers, _ = sample.handle("GET", "/api/nothing", "", {}, b"", "http://x/api/nothing")
    assert status == 404 and headers["Content-Type"].startswith("application/problem+json")


def test_route_params_reach_the_function(sample):
    status, _, body = sample.handle("GET", "/api/things/12", "", {}, b"", "http://x/api/things/12")
    assert status == 200 and json.loads(body) == {"fn": "get_thing", "params": {"id": "12"}}


# --- the route prefix -----------------------------------------------------------------------------

def test_route_prefix_is_read_from_host_json():
    assert route_table.route_prefix(devhost.ROOT) == json.loads((devhost.ROOT / "host.json").read_text())[
        "extensions"]["http"]["routePrefix"]


def test_route_prefix_follows_a_changed_host_json(tmp_path, monkeypatch):
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": "v2"}}}))
    monkeypatch.setattr(devhost, "ROOT", tmp_path)
    dispatcher = Dispatcher(sample_app())
    assert routed(dispatcher, "GET", "/v2/things") == ("list_things", {})
    assert routed(dispatcher, "GET", "/api/things") is None


def test_empty_route_prefix_serves_from_the_root(tmp_path, monkeypatch):
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}))
    monkeypatch.setattr(devhost, "ROOT", tmp_path)
    assert routed(Dispatcher(sample_app()), "GET", "/things") == ("list_things", {})


def test_missing_host_json_means_the_default_api_prefix(tmp_path, monkeypatch):
    monkeypatch.setattr(devhost, "ROOT", tmp_path)
    assert route_table.route_prefix(devhost.ROOT) == "api"


def test_path_outside_the_prefix_is_not_routed(sample):
    assert routed(sample, "GET", "/things") is None and routed(sample, "GET", "/apix/things") is None


# --- the real app ---------------------------------------------------------------------------------

def real_routes():
    return [(r.template, sorted(r.methods)) for r in http_routes(function_app.app)]


def test_every_contract_identity_route_is_served():
    served = {(method, template) for template, methods in real_routes() for method in methods}
    assert {("POST", "register"), ("POST", "login"), ("POST", "token/refresh"), ("POST", "logout"), ("GET", "me"),
            ("PATCH", "me"), ("DELETE", "me"), ("POST", "me/password"), ("GET", "health")} <= served


_SAMPLES = {"int": "1", "long": "1", "alpha": "a", "bool": "true", "guid": "12345678-1234-1234-1234-123456789abc"}


def sample_path(template: str) -> str:
    return "/api/" + re.sub(r"\{\*?(\w+)(?::(\w+))?\??\}", lambda m: _SAMPLES.get(m.group(2) or "int", "1"), template)


def test_every_real_route_resolves_to_itself_with_its_methods():
    dispatcher = Dispatcher(function_app.app)
    for route in http_routes(function_app.app):
        for method in route.methods:
            found = dispatcher.resolve(method, sample_path(route.template))
            assert found is not None and found[0].template == route.template, (method, route.template)


def test_real_route_with_wrong_method_is_404():
    dispatcher = Dispatcher(function_app.app)
    assert dispatcher.resolve("GET", "/api/login") is None
    assert dispatcher.resolve("POST", "/api/health") is None


# --- the WSGI front -------------------------------------------------------------------------------

def call_wsgi(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
              peer: str = "192.0.2.250"):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
               "SERVER_PORT": "7071", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
               "REMOTE_ADDR": peer, "CONTENT_LENGTH": str(len(body)) if body else ""}
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()})
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    out = b"".join(make_wsgi_app(function_app.app)(environ, start_response))
    return seen["status"], seen["headers"], out


def test_wsgi_serves_health():
    status, headers, body = call_wsgi("GET", "/api/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert headers["Content-Length"] == str(len(body))


def test_wsgi_head_has_no_body():
    status, _, body = call_wsgi("HEAD", "/api/health")
    assert body == b"" and status in (200, 404)


def test_wsgi_passes_the_peer_as_the_last_forwarded_hop(monkeypatch):
    import shared.web.auth

    seen = []
    real = shared.web.auth.client_address
    monkeypatch.setattr("blueprints.auth.handlers.client_address", lambda req: seen.append(real(req)) or real(req))
    call_wsgi("POST", "/api/login", b'{"username": "nobody", "password": "wrong-password"}',
              headers={"X-Forwarded-For": "203.0.113.1", "Content-Type": "application/json"}, peer="192.0.2.251")
    assert seen == ["192.0.2.251"]


def test_the_first_segment_index_routes_exactly_as_trying_every_route():
    """resolve() only tries the routes whose first segment can match; the answer must be the one a
    scan of the whole table in order gives, for every real route and for paths that match none."""
    dispatcher = Dispatcher(function_app.app)

    def scan(method, path):
        path = path[len(dispatcher.prefix):]
        path = "/" + path.strip("/") if path.strip("/") else ""
        for route in dispatcher.routes:
            params = route.match(path)
            if params is not None and method in route.methods:
                return route.name, params
        return None

    paths = ["/api", "/api/", "/api/nope", "/api/ACCOUNTS", "/api/Accounts/7", "/api/accounts/7/x", "/api/ſummaries",
             "/api/\u212aeys", "/api/docs/x/y"]
    for route in dispatcher.routes:
        concrete = re.sub(r"\{\*?([a-z_]+)(:[a-z]+)?\??\}", lambda m: "12" if m.group(2) in (":int", ":long")
                          else "abc", route.template)
        paths += [f"/api/{concrete}", f"/api/{concrete.upper()}", f"/api/{concrete}/extra"]
    for path in paths:
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            assert routed(dispatcher, method, path) == scan(method, path), (method, path)
