"""The API's own documentation: the OpenAPI document and Swagger UI, served by the app itself.

Swagger UI 5 comes from the `openapi-ui-bundles` package (no CDN, so the page works offline), and
the page runs under a strict Content-Security-Policy: every script is a file served from here.
`blueprint_for(app)` makes the blueprint: the OpenAPI document describes the app it is given (its
route table), so this module never imports function_app.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from html import escape
from typing import Any

import azure.functions as func

from shared.web.http import Context, dumps, not_found, public
from shared.web.openapi import PathParam, Raw

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Starts Swagger UI; a served file, because the CSP allows no inline script.
SWAGGER_INIT = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""
# name -> (file in openapi_ui_bundles.swagger_ui, or None for ours, Content-Type)
ASSETS = {
    "swagger-ui-bundle.js": ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui.css", "text/css; charset=utf-8"),
    "index.css": ("index.css", "text/css; charset=utf-8"),
    "favicon-32x32.png": ("favicon-32x32.png", "image/png"),
    "favicon-16x16.png": ("favicon-16x16.png", "image/png"),
    "swagger-init.js": (None, "text/javascript; charset=utf-8"),
}
PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Personal Finance API — documentation</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="stylesheet" href="{assets}/index.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="{assets}/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui" data-spec-url="{spec}"></div>
  <script src="{assets}/swagger-ui-bundle.js" charset="utf-8"></script>
  <script src="{assets}/swagger-init.js" charset="utf-8"></script>
</body>
</html>
"""


def _headers(cache: str) -> dict[str, str]:
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": cache}


def _base_path(req: func.HttpRequest) -> str:
    """`/api` from `…/api/docs`, whatever the host's route prefix is."""
    path = (req.url or "").split("?", 1)[0].split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    return path.rstrip("/").removesuffix("/docs")


@public(response=Raw({"text/html": {"type": "string"}}, "The interactive documentation (Swagger UI)"))
def docs_page(ctx: Context) -> func.HttpResponse:
    """Interactive documentation: every route, with "Try it out" and "Authorize" for the bearer token."""
    base = _base_path(ctx.req)
    page = PAGE.format(assets=escape(base + "/docs/assets"), spec=escape(base + "/openapi.json"))
    return func.HttpResponse(page, mimetype="text/html", charset="utf-8", headers=_headers("no-cache"))


@lru_cache(maxsize=len(ASSETS))
def _asset_bytes(name: str) -> bytes:
    file_name, _ = ASSETS[name]
    if file_name is None:
        return SWAGGER_INIT.encode("utf-8")
    from openapi_ui_bundles.swagger_ui import static_path

    return (static_path / file_name).read_bytes()


@public(extra_statuses=(404,), response=Raw({
    "text/javascript": {"type": "string"}, "text/css": {"type": "string"},
    "image/png": {"type": "string", "contentMediaType": "image/png"}}, "The file"),
    path_params={"name": PathParam({"type": "string", "enum": sorted(ASSETS)}, "The file's name")})
def serve_docs_asset(ctx: Context) -> func.HttpResponse:
    """A static file of the documentation page (Swagger UI's script and styles, and its starter)."""
    name = ctx.req.route_params.get("name", "")
    if name not in ASSETS:
        raise not_found("documentation asset")
    return func.HttpResponse(_asset_bytes(name), status_code=200, headers={
        **_headers("public, max-age=86400"), "Content-Type": ASSETS[name][1]})


def blueprint_for(app: Any) -> func.Blueprint:
    """The documentation routes of `app`: its OpenAPI document (built from its route table on first
    request, then kept), the Swagger UI page and the page's files."""
    bp = func.Blueprint()
    built: list[str] = []
    lock = threading.Lock()

    @bp.route(route="openapi.json", methods=["GET"])
    @public(response=Raw({"application/json": {"type": "object", "required": ["openapi", "paths"]}},
                         "The OpenAPI 3.1 document of this API"))
    def openapi_document(ctx: Context) -> func.HttpResponse:
        """This API's OpenAPI 3.1 document, generated from the routes and models the app runs."""
        with lock:
            if not built:
                from shared.web.openapi import document_for

                built.append(dumps(document_for(app)))
        return func.HttpResponse(built[0], mimetype="application/json", charset="utf-8",
                                 headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    bp.route(route="docs", methods=["GET"])(docs_page)
    bp.route(route="docs/assets/{name}", methods=["GET"])(serve_docs_asset)
    return bp
