"""Personal access tokens: long-lived, scoped bearer tokens a person creates for scripts and AI agents."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, owner_id_column
from shared.data.types import UTCDateTime, utcnow


class AccessToken(Base):
    """Only a SHA-256 of the token is kept. `lookup` is a random public part of the token (indexed),
    so a presented token finds its row in one indexed read before the digests are compared."""

    __tablename__ = "access_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    lookup: Mapped[str] = mapped_column(Unicode(16), nullable=False, unique=True)
    token_hash: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    scopes: Mapped[str] = mapped_column(Unicode(32), nullable=False)  # "read" or "read write"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
