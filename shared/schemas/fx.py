"""Bodies and answers of /api/fx-rates and /api/net-worth (API.md, "Currencies and net worth")."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator

from shared.schemas import Date, Input, MoneyOut, OneOf, Output, PageQuery, Query, _as_decimal, _decimal_checks
from shared.schemas.identity import Currency

MAX_RATE = Decimal("999999999999999999.9999999999")  # Numeric(28, 10)


def rate_string(value: Decimal) -> str:
    """A rate as stored, without trailing zeros ("1.085", "157.3", "100")."""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


Rate = Annotated[
    Decimal,
    BeforeValidator(_as_decimal),
    AfterValidator(_decimal_checks(10, Decimal(0), False, MAX_RATE)),
    PlainSerializer(rate_string, return_type=str),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d{1,18}(\.\d{1,10})?$"}, {"type": "number"}],
                    "examples": ["1.0850"]}, mode="validation"),
    WithJsonSchema({"type": "string", "examples": ["1.085"]}, mode="serialization"),
]


class MissingRate(Output):
    currency: str
    first_date: dt.date = Field(description="the earliest date of an amount left out for want of a rate")


MissingRates = Annotated[list[MissingRate], Field(
    description="currencies with no rate at all to the user's currency: their amounts are left out of the "
                "figures (never guessed); add a rate with POST /api/fx-rates and the figures include them at once")]


# --- rates ----------------------------------------------------------------------------------


class FxRateIn(Input):
    date: Date
    base: Currency = Field(examples=["EUR"])
    quote: Currency = Field(examples=["USD"])
    rate: Rate = Field(description="1 base = rate quote; > 0, up to 10 fraction digits")

    @model_validator(mode="after")
    def _two_currencies(self):
        if self.base == self.quote:
            raise ValueError("base and quote must be different currencies")
        return self


class FxRateOut(Output):
    date: dt.date
    base: str
    quote: str
    rate: Annotated[Decimal, PlainSerializer(rate_string, return_type=str), WithJsonSchema({"type": "string"})]
    source: Literal["own", "reference"] = Field(
        description="`own`: stored by you (wins over the reference rate of the same pair and date); "
                    "`reference`: the shared euro reference rates")


class FxRateBatchOut(Output):
    """The answer to a POST of a JSON array: the stored rates, in the order sent."""

    items: list[FxRateOut]
    count: int


FxRateAnswer = OneOf((FxRateOut, FxRateBatchOut))


class FxRateQuery(PageQuery):
    base: Currency | None = None
    quote: Currency | None = None
    date_from: Date | None = None
    date_to: Date | None = None

    @model_validator(mode="after")
    def _range(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must be on or before date_to; send an earlier date_from or a later date_to")
        return self


# --- net worth ------------------------------------------------------------------------------

MAX_NET_WORTH_DAYS = 366
MAX_NET_WORTH_MONTHS = 600


def _within_calendar(value: dt.date | None) -> dt.date | None:
    if value is not None and not dt.date(1900, 1, 1) <= value <= dt.date(9998, 12, 31):
        raise ValueError("must be between 1900-01-01 and 9998-12-31")
    return value


CalendarDate = Annotated[Date, AfterValidator(_within_calendar)]


class NetWorthQuery(Query):
    date: CalendarDate | None = Field(default=None, description="as of this day; default today (UTC)")


class NetWorthItem(Output):
    kind: Literal["account", "credit_card", "portfolio"]
    id: int
    name: str
    currency: str
    balance: MoneyOut = Field(description="in the item's own currency: an account's balance, a card's debt, "
                                          "a portfolio's market value")
    converted: MoneyOut | None = Field(description="in the user's currency at that day's rate; null when "
                                                   "the currency has no rate (left out of the totals)")


class NetWorthOut(Output):
    date: dt.date
    currency: str
    total: MoneyOut = Field(description="accounts + investments − credit_cards")
    accounts: MoneyOut
    investments: MoneyOut
    credit_cards: MoneyOut = Field(description="card debt as a positive figure, subtracted from the total")
    items: list[NetWorthItem]
    missing_rates: MissingRates


class NetWorthHistoryQuery(Query):
    granularity: Literal["month", "day"] = "month"
    date_from: CalendarDate | None = Field(default=None, description=(
        "default: 12 months (or 30 days) up to date_to, but not before the user's first activity (registration, "
        "first transaction or first trade of an asset, the earliest)"))
    date_to: CalendarDate | None = Field(default=None, description="default: today (UTC)")


class NetWorthPoint(Output):
    period: str
    total: MoneyOut
    accounts: MoneyOut
    investments: MoneyOut
    credit_cards: MoneyOut


class NetWorthHistoryOut(Output):
    currency: str
    granularity: str
    date_from: dt.date
    date_to: dt.date
    items: list[NetWorthPoint]
    missing_rates: MissingRates
