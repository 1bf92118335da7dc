"""Passwords, tokens, and `authenticated`: the one decorator every protected handler uses."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from functools import lru_cache
from typing import Any

import azure.functions as func
import bcrypt
import jwt
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from shared.config import get_settings
from shared.http import ApiError, handler
from shared.models import AuthSession, User
from shared.types import utcnow

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "typ", "jti"]


# --- passwords ------------------------------------------------------------------------------
# bcrypt reads at most 72 bytes. The password is first reduced to a fixed 44-byte digest, so a
# long password is never truncated silently and every one of its characters counts.

def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int | None = None) -> str:
    rounds = rounds or get_settings().bcrypt_rounds
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Checked against when the user is unknown, so both failures cost the same time."""
    return hash_password(secrets.token_urlsafe(16))


# --- tokens ---------------------------------------------------------------------------------

def create_access_token(user: User, session_id: int, now: dt.datetime | None = None) -> tuple[str, int]:
    settings = get_settings()
    now = now or utcnow()
    lifetime = settings.access_token_minutes * 60
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user.id),
        "typ": "access",
        "sid": session_id,
        "ver": user.token_version,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), lifetime


def decode_access_token(token: str) -> dict[str, Any]:
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
            leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise unauthorized("The access token has expired; refresh it or log in again.") from None
    except jwt.PyJWTError:
        raise unauthorized("The access token is not valid.") from None
    if claims.get("typ") != "access":
        raise unauthorized("This is not an access token.")
    sub, sid, ver = claims.get("sub"), claims.get("sid"), claims.get("ver")
    if not (isinstance(sub, str) and sub.isdigit() and isinstance(sid, int) and isinstance(ver, int)):
        raise unauthorized("The access token is not valid.")
    return claims


def new_refresh_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})


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
        AuthSession.id == bindparam("session_id"),
        AuthSession.revoked_at.is_(None),
        User.token_version == bindparam("version"),
    )
)


def current_user(req: func.HttpRequest, session: Session) -> User:
    """The user behind the bearer token: its login session still open, its token version current."""
    claims = decode_access_token(bearer_token(req))
    user = session.execute(
        _CALLER, {"user_id": int(claims["sub"]), "session_id": claims["sid"], "version": claims["ver"]}
    ).scalar_one_or_none()
    if user is None:
        raise unauthorized("The access token has been revoked.")
    return user


def authenticated(fn=None, **options):
    """Protect a handler: it runs only with a valid access token and receives `ctx.user`.

    Takes the same options as `shared.http.handler` (body, query, response, status, ...).
    """
    if fn is None:
        return lambda f: authenticated(f, **options)
    return handler(fn, authenticate=current_user, **options)


def client_address(req: func.HttpRequest) -> str:
    """The caller's address as the platform's front end (or devhost) reports it: the last hop it added."""
    forwarded = req.headers.get("x-forwarded-for") or ""
    hop = forwarded.split(",")[-1].strip() if forwarded else ""
    if hop.startswith("["):  # [v6]:port
        hop = hop[1:].split("]", 1)[0]
    elif hop.count(":") == 1:  # v4:port
        hop = hop.split(":", 1)[0]
    return hop[:64] or "unknown"
