"""GET /api/openapi.json: a valid OpenAPI 3.1 document of every registered HTTP function, built from
the models that validate requests; GET /api/docs: Swagger UI served by the app under a strict CSP."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

import function_app
from shared.web.openapi import openapi_path
from shared.web.route_table import routes as http_routes
from tests.conftest import Client, assert_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def document() -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status == 200, response
    assert response.content_type.startswith("application/json")
    return response.json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_registered_http_function_is_in_the_document(document):
    documented = {(path, method): op["operationId"] for path, method, op in _operations(document)}
    missing = []
    for route in http_routes(function_app.app):
        path, _ = openapi_path(route.template)
        for method in route.methods - {"HEAD", "OPTIONS"}:
            if documented.get((path, method)) != route.name:
                missing.append(f"{method} /api/{route.template} ({route.name})")
    assert not missing, "registered but not documented: " + ", ".join(missing)


def test_every_http_function_declares_what_it_takes_and_answers():
    """The EndpointSpec must sit on the function the worker calls (not on the FunctionBuilder a decorator returns)."""
    bare = [r.name for r in http_routes(function_app.app) if r.spec is None]
    assert not bare, f"HTTP functions without an EndpointSpec (use public/authenticated/handler): {bare}"


def test_operation_ids_are_unique_and_every_operation_has_a_summary(document):
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(op["summary"].strip() for _, _, op in _operations(document))


def test_protected_routes_need_the_bearer_scheme_and_document_401(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    get_accounts = document["paths"]["/accounts"]["get"]
    assert get_accounts["security"] == [{"bearerAuth": []}]
    assert "401" in get_accounts["responses"]
    for public in (("/register", "post"), ("/login", "post"), ("/health", "get"), ("/openapi.json", "get"),
                   ("/docs", "get")):
        assert document["paths"][public[0]][public[1]]["security"] == [], public


def test_error_answers_are_problem_json_with_the_statuses_of_the_contract(document):
    patch = document["paths"]["/accounts/{id}"]["patch"]["responses"]
    assert {"200", "400", "401", "404", "413", "422"} <= set(patch)
    assert patch["404"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    login = document["paths"]["/login"]["post"]["responses"]
    assert {"200", "400", "401", "413", "422", "429"} <= set(login)
    assert "Retry-After" in login["429"]["headers"]
    assert "409" in document["paths"]["/register"]["post"]["responses"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])


def test_path_ids_are_integers_and_answer_404(document):
    op = document["paths"]["/transactions/{id}"]["get"]
    (param,) = [p for p in op["parameters"] if p["in"] == "path"]
    assert param == {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    assert "404" in op["responses"]


def test_query_parameters_come_from_the_query_model(document):
    params = {p["name"]: p for p in document["paths"]["/transactions"]["get"]["parameters"]}
    assert {"page", "page_size", "type", "category_id", "date_from", "date_to", "min_amount", "max_amount",
            "q", "sort"} <= set(params)
    assert params["page_size"]["schema"]["maximum"] == 100
    assert params["sort"]["schema"]["enum"] == ["date", "-date", "amount", "-amount"]
    assert all(not p["required"] for p in params.values())


def test_idempotency_key_header_is_documented_where_honoured(document):
    for path in ("/transactions", "/goals/{id}/contributions"):
        headers = [p["name"] for p in document["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], path
    assert not any(p["in"] == "header" for p in document["paths"]["/accounts"]["get"]["parameters"])


def test_list_answers_are_pages_of_the_item_model(document):
    schema = document["paths"]["/transactions"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["items", "page", "page_size", "total"]
    assert schema["properties"]["items"]["items"] == {"$ref": "#/components/schemas/TransactionOut"}


def test_request_bodies_are_the_validating_models_and_refuse_unknown_fields(document):
    body = document["paths"]["/transactions"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TransactionIn"}
    model = document["components"]["schemas"]["TransactionIn"]
    assert model["additionalProperties"] is False
    assert {"type", "amount", "date"} <= set(model["required"])


def test_money_is_a_string_in_answers_and_a_string_or_number_in_requests(document):
    schemas = document["components"]["schemas"]
    out = schemas["TransactionOut"]["properties"]["amount"]
    assert out["type"] == "string" and re.fullmatch(out["pattern"], "1250.50")
    accepted = {option["type"] for option in schemas["TransactionIn"]["properties"]["amount"]["anyOf"]}
    assert accepted == {"string", "number"}


def test_computed_fields_are_in_the_answer_schemas(document):
    card = document["components"]["schemas"]["CreditCardOut"]
    assert {"balance", "available_credit", "utilization"} <= set(card["properties"])
    assert "utilization" not in document["components"]["schemas"]["CreditCardIn"]["properties"]


def test_examples_are_in_the_document(document):
    register = document["components"]["schemas"]["RegisterIn"]["properties"]
    assert register["username"]["examples"] == ["ana_lopez"]


def test_the_document_is_built_once_and_cached(document):
    again = Client().get("/api/openapi.json")
    assert again.json() == document


def test_a_new_route_appears_without_editing_anything():
    """The builder reads route tables: a made-up route with a declared body shows up with its answers."""
    from shared.schemas.money import CategoryIn, CategoryOut
    from shared.web.auth import authenticated
    from shared.web.openapi import build
    from shared.web.route_table import Function

    @authenticated(body=CategoryIn, response=CategoryOut, status=201)
    def create_widget(ctx):
        """Make a widget."""

    route = Function("create_widget", "httpTrigger", (), create_widget, "widgets/{id:int}/parts", frozenset({"POST"}))
    op = build([route])["paths"]["/widgets/{id}/parts"]["post"]
    assert op["summary"] == "Make a widget."
    assert set(op["responses"]) == {"201", "400", "401", "403", "404", "413", "422"}


def test_the_document_builds_after_the_host_has_indexed_the_app():
    """The worker calls get_functions() once at start; a second call raises, so the builder never makes one."""
    import azure.functions as func

    from blueprints import docs, health
    from shared.web.openapi import document_for

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(health.bp)
    app.register_functions(docs.blueprint_for(app))
    app.get_functions()
    with pytest.raises(ValueError):
        app.get_functions()
    paths = document_for(app)["paths"]
    assert set(paths) == {"/health", "/openapi.json", "/docs", "/docs/assets/{name}"}
    assert "503" in paths["/health"]["get"]["responses"]


def test_building_the_module_imports_nothing_heavy():
    code = ("import sys; import shared.web.openapi; "
            "print(sorted(m for m in ('devhost', 'function_app', 'openapi_ui_bundles', 'pydantic.json_schema', "
            "'shared.services.resources', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# --- the docs page ------------------------------------------------------------------------------

def test_docs_page_is_swagger_ui_with_no_inline_script_and_a_strict_csp():
    page = Client().get("/api/docs")
    assert page.status == 200
    assert page.content_type.startswith("text/html") and "charset=utf-8" in page.content_type.lower()
    csp = page.header("content-security-policy")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp.split(
        "style-src")[0]
    html = page.body.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "/api/docs/assets/swagger-init.js" in html and 'data-spec-url="/api/openapi.json"' in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN: it works offline


@pytest.mark.parametrize("name, content_type", [
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("swagger-init.js", "text/javascript; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("favicon-32x32.png", "image/png"),
])
def test_docs_assets_are_served_by_the_app(name, content_type):
    asset = Client().get(f"/api/docs/assets/{name}")
    assert asset.status == 200 and asset.content_type == content_type
    assert asset.header("content-security-policy")
    assert asset.body


def test_the_bundle_is_swagger_ui_5_which_renders_openapi_3_1():
    bundle = Client().get("/api/docs/assets/swagger-ui-bundle.js").body.decode("utf-8")
    versions = re.findall(r'"(5\.\d+\.\d+)"', bundle)
    assert versions and "SwaggerUIBundle" in bundle


def test_the_init_script_points_swagger_ui_at_the_document():
    script = Client().get("/api/docs/assets/swagger-init.js").body.decode()
    assert "SwaggerUIBundle(" in script and "data-spec-url" in script


@pytest.mark.parametrize("name", ["nope.js", "..%2F..%2Fshared%2Fconfig.py", "index.html"])
def test_an_unknown_asset_is_404(name):
    assert_problem(Client().get(f"/api/docs/assets/{name}"), 404)


def test_docs_are_public_and_reachable_with_a_trailing_slash():
    page = Client().get("/api/docs/")
    assert page.status == 200
    assert "/api/docs/assets/swagger-ui.css" in page.body.decode()


def test_the_document_is_json_not_a_python_repr():
    raw = Client().get("/api/openapi.json").body.decode()
    assert json.loads(raw)["info"]["title"]


def test_a_blank_idempotency_key_is_documented_as_accepted(document, api):
    """Found by schemathesis: the document said minLength 1, but a blank key counts as none (201)."""
    (header,) = [p for p in document["paths"]["/transactions"]["post"]["parameters"] if p["in"] == "header"]
    assert "minLength" not in header["schema"] and header["schema"]["maxLength"] == 255
    created = api.post("/api/transactions", json={"type": "expense", "amount": "5", "date": "2026-10-01"},
                       headers={"Idempotency-Key": ""})
    assert created.status == 201, created


def test_each_use_of_a_model_refers_to_that_model(document):
    """Found by schemathesis: a model used a second time pointed at the last model collected."""
    for path, method, op in _operations(document):
        collection = document["paths"].get(path.removesuffix("/{id}"), {})
        if method == "GET" and path.endswith("/{id}") and "get" in collection:
            ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            listed = collection["get"]["responses"]["200"]
            assert listed["content"]["application/json"]["schema"]["properties"]["items"]["items"]["$ref"] == ref


def _resolving_validator(document: dict, schema: dict):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resource("urn:doc", Resource.opaque(document))
    rooted = json.loads(json.dumps(schema).replace('"#/components/', '"urn:doc#/components/'))
    return Draft202012Validator(rooted, registry=registry)


def _schemas_with_examples(node, where=""):
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and ("type" in node or "anyOf" in node or "$ref" in node
                                                        or "enum" in node):
            yield where, node
        for key, value in node.items():
            yield from _schemas_with_examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schemas_with_examples(value, f"{where}/{i}")


def test_every_schema_example_is_valid_against_its_own_schema(document):
    """The docs page shows these: each must be something the API would really take or answer."""
    wrong = []
    for where, schema in _schemas_with_examples(document):
        if where.endswith("/properties/examples"):
            continue
        bare = {k: v for k, v in schema.items() if k != "examples"}
        validator = _resolving_validator(document, bare)
        for example in schema["examples"]:
            errors = list(validator.iter_errors(example))
            if errors:
                wrong.append(f"{where}: {example!r}: {errors[0].message}")
    assert not wrong, "\n".join(wrong[:20])


def test_every_error_status_has_its_own_example_that_fits_the_problem_schema(document):
    problem = document["components"]["schemas"]["Problem"]
    seen = 0
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            media_type, content = next(iter(response["content"].items()))
            example = content.get("example")
            assert example is not None, f"{method} {path} {status} has no example"
            if media_type != "application/problem+json":  # the MCP transport's JSON-RPC errors
                continue
            assert example["status"] == int(status), f"{method} {path} {status} shows a {example['status']} body"
            errors = list(_resolving_validator(document, problem).iter_errors(example))
            assert not errors, f"{method} {path} {status}: {errors[0].message}"
            assert example["detail"].endswith("."), example
            seen += 1
    assert seen > 100


def test_money_examples_look_like_money(document):
    """No 60-digit amounts: every example of a money string is at most a few billions, with two decimals."""
    money = re.compile(r"^-?\d{1,10}\.\d{2}$")
    checked = 0
    for where, schema in _schemas_with_examples(document["components"]["schemas"]):
        pattern = schema.get("pattern") or next((o.get("pattern") for o in schema.get("anyOf", []) if "pattern" in o),
                                                None)
        if pattern in (r"^-?\d{1,12}(\.\d{1,2})?$", r"^-?\d+\.\d{2}$"):
            for example in schema["examples"]:
                assert money.match(str(example)), f"{where}: {example!r}"
                checked += 1
    assert checked > 50


def test_the_transaction_examples_are_one_per_kind_and_each_is_accepted(document, api):
    """The docs page's examples for POST /api/transactions, sent as shown (ids mapped to this user's own)."""
    content = document["paths"]["/transactions"]["post"]["requestBody"]["content"]["application/json"]
    examples = {name: example["value"] for name, example in content["examples"].items()}
    assert {e["type"] for e in examples.values()} == {"expense", "income", "transfer"}
    assert any("to_credit_card_id" in e for e in examples.values())  # paying a card
    assert any(e["type"] == "income" and "credit_card_id" in e for e in examples.values())  # a refund
    validator = _resolving_validator(document, content["schema"])
    for example in examples.values():
        assert not list(validator.iter_errors(example)), example
    ids = {
        "account_id": api.post("/api/accounts", json={"name": "Checking", "type": "checking",
                                                      "opening_balance": "1000"}).json()["id"],
        "to_account_id": api.post("/api/accounts", json={"name": "Savings", "type": "savings",
                                                         "opening_balance": "0"}).json()["id"],
        "credit_card_id": api.post("/api/credit-cards", json={"name": "Visa", "credit_limit": "2000",
                                                              "statement_day": 1, "due_day": 25}).json()["id"],
        "income_source_id": api.post("/api/income-sources", json={"name": "Acme", "amount": "3000",
                                                                  "frequency": "monthly"}).json()["id"],
        "category_id": next(c["id"] for c in api.get("/api/categories?page_size=100").json()["items"]
                            if c["kind"] == "expense"),
    }
    ids["to_credit_card_id"] = ids["credit_card_id"]
    for name, example in examples.items():
        sent = {key: ids.get(key, value) for key, value in example.items()}
        created = api.post("/api/transactions", json=sent)
        assert created.status == 201, (name, created.json())


def test_the_page_links_versioned_files_cached_for_a_year_and_revalidated_by_etag():
    client = Client()
    page = client.get("/api/docs")
    assert page.header("cache-control") == "no-cache"
    links = re.findall(r'(?:src|href)="(/api/docs/assets/[^"]+)"', page.body.decode())
    assert len(links) == 6 and all("?v=" in link for link in links)
    bundle_url = next(link for link in links if "swagger-ui-bundle.js" in link)
    bundle = client.get(bundle_url.replace("&amp;", "&"))
    assert bundle.status == 200 and len(bundle.body) > 500_000
    assert bundle.header("cache-control") == "public, max-age=31536000, immutable"
    etag = bundle.header("etag")
    # Without the version, or with a stale one: a day, then revalidation answers 304 with no body.
    stale = client.get("/api/docs/assets/swagger-ui-bundle.js?v=0000")
    assert stale.header("cache-control") == "public, max-age=86400" and stale.header("etag") == etag
    again = client.get("/api/docs/assets/swagger-ui-bundle.js", headers={"If-None-Match": etag})
    assert again.status == 304 and not again.body
    changed = client.get("/api/docs/assets/swagger-ui-bundle.js", headers={"If-None-Match": '"other"'})
    assert changed.status == 200 and changed.body == bundle.body
