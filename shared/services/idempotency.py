"""Idempotency records, shared by the `Idempotency-Key` header (shared/web/idempotency.py) and the MCP
`idempotency_key` argument: a key names one piece of work per user and scope for 24 hours; its record
holds a digest of the request and the answer given, written in the same database transaction as the work
under a unique (user, scope, key) constraint."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shared.data.models import IdempotencyRecord
from shared.data.types import utcnow

TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


def digest(request: Any) -> str:
    """A digest of a request's content (keys sorted, so the same object in any order is the same request)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def find(session: Session, user_id: int, scope: str, key: str) -> IdempotencyRecord | None:
    return session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.scope == scope,
        IdempotencyRecord.key == key)).scalar_one_or_none()


def find_live(session: Session, user_id: int, scope: str, key: str) -> IdempotencyRecord | None:
    """The key's record while it holds (an expired one is deleted, so the key starts afresh)."""
    record = find(session, user_id, scope, key)
    if record is not None and record.created_at <= utcnow() - TTL:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
        return None
    return record


def remember(session: Session, user_id: int, scope: str, key: str, request_digest: str, status: int,
             body: str) -> None:
    """Store the answer; raises IntegrityError when a concurrent request with this key stored first."""
    with session.begin_nested():
        session.add(IdempotencyRecord(user_id=user_id, scope=scope, key=key, request_hash=request_digest,
                                      status_code=status, response_body=body, created_at=utcnow()))
