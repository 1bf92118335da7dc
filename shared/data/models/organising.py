"""Tags on transactions, and the caller's rules that fill in category, payee, description and tags."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, Timestamps, owner_id_column
from shared.data.types import UTCDateTime, utcnow


class Tag(Base):
    """One of the caller's tags: `name` as first written, `name_key` (lower case) compares them."""

    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(32), nullable=False)
    name_key: Mapped[str] = mapped_column(Unicode(32), nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "name_key"),)


class TransactionTag(Base):
    __tablename__ = "transaction_tags"
    # One cascade path only (SQL Server): from the transaction; a tag row is never deleted under it.
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id", ondelete="CASCADE"),
                                                primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # the order the client gave
    __table_args__ = (Index("ix_transaction_tags_tag", "tag_id"),)


class Rule(Timestamps, Base):
    __tablename__ = "rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    stop: Mapped[bool] = mapped_column(Boolean, nullable=False)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)


class Import(Base):
    """One import of a bank file: what it created (transactions point back at it for undo)."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    format: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"), index=True)
    created: Mapped[int] = mapped_column(Integer, nullable=False)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False)
    invalid: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
