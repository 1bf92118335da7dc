"""Personal access tokens: issued with a name, scopes and an expiry, shown once, kept only as a hash.

A token reads `fpat_<lookup><secret>`: `lookup` is 16 random hex characters stored in clear (a unique
index finds the row in one read), `secret` 256 random bits. The row keeps the SHA-256 of the whole token,
compared in constant time; a slow password hash would add nothing against 256 bits of randomness and
would cost every request. What a token may reach is decided at the edge (shared/web/auth.py) from the
scopes this module answers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from shared.data.db import bookkeeping_write
from shared.data.models import AccessToken, User
from shared.data.types import utcnow
from shared.errors import Unauthenticated
from shared.schemas import Output
from shared.schemas.tokens import TokenCreatedOut, TokenIn, TokenOut
from shared.services.resources import Resource

PREFIX = "fpat_"
LOOKUP_CHARS = 16
SECRET_BYTES = 32
# last_used_at is written at most once a minute per token, so a busy script does not turn every
# read into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)
_HEX = frozenset("0123456789abcdef")

_FIND = (select(AccessToken, User).join(User, User.id == AccessToken.user_id)
         .where(AccessToken.lookup == bindparam("lookup")))
_TOUCH = (update(AccessToken)
          .where(AccessToken.id == bindparam("token_id"),
                 or_(AccessToken.last_used_at.is_(None), AccessToken.last_used_at < bindparam("cutoff")))
          .values(last_used_at=bindparam("now"))
          .execution_options(synchronize_session=False))


def is_personal_token(token: str) -> bool:
    return token.startswith(PREFIX)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class AccessTokens(Resource[AccessToken]):
    model, noun = AccessToken, "access token"
    create_schema, out_schema = TokenIn, TokenOut

    def issue(self, session: Session, user: User, data: TokenIn) -> TokenCreatedOut:
        now = utcnow()
        lookup = secrets.token_hex(LOOKUP_CHARS // 2)
        token = f"{PREFIX}{lookup}{secrets.token_urlsafe(SECRET_BYTES)}"
        row = AccessToken(user_id=user.id, name=data.name, lookup=lookup, token_hash=_digest(token),
                          scopes=" ".join(data.scopes), created_at=now,
                          expires_at=now + dt.timedelta(days=data.expires_in_days))
        session.add(row)
        session.flush()
        return TokenCreatedOut(**self._fields(row), token=token)

    def to_out(self, session: Session, user: User, rows: list[AccessToken]) -> list[Output]:
        return [TokenOut(**self._fields(row)) for row in rows]

    @staticmethod
    def _fields(row: AccessToken) -> dict[str, Any]:
        return {"id": row.id, "name": row.name, "scopes": row.scopes.split(), "created_at": row.created_at,
                "expires_at": row.expires_at, "last_used_at": row.last_used_at}


def authenticate(session: Session, token: str) -> tuple[User, frozenset[str]]:
    """The user behind a personal access token and the scopes it grants; 401 when it is unknown,
    revoked (its row is gone) or expired."""
    lookup = token[len(PREFIX):len(PREFIX) + LOOKUP_CHARS]
    if len(token) <= len(PREFIX) + LOOKUP_CHARS or not set(lookup) <= _HEX:
        raise Unauthenticated("The personal access token is not valid.")
    found = session.execute(_FIND, {"lookup": lookup}).first()
    if found is None or not hmac.compare_digest(found.AccessToken.token_hash, _digest(token)):
        raise Unauthenticated("The personal access token is not valid or has been revoked.")
    row, user = found
    now = utcnow()
    if row.expires_at <= now:
        raise Unauthenticated("The personal access token has expired; create a new one.")
    if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
        bookkeeping_write(session, _TOUCH, {"token_id": row.id, "cutoff": now - TOUCH_EVERY, "now": now})
    return user, frozenset(row.scopes.split())


def revoke_all(session: Session, user_id: int) -> None:
    """Every token of the user stops working (a password change, a deleted account)."""
    session.execute(delete(AccessToken).where(AccessToken.user_id == user_id)
                    .execution_options(synchronize_session=False))
