"""Exchange rates (each user's own, and the shared reference rates) and the kept daily totals that
let reports convert foreign-currency amounts at the rate of their own day (shared/services/fx.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, Timestamps, owner_id_column
from shared.data.types import ExactDecimal, Money, UTCDateTime, utcnow


def Rate() -> ExactDecimal:  # noqa: N802 - reads like a type in the models
    """An exchange rate: up to 18 whole digits and 10 fraction digits."""
    return ExactDecimal(28, 10)


class FxRate(Timestamps, Base):
    """A caller's own rate: 1 `base` = `rate` `quote` on `date`. It wins over the reference rate of
    the same pair and date, for that caller only."""

    __tablename__ = "fx_rates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    base: Mapped[str] = mapped_column(Unicode(3), nullable=False)
    quote: Mapped[str] = mapped_column(Unicode(3), nullable=False)
    rate: Mapped[Decimal] = mapped_column(Rate(), nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "base", "quote", "date"),)


class ReferenceFxRate(Base):
    """A shared reference rate (the ECB's euro rates, stored by the daily timer): seen by everyone."""

    __tablename__ = "reference_fx_rates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    base: Mapped[str] = mapped_column(Unicode(3), nullable=False)
    quote: Mapped[str] = mapped_column(Unicode(3), nullable=False)
    rate: Mapped[Decimal] = mapped_column(Rate(), nullable=False)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (UniqueConstraint("base", "quote", "date"),)


class DailyTotal(Base):
    """Per user, day, type, category and currency: the sum and count of transactions, kept in step
    with every write like monthly_totals (shared/services/balances.py). Reports read it for the
    amounts that are not in the user's currency, to convert each day's sum at that day's rate."""

    __tablename__ = "daily_totals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    type: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    category_key: Mapped[int] = mapped_column(Integer, nullable=False)  # the category id, 0 for none
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (
        UniqueConstraint("user_id", "currency", "day", "type", "category_key"),
        Index("ix_daily_totals_user_category", "user_id", "category_key"),
        Index("ix_daily_totals_user_day", "user_id", "day"),  # a report's range of days (0011)
    )
