"""Recurring schedules (the transaction they post, on a calendar rule) and the ledger of occurrences
already posted, whose unique key is what makes posting exactly-once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, Timestamps, owner_id_column
from shared.data.types import Money, UTCDateTime, utcnow


class RecurringSchedule(Timestamps, Base):
    __tablename__ = "recurring_schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    # the transaction it posts
    type: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"), index=True)
    to_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    to_credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"), index=True)
    payee: Mapped[str | None] = mapped_column(Unicode(100))
    description: Mapped[str | None] = mapped_column(Unicode(500))
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    # the calendar rule (shared/services/calendar_rules.py)
    frequency: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    interval: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    auto_post: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # kept by the service and the posting job: the next occurrence not yet posted (None: finished)
    next_date: Mapped[dt.date | None] = mapped_column(Date)
    last_posted: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_recurring_schedules_next_date", "next_date"),
    )


class ScheduledPosting(Base):
    """One occurrence posted: (kind, source_id, occurrence_date) is unique, so however many timers run
    at once, an occurrence becomes a transaction once. Kept when the transaction is later edited or
    deleted (the occurrence still happened); removed with its schedule or income source."""

    __tablename__ = "scheduled_postings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    kind: Mapped[str] = mapped_column(Unicode(16), nullable=False)  # "recurring" | "income_source"
    source_id: Mapped[int] = mapped_column(Integer, nullable=False)
    occurrence_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    transaction_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (UniqueConstraint("kind", "source_id", "occurrence_date"),)
