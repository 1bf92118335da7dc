"""One module per resource: the functions serving its routes (thin handlers over shared/services).

Their routes, triggers and bindings are declared in function_app.py, which imports a module here on
the first call of one of its functions (shared/web/deferred.py), so indexing the app imports none of
them."""
