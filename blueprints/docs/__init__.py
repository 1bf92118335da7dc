"""The API's own documentation, served by the app itself: GET /api/openapi.json (the OpenAPI document
of the app), GET /api/docs (Swagger UI) and GET /api/docs/assets/{name} (the page's files).

Declared here, served by handlers.py: that module (with the OpenAPI builder and Swagger UI's files)
is imported on the first call of one of these functions (shared/web/deferred.py). The document
describes the app `blueprint_for` is given, so nothing here imports function_app."""
import azure.functions as func

from shared.web.deferred import Handlers


def blueprint_for(app: func.FunctionApp) -> func.Blueprint:
    """The documentation routes of `app`: its OpenAPI document, the Swagger UI page and the page's files."""
    docs = Handlers("blueprints.docs.handlers", lambda module: module.handlers_for(app))
    docs.route("GET", "openapi.json", "openapi_document")
    docs.route("GET", "docs", "docs_page")
    docs.route("GET", "docs/assets/{name}", "serve_docs_asset")
    return docs.bp
