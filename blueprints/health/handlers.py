"""Liveness with a real database round trip."""
from __future__ import annotations

from typing import Literal

from sqlalchemy import text

from shared.schemas import Output
from shared.web.http import Context, public


class HealthOut(Output):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"


@public(response=HealthOut, extra_statuses=(503,))
def health(ctx: Context) -> HealthOut:
    """Liveness, with one round trip to the database (503 when it is unreachable)."""
    ctx.session.execute(text("SELECT 1"))
    return HealthOut()
