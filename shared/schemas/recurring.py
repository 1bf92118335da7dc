"""Bodies and answers of recurring schedules, their suggestions, and the forecast (API.md,
"Recurring transactions and forecast")."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, Strict

from shared.schemas import (
    Date,
    Id,
    Input,
    MoneyOut,
    Name,
    Output,
    PageQuery,
    PositiveMoney,
    Query,
    Resource,
    Text,
    patch_of,
)
from shared.schemas.money import Description, TransactionType

RecurringFrequency = Literal["daily", "weekly", "biweekly", "monthly", "quarterly", "yearly"]
Payee = Text(100)
Tag = Text(32)
Interval = Annotated[int, Strict(), Field(ge=1, le=100, description="periods between occurrences: 2 with weekly "
                                                                     "is every other week")]
MAX_TAGS = 10


class RecurringIn(Input):
    """A recurring schedule: the transaction it posts (checked like POST /transactions) and its calendar. A monthly
    or quarterly schedule from the 29th-31st falls on a shorter month's last day and returns to its day; a yearly
    one from Feb 29 falls on Feb 28 in common years. Occurrences before the day the schedule is created (or its rule
    changed) are not posted. The daily timer posts each due occurrence once, catching up missed days."""

    name: Name = Field(examples=["Rent"])
    type: TransactionType
    amount: PositiveMoney
    category_id: Id | None = None
    account_id: Id | None = None
    credit_card_id: Id | None = None
    to_account_id: Id | None = None
    to_credit_card_id: Id | None = None
    payee: Payee | None = None
    description: Description | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | None = None
    frequency: RecurringFrequency
    interval: Interval = 1
    start_date: Date
    end_date: Date | None = Field(default=None, description="the last day an occurrence may fall on (inclusive)")
    auto_post: Annotated[bool, Strict()] = Field(default=True, description="post each occurrence as a transaction "
                                                                          "on its day (false: forecast only)")


RecurringPatch = patch_of(RecurringIn)


class RecurringOut(Resource):
    name: str
    type: TransactionType
    amount: MoneyOut
    category_id: int | None
    account_id: int | None
    credit_card_id: int | None
    to_account_id: int | None
    to_credit_card_id: int | None
    payee: str | None
    description: str | None
    tags: list[str]
    frequency: RecurringFrequency
    interval: int
    start_date: dt.date
    end_date: dt.date | None
    auto_post: bool
    next_date: dt.date | None = Field(description="the next occurrence not yet posted; null once the schedule has "
                                                  "ended")
    last_posted: dt.date | None = Field(description="the date of the last occurrence posted")


class SuggestionOut(Output):
    """A repeating payment found in your history: POST its fields (without `occurrences` and
    `next_date`) to /api/recurring to schedule it."""

    name: str
    type: TransactionType
    amount: MoneyOut = Field(description="the latest amount of the series")
    category_id: int | None
    account_id: int | None
    credit_card_id: int | None
    to_account_id: int | None
    to_credit_card_id: int | None
    payee: str | None
    description: str | None
    frequency: Literal["weekly", "monthly", "yearly"]
    interval: int
    start_date: dt.date = Field(description="the same as next_date: a schedule made from it starts there")
    occurrences: int = Field(description="how many payments of the series were found")
    next_date: dt.date


SuggestionQuery = PageQuery  # a list like any other (at most 50 series are found)


class ForecastQuery(Query):
    days: Annotated[int, Field(ge=1, le=366)] = 90


class ForecastItem(Output):
    date: dt.date
    name: str
    type: TransactionType
    amount: MoneyOut
    account_id: int | None
    credit_card_id: int | None
    to_account_id: int | None
    to_credit_card_id: int | None
    recurring_id: int | None
    income_source_id: int | None


class ForecastBalance(Output):
    kind: Literal["account", "credit_card"]
    id: int
    account_id: int | None
    credit_card_id: int | None
    name: str
    balance: MoneyOut = Field(description="today's balance (a card's: what is owed)")
    projected: MoneyOut = Field(description="the balance at the end of the window, after every expected occurrence")
    lowest: MoneyOut = Field(description="the lowest balance from today to the end of the window")
    lowest_date: dt.date = Field(description="the first day the balance is at its lowest (today when it never dips)")


class ForecastOut(Output):
    """Expected occurrences from today (UTC) through today + days, and each account's and card's balance path,
    judged at the end of each day, from today's kept balances."""

    date_from: dt.date
    date_to: dt.date
    days: int
    items: list[ForecastItem]
    accounts: list[ForecastBalance]
