"""One package per resource; function_app.py registers each one's blueprint (`bp`).

A package's __init__.py declares its functions (name, trigger, route, bindings) next to the code
serving them, its handlers.py (thin handlers over shared/services). The declarations import only the
Functions libraries; handlers.py, with the models, schemas and services it uses, is imported on the
first call of one of its functions (shared/web/deferred.py), so indexing the app imports none of it."""
