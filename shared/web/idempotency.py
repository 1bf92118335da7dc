"""`Idempotency-Key`: a retry with the same key and body (within 24 hours) gets the first answer
again and creates nothing; the same key with another body is a 422.

The record is written in the same database transaction as the work it protects, under a unique
(user, scope, key) constraint, so of two racing retries exactly one commits its work; the other
rolls back everything it did and answers what the winner stored.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func
from sqlalchemy.exc import IntegrityError

from shared.data.db import WRITES_FOLLOW
from shared.data.models import IdempotencyRecord
from shared.errors import DomainError, Invalid
from shared.services import idempotency as records
from shared.services.idempotency import MAX_KEY_LENGTH
from shared.web.http import Context, to_response

HEADER = "Idempotency-Key"


def _request_hash(ctx: Context) -> str:
    try:
        return records.digest(ctx.json())
    except DomainError:
        return records.digest("")


def _replay(record: IdempotencyRecord, request_hash: str) -> func.HttpResponse:
    if record.request_hash != request_hash:
        raise Invalid(f"This {HEADER} was already used with a different request body.",
                       errors=[{"field": HEADER, "message": "reused with a different body"}])
    return func.HttpResponse(record.response_body, status_code=record.status_code, mimetype="application/json",
                             charset="utf-8", headers={"Idempotent-Replayed": "true"})


def idempotent(inner: Callable[[Context], Any], status: int = 201) -> Callable[[Context], Any]:
    def run(ctx: Context) -> Any:
        key = (ctx.req.headers.get(HEADER) or "").strip()
        if not key:
            return inner(ctx)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise Invalid(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                           errors=[{"field": HEADER, "message": "invalid key"}])
        scope = f"{ctx.req.method} {(ctx.req.url or '').split('?', 1)[0].split('/api/', 1)[-1]}"[:200]
        request_hash = _request_hash(ctx)
        existing = records.find_live(ctx.session, ctx.user.id, scope, key)
        if existing is not None:
            return _replay(existing, request_hash)
        ctx.session.info[WRITES_FOLLOW] = True  # the answer is stored after the work's own writes
        response = to_response(inner(ctx), status)
        if not 200 <= response.status_code < 300:
            return response
        body = (response.get_body() or b"").decode("utf-8")
        try:
            records.remember(ctx.session, ctx.user.id, scope, key, request_hash, response.status_code, body)
        except IntegrityError:
            # A concurrent retry with this key committed first: undo our work, answer with theirs.
            ctx.session.rollback()
            winner = records.find(ctx.session, ctx.user.id, scope, key)
            if winner is None:
                raise
            return _replay(winner, request_hash)
        return response

    return run
