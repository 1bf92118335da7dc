"""Bodies and answers of the investment routes (API.md, "Investments").

Quantities and prices keep 8 fraction digits end to end (`PositivePrecise` in, `PreciseOut` out);
every money value in an answer is rounded half-even to cents (`MoneyOut`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, ValidationInfo, WithJsonSchema, field_validator

from shared.schemas.identity import Currency
from shared.schemas import (
    OneOf,
    Date,
    Input,
    MoneyOut,
    Name,
    NonNegativeMoney,
    Output,
    PageQuery,
    patch_of,
    PositivePrecise,
    PreciseOut,
    Query,
    Resource,
    Text,
    rounded_string,
)

AssetType = Literal["stock", "crypto", "bond", "fund", "etf", "real_estate", "cash", "other"]
Symbol = Text(20)
Granularity = Literal["day", "month"]

MAX_HISTORY_DAYS = 3660
MAX_HISTORY_MONTHS = 600

PercentOut = Annotated[
    Decimal,
    PlainSerializer(lambda v: rounded_string(v, Decimal("0.01")), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["20.00"],
                    "description": "a percentage: \"20.00\" is 20%"}),
]


def _range_checked(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    start = info.data.get("date_from")
    if value is not None and start is not None and value < start:
        raise ValueError("must be on or after date_from")
    return value


# --- portfolios -----------------------------------------------------------------------------


class PortfolioIn(Input):
    name: Name = Field(examples=["Retirement"])


PortfolioPatch = patch_of(PortfolioIn)


class PortfolioOut(Resource):
    name: str


# --- assets ---------------------------------------------------------------------------------


class AssetIn(Input):
    name: Name = Field(examples=["Acme Corp"])
    type: AssetType
    symbol: Symbol | None = Field(default=None, examples=["ACME"])
    quantity: PositivePrecise = Field(description="> 0, up to 8 fraction digits")
    amount_invested: NonNegativeMoney = Field(description="what was paid in total, ≥ 0")
    purchase_date: Date
    currency: Currency | None = Field(default=None, examples=["USD"], description=(
        "ISO 4217 of its prices and amount invested; default your currency. It cannot change once the "
        "asset has prices (409)."))


AssetPatch = patch_of(AssetIn)


class AssetOut(Resource):
    portfolio_id: int
    name: str
    type: AssetType
    symbol: str | None
    quantity: PreciseOut
    amount_invested: MoneyOut
    purchase_date: dt.date
    currency: str


# --- prices ---------------------------------------------------------------------------------


class PriceIn(Input):
    date: Date
    price: PositivePrecise = Field(description="> 0, up to 8 fraction digits", examples=["123.45"])


class PriceOut(Resource):
    asset_id: int
    date: dt.date
    price: PreciseOut


class PriceBatchOut(Output):
    """The answer to a POST of a JSON array: the stored prices, in the order sent."""

    items: list[PriceOut]
    count: int


# A POST of one price answers the price; a POST of a JSON array answers `{"items", "count"}`.
PriceAnswer = OneOf((PriceOut, PriceBatchOut))


class PriceQuery(PageQuery):
    date_from: Date | None = None
    date_to: Date | None = None
    sort: Literal["date", "-date"] = "-date"

    check_range = field_validator("date_to")(_range_checked)


# --- valuation and history ------------------------------------------------------------------


class ValuationQuery(Query):
    date: Date | None = Field(default=None, description="value as of this day; default today (UTC)")


class AssetValuation(Output):
    asset_id: int
    name: str
    type: AssetType
    symbol: str | None
    quantity: PreciseOut
    purchase_date: dt.date
    priced: bool = Field(description="false when the asset has no price on or before the date yet: "
                                     "it is then valued at its amount invested")
    price: PreciseOut | None
    price_date: dt.date | None
    amount_invested: MoneyOut
    market_value: MoneyOut = Field(description="quantity × price, rounded half-even to cents")
    gain: MoneyOut = Field(description="market_value − amount_invested")
    return_pct: PercentOut | None = Field(description="gain / amount_invested × 100; null when nothing was invested")


class Totals(Output):
    market_value: MoneyOut
    amount_invested: MoneyOut
    gain: MoneyOut
    return_pct: PercentOut | None


class ValuationOut(Output):
    portfolio_id: int
    date: dt.date
    assets: list[AssetValuation]
    totals: Totals


class HistoryQuery(Query):
    granularity: Granularity = "month"
    date_from: Date | None = Field(default=None, description="default: 12 months (or 30 days) up to date_to")
    date_to: Date | None = Field(default=None, description="default: today (UTC)")

    check_range = field_validator("date_to")(_range_checked)


class HistoryPoint(Output):
    period: str = Field(examples=["2026-10", "2026-10-31"])
    market_value: MoneyOut


class HistoryOut(Output):
    portfolio_id: int
    granularity: Granularity
    date_from: dt.date
    date_to: dt.date
    items: list[HistoryPoint]
