"""Period summaries stored by the scheduled job, and the job's runs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Integer,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, owner_id_column
from shared.data.types import SummedMoney, UTCDateTime, utcnow


class PeriodSummary(Base):
    __tablename__ = "period_summaries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    granularity: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    period: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    # Sums of kept monthly totals (each within the money maximum), so wider than one amount.
    income: Mapped[Decimal] = mapped_column(SummedMoney(), nullable=False)
    expenses: Mapped[Decimal] = mapped_column(SummedMoney(), nullable=False)
    net: Mapped[Decimal] = mapped_column(SummedMoney(), nullable=False)
    outcome: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "granularity", "period"),)


class SummarySkip(Base):
    """A user whose summary for a period could not be stored, and why (the job went on without it)."""

    __tablename__ = "summary_skips"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    period: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    reason: Mapped[str] = mapped_column(Unicode(200), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "period"),)


class SummaryRun(Base):
    __tablename__ = "summary_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(Unicode(64), nullable=False, index=True)
    period: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    status: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    batches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    users: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
