"""Passwords and tokens: hashing and checking passwords, issuing and reading access and refresh tokens."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from functools import lru_cache
from typing import Any

import bcrypt
import jwt

from shared.data.config import get_settings
from shared.data.models import User
from shared.data.types import utcnow
from shared.errors import Unauthenticated

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

def new_session_key() -> str:
    """The random name of one login (the `sid` claim): 128 bits, so no later login repeats it."""
    return secrets.token_hex(16)


def create_access_token(user: User, session_key: str, now: dt.datetime | None = None) -> tuple[str, int]:
    settings = get_settings()
    now = now or utcnow()
    lifetime = settings.access_token_minutes * 60
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user.id),
        "typ": "access",
        "sid": session_key,
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
    if not (isinstance(sub, str) and sub.isascii() and sub.isdigit() and isinstance(sid, str) and isinstance(ver, int)):
        raise unauthorized("The access token is not valid.")
    return claims


def new_refresh_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def unauthorized(detail: str) -> Unauthenticated:
    return Unauthenticated(detail)
