"""Liveness with a real database round trip."""
from __future__ import annotations

import azure.functions as func
from sqlalchemy import text

from shared.http import Context, Reply, public

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"])
@public
def health(ctx: Context) -> Reply:
    ctx.session.execute(text("SELECT 1"))
    return Reply({"status": "ok", "database": "ok"})
