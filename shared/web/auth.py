"""Who is calling: the bearer token of a request, the caller it names, and `authenticated`, the
one decorator every protected handler uses; and the caller's network address for throttling.

Two kinds of bearer token: a login's access token (a JWT from /api/login) may do everything; a personal
access token (`fpat_...`, shared/services/access_tokens.py) only what its scopes allow on the route's
declared scope (`EndpointSpec.scope`), and never the identity routes."""
from __future__ import annotations

import time
from functools import lru_cache, partial
from typing import Any

import azure.functions as func
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from shared.data.config import get_settings
from shared.data.models import AuthSession, User
from shared.errors import Forbidden
from shared.services import access_tokens
from shared.services.callers import REVOKED, WIDTH, WRITER_ROW, Caller, PendingCaller, PendingWriter
from shared.services.credentials import decode_access_token, unauthorized
from shared.web.http import handler

READ, WRITE, IDENTITY = "read", "write", "identity"


def bearer_token(req: func.HttpRequest) -> str:
    header = req.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise unauthorized("Send an access token: Authorization: Bearer <access_token>.")
    return token


# Built once: every protected request runs it, and rebuilding the expression costs more CPU than
# the query itself.
_CALLER = (
    select(User)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        # The login is named by its random key, never by a row id a later login could be given.
        AuthSession.key == bindparam("session_key"),
        AuthSession.revoked_at.is_(None),
        User.token_version == bindparam("version"),
    )
)


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret: str, audience: str, issuer: str) -> dict[str, Any]:
    """A token's signature and claims checked once per token string (a token cannot change; refused
    tokens raise and are not kept). Expiry is checked again on every use, and the caller lookup below
    still runs on every request, so logout and a password change take effect at once."""
    return decode_access_token(token)


def _claims(token: str) -> dict[str, Any]:
    settings = get_settings()
    claims = _verified_claims(token, settings.jwt_secret, settings.jwt_audience, settings.jwt_issuer)
    if claims["exp"] + 5 < time.time():  # the same 5 s leeway as the full check
        raise unauthorized("The access token has expired; refresh it or log in again.")
    return claims


def current_user(req: func.HttpRequest, session: Session, scope: str | None = None,
                 carried: bool = False) -> User | Caller:
    """The user behind the bearer token: its login session still open, its token version current.

    `scope` is what the route needs from a personal access token (None: by the method). The identity
    routes, which change the user's row, get the ORM `User`; the other writes a `Caller` (a
    `PendingWriter` where the route's first statement carries the check: `carried`); reads a
    `PendingCaller`, checked by their first statement or before their answer leaves."""
    token = bearer_token(req)
    if access_tokens.is_personal_token(token):
        return _personal_token_user(req, session, token, scope)
    claims = _claims(token)
    params = {"user_id": int(claims["sub"]), "session_key": claims["sid"], "version": claims["ver"]}
    if scope == IDENTITY:
        user = session.execute(_CALLER, params).scalar_one_or_none()
    elif (req.method or "").upper() in ("GET", "HEAD"):
        # A read: the check rides on the route's first statement where that statement carries it,
        # else it runs on first use of the caller; either way before the answer leaves (PendingCaller).
        return PendingCaller(session, params)
    elif carried:
        return PendingWriter(session, params)
    else:
        # Four columns and whether they have an active rule, no ORM object (shared/services/callers.py).
        row = WRITER_ROW.first(session, params)
        user = None if row is None else Caller(session, *row[:WIDTH], has_rules=bool(row[WIDTH]))
    if user is None:
        raise unauthorized(REVOKED)
    return user


def required_scope(method: str, declared: str | None = None) -> str:
    """The scope a route needs: the declared one, else read for GET/HEAD and write for the rest."""
    return declared or (READ if method.upper() in ("GET", "HEAD") else WRITE)


def _personal_token_user(req: func.HttpRequest, session: Session, token: str, scope: str | None) -> User:
    user, granted = access_tokens.authenticate(session, token)
    needed = required_scope(req.method or "GET", scope)
    if needed == IDENTITY:
        raise Forbidden("A personal access token cannot reach the identity routes (profile, password, account, "
                        "tokens); log in with your password for those.")
    if needed not in granted:
        raise Forbidden(f"This personal access token has the scopes {' and '.join(sorted(granted))}; this "
                        f"route needs {needed}.")
    user.token_scopes = granted
    return user


def granted_scopes(user: User | Caller) -> frozenset[str]:
    """What the request's credential allows: a personal access token's scopes, or (a login) everything."""
    return user.token_scopes if user.token_scopes is not None else frozenset({READ, WRITE, IDENTITY})


def authenticated(fn=None, *, scope: str | None = None, carried_check: bool = False, **options):
    """Protect a handler: it runs only with a valid access token and receives `ctx.user`.

    `scope` declares what a personal access token needs here ("read", "write" or "identity"; by default
    read for GET and write for every other method). `carried_check`: a write whose handler's first
    statement carries the caller's check (it gets a `PendingWriter`). Takes the same options as
    `shared.web.http.handler` (body, query, response, status, ...).
    """
    if fn is None:
        return lambda f: authenticated(f, scope=scope, carried_check=carried_check, **options)
    return handler(fn, authenticate=partial(current_user, scope=scope, carried=carried_check), scope=scope,
                   **options)


def client_address(req: func.HttpRequest) -> str:
    """The caller's address as the platform's front end (or devhost) reports it: the last hop it added."""
    forwarded = req.headers.get("x-forwarded-for") or ""
    hop = forwarded.split(",")[-1].strip() if forwarded else ""
    if hop.startswith("["):  # [v6]:port
        hop = hop[1:].split("]", 1)[0]
    elif hop.count(":") == 1:  # v4:port
        hop = hop.split(":", 1)[0]
    return hop[:64] or "unknown"
