"""/api/imports: import a bank file (OFX/QFX, QIF, CSV), list past imports, undo one."""
from shared.web.deferred import Handlers

imports = Handlers("blueprints.imports.handlers")
imports.route("POST", "imports", "import_file")
imports.route("GET", "imports", "list_imports")
imports.route("GET", "imports/{id:int}", "get_import")
imports.route("DELETE", "imports/{id:int}", "undo_import")

bp = imports.bp
