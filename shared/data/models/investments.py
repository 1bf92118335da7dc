"""Portfolios, assets and their prices."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, Timestamps, owner_id_column
from shared.data.types import Money, Quantity


class Portfolio(Timestamps, Base):
    __tablename__ = "portfolios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)


class Asset(Timestamps, Base):
    __tablename__ = "assets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    type: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    symbol: Mapped[str | None] = mapped_column(Unicode(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    amount_invested: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    purchase_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")


class AssetPrice(Timestamps, Base):
    __tablename__ = "asset_prices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    price: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    __table_args__ = (UniqueConstraint("asset_id", "date"),)


class AssetTrade(Timestamps, Base):
    """One event of an asset's history: a buy, sell, dividend, fee or split.

    `amount` is the cash the trade moved, fixed when it was recorded: a buy's cost (quantity × price
    + fee), a sell's proceeds (quantity × price − fee), a dividend or a fee; null for a split.
    `initial` marks the asset's first buy, written with the asset (its quantity, amount_invested and
    purchase_date) and changed only through the asset."""

    __tablename__ = "asset_trades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    type: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    price: Mapped[Decimal | None] = mapped_column(Quantity())
    amount: Mapped[Decimal | None] = mapped_column(Money())
    fee: Mapped[Decimal | None] = mapped_column(Money())
    initial: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    __table_args__ = (Index("ix_asset_trades_asset_id_date", "asset_id", "date"),)


# --- scheduled summaries --------------------------------------------------------------------
