"""Bodies and answers of the investment routes (API.md, "Investments").

Quantities and prices keep 8 fraction digits end to end (`PositivePrecise` in, `PreciseOut` out);
every money value in an answer is rounded half-even to cents (`MoneyOut`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, ValidationInfo, WithJsonSchema, field_validator

from shared.schemas import (
    Date,
    Input,
    MoneyOut,
    Name,
    NonNegativeMoney,
    OneOf,
    Output,
    PageQuery,
    PositiveMoney,
    PositivePrecise,
    PreciseOut,
    Query,
    Resource,
    Text,
    patch_of,
    rounded_string,
)
from shared.schemas.fx import MissingRates
from shared.schemas.identity import Currency

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
    amount_invested: MoneyOut = Field(description="the cost of what is held now, at average cost (the first buy's "
                                                "amount until other trades are recorded)")
    purchase_date: dt.date
    currency: str
    realized_gain: MoneyOut = Field(description="what the sells made over the average cost they took out")
    dividends: MoneyOut = Field(description="every dividend recorded")


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
    currency: str = Field(description="the asset's currency: price, amount_invested, market_value, gain and "
                                      "return_pct are in it")
    amount_invested: MoneyOut
    market_value: MoneyOut = Field(description="quantity × price, rounded half-even to cents")
    gain: MoneyOut = Field(description="market_value − amount_invested")
    return_pct: PercentOut | None = Field(description="gain / amount_invested × 100; null when nothing was invested")
    converted_market_value: MoneyOut | None = Field(description=(
        "market_value in the user's currency at the rate of the day, rounded half-even to cents; null when the "
        "asset's currency has no rate at all (it is then left out of the totals and named in missing_rates)"))
    converted_amount_invested: MoneyOut | None = Field(description=(
        "the cost held in the user's currency, each buy at the rate of its day (a sell takes out its "
        "average-cost share), as performance counts it; null when the currency has no rate at all"))


class Totals(Output):
    market_value: MoneyOut = Field(description="the sum of the assets' converted_market_value, in the user's "
                                               "currency")
    amount_invested: MoneyOut = Field(description="the sum of the assets' converted_amount_invested")
    gain: MoneyOut = Field(description="market_value − amount_invested: a currency's move on what is held is in it")
    return_pct: PercentOut | None


class ValuationOut(Output):
    portfolio_id: int
    date: dt.date
    currency: str = Field(description="the user's currency: the totals are in it")
    assets: list[AssetValuation]
    totals: Totals
    missing_rates: MissingRates


class HistoryQuery(Query):
    granularity: Granularity = "month"
    date_from: Date | None = Field(default=None, description=(
        "default: 12 months (or 30 days) up to date_to, but not before the portfolio's first activity (its "
        "creation or its first trade, whichever is earlier)"))
    date_to: Date | None = Field(default=None, description="default: today (UTC)")

    check_range = field_validator("date_to")(_range_checked)


class HistoryPoint(Output):
    period: str = Field(examples=["2026-10", "2026-10-31"])
    market_value: MoneyOut = Field(description="in the user's currency: each asset's value converted at the rate "
                                               "of the period's last day, rounded half-even to cents, then added")


class HistoryOut(Output):
    portfolio_id: int
    currency: str = Field(description="the user's currency: every market_value is in it")
    granularity: Granularity
    date_from: dt.date
    date_to: dt.date
    items: list[HistoryPoint]
    missing_rates: MissingRates


# --- trades and performance -----------------------------------------------------------------

TradeType = Literal["buy", "sell", "dividend", "fee", "split"]


class TradeIn(Input):
    type: TradeType
    date: Date
    quantity: PositivePrecise | None = Field(default=None, description="buy and sell: the units; split: the ratio "
                                                                        "(2 for 2:1, 0.5 for 1:2)")
    price: PositivePrecise | None = Field(default=None, description="buy and sell: the price of one unit")
    amount: PositiveMoney | None = Field(default=None, description="dividend and fee: the cash paid out or in")
    fee: NonNegativeMoney | None = Field(default=None, description="buy and sell only: the broker's fee")


class TradeOut(Resource):
    asset_id: int
    type: str
    date: dt.date
    quantity: PreciseOut | None
    price: PreciseOut | None = Field(description="null for the first buy, which the asset records as a total")
    amount: MoneyOut | None = Field(description="the cash the trade moved: a buy's cost (quantity × price + fee), a "
                                                "sell's proceeds (quantity × price − fee), a dividend, a fee; "
                                                "null for a split")
    fee: MoneyOut | None
    initial: bool = Field(description="the asset's first buy (its quantity, amount_invested and purchase_date as "
                                      "created or patched); change it through the asset, not here")


class TradeQuery(PageQuery):
    date_from: Date | None = None
    date_to: Date | None = None
    sort: Literal["date", "-date"] = "-date"

    check_range = field_validator("date_to")(_range_checked)


class PerformanceQuery(Query):
    date_from: Date | None = Field(default=None, description="default: 12 months before date_to")
    date_to: Date | None = Field(default=None, description="default: today (UTC)")

    check_range = field_validator("date_to")(_range_checked)


class PerformanceOut(Output):
    portfolio_id: int
    asset_id: int | None = Field(description="set when the answer is for one asset")
    date_from: dt.date
    date_to: dt.date
    currency: str = Field(description="the user's currency: every amount below is in it, each value and flow "
                                      "converted at the rate of its day, a cost held at its buy's rate")
    start_value: MoneyOut = Field(description="the value at the start of date_from (the close of the day before)")
    end_value: MoneyOut = Field(description="the value at the close of date_to")
    net_contributions: MoneyOut = Field(description="buys' cost − sells' proceeds in the range")
    dividends: MoneyOut = Field(description="dividends in the range (cash returned to the investor)")
    fees: MoneyOut = Field(description="fee trades in the range (a buy's or sell's fee is already in its cost or "
                                       "proceeds)")
    realized_gain: MoneyOut = Field(description="sells' proceeds over their average cost, in the range")
    unrealized_gain: MoneyOut = Field(description="change over the range of (value − cost held); "
                                                  "end_value − start_value = net_contributions + realized_gain + "
                                                  "unrealized_gain")
    twr: PercentOut | None = Field(description="time-weighted return over the range, a percentage; null when "
                                               "nothing was held in the range")
    xirr: PercentOut | None = Field(description="money-weighted return, annualised (ACT/365), a percentage; null "
                                                "when it does not converge or has no meaning (no flows)")
    missing_rates: MissingRates
