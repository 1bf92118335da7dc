"""The API's own documentation: the OpenAPI document and Swagger UI, served by the app itself.

Swagger UI 5 comes from the `openapi-ui-bundles` package (no CDN, so the page works offline), and
the page runs under a strict Content-Security-Policy: every script is a file served from here.
`handlers_for(app)` makes its functions: the OpenAPI document describes the app it is given (its
route table), so this module never imports function_app.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
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
  <link rel="stylesheet" href="{swagger-ui.css}">
  <link rel="stylesheet" href="{index.css}">
  <link rel="icon" type="image/png" href="{favicon-32x32.png}" sizes="32x32">
  <link rel="icon" type="image/png" href="{favicon-16x16.png}" sizes="16x16">
</head>
<body>
  <div id="swagger-ui" data-spec-url="{spec}"></div>
  <script src="{swagger-ui-bundle.js}" charset="utf-8"></script>
  <script src="{swagger-init.js}" charset="utf-8"></script>
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
    # Each file's URL carries a hash of its content (`?v=`): the page itself is revalidated, the files
    # are cached for a year and a new bundle is a new URL.
    urls = {name: escape(f"{base}/docs/assets/{name}?v={_asset(name)[1]}") for name in ASSETS}
    page = PAGE
    for name, url in urls.items():
        page = page.replace("{" + name + "}", url)
    page = page.replace("{spec}", escape(base + "/openapi.json"))
    return func.HttpResponse(page, mimetype="text/html", charset="utf-8", headers=_headers("no-cache"))


@lru_cache(maxsize=len(ASSETS))
def _asset(name: str) -> tuple[bytes, str]:
    """A documentation file's bytes and its version (a hash of them)."""
    import hashlib

    file_name, _ = ASSETS[name]
    if file_name is None:
        content = SWAGGER_INIT.encode("utf-8")
    else:
        from openapi_ui_bundles.swagger_ui import static_path

        content = (static_path / file_name).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:16]


@public(extra_statuses=(404,), response=Raw({
    "text/javascript": {"type": "string"}, "text/css": {"type": "string"},
    "image/png": {"type": "string", "contentMediaType": "image/png"}}, "The file"),
    path_params={"name": PathParam({"type": "string", "enum": sorted(ASSETS)}, "The file's name")})
def serve_docs_asset(ctx: Context) -> func.HttpResponse:
    """A static file of the documentation page (Swagger UI's script and styles, and its starter)."""
    name = ctx.req.route_params.get("name", "")
    if name not in ASSETS:
        raise not_found("documentation asset")
    content, version = _asset(name)
    # The versioned URL the page links to never changes content: cache it for a year. Without the
    # version (or with an old one) a client caches for a day and revalidates by ETag.
    cache = "public, max-age=31536000, immutable" if ctx.req.params.get("v") == version else "public, max-age=86400"
    etag = f'"{version}"'
    headers = {**_headers(cache), "ETag": etag}
    if etag in {tag.strip() for tag in (ctx.req.headers.get("if-none-match") or "").split(",")}:
        return func.HttpResponse(status_code=304, headers=headers)
    return func.HttpResponse(content, status_code=200, headers={**headers, "Content-Type": ASSETS[name][1]})


def handlers_for(app: Any) -> dict[str, Callable[..., Any]]:
    """The functions serving the documentation routes of `app`: its OpenAPI document (built from its
    route table on first request, then kept), the Swagger UI page and the page's files."""
    built: list[str] = []
    lock = threading.Lock()

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

    return {"openapi_document": openapi_document, "docs_page": docs_page, "serve_docs_asset": serve_docs_asset}
