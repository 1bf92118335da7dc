"""Users, their login sessions, refresh tokens, failure windows and idempotency records."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Unicode,
    UnicodeText,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, Timestamps, owner_id_column
from shared.data.types import Money, UTCDateTime, utcnow


class User(Timestamps, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Unicode(32), nullable=False)
    username_key: Mapped[str] = mapped_column(Unicode(32), nullable=False, unique=True)
    email: Mapped[str | None] = mapped_column(Unicode(254))
    email_key: Mapped[str | None] = mapped_column(Unicode(254))
    first_name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    last_name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    dob: Mapped[dt.date | None] = mapped_column(Date)
    monthly_income: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")
    role: Mapped[str] = mapped_column(Unicode(16), nullable=False, default="user")
    password_hash: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Not a column: the scopes of the personal access token this request came with (None for a login's
    # access token, which may do everything). Set by shared/web/auth.py for the request's session only.
    token_scopes = None

    __table_args__ = (
        # SQL Server treats NULLs as equal in a unique index, so the index is filtered there.
        Index(
            "uq_users_email_key",
            "email_key",
            unique=True,
            mssql_where=text("email_key IS NOT NULL"),
        ),
    )


class AuthSession(Base):
    """One login: its refresh tokens form a family; revoking it ends its access tokens too."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    # What an access token names its login by (its `sid` claim): random, so no later login can ever
    # carry the same one, whatever ids the database hands out.
    key: Mapped[str] = mapped_column(Unicode(32), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(Unicode(64), nullable=False, unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class LoginFailureWindow(Base):
    """Failed logins per client address in a fixed 15-minute window (shared by every instance)."""

    __tablename__ = "login_failure_windows"
    address: Mapped[str] = mapped_column(Unicode(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RegistrationWindow(Base):
    """Registrations per client address in a fixed one-hour window (shared by every instance)."""

    __tablename__ = "registration_windows"
    address: Mapped[str] = mapped_column(Unicode(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    registrations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    scope: Mapped[str] = mapped_column(Unicode(200), nullable=False)
    key: Mapped[str] = mapped_column(Unicode(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str] = mapped_column(UnicodeText, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)


# --- everyday money -------------------------------------------------------------------------
