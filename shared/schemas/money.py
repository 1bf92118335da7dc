"""Bodies and answers of the money resources (API.md, "Money resources")."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, Strict, StringConstraints, computed_field, model_validator

from shared.schemas import (
    CENT,
    Date,
    DayOfMonth,
    FractionOut,
    Id,
    Input,
    MoneyOut,
    Month,
    Name,
    NonNegativeMoney,
    Output,
    PageQuery,
    Percent,
    PositiveMoney,
    Query,
    Resource,
    SignedMoney,
    Text,
    patch_of,
)
from shared.schemas.identity import Currency

AccountType = Literal["checking", "savings", "cash", "investment", "other"]
Frequency = Literal["weekly", "biweekly", "monthly", "quarterly", "yearly", "one_time"]
CategoryKind = Literal["income", "expense"]
TransactionType = Literal["income", "expense", "transfer"]
Last4 = Annotated[str, Strict(), StringConstraints(pattern=r"^\d{4}$")]
Color = Annotated[str, Strict(), StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Description = Text(500, min_length=0)
Institution = Text(100)
CategoryName = Text(64)
Payee = Text(100)
TagName = Text(32)
MAX_TAGS = 10


def _distinct_tags(tags: list[str]) -> list[str]:
    """Tags compare case-insensitively: a second spelling of the same tag is the same tag."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.lower(), tag)
    return list(seen.values())


Tags = Annotated[list[TagName], Field(max_length=MAX_TAGS, description="0 to 10 tags of 1 to 32 characters, "
                                      "compared case-insensitively"), AfterValidator(_distinct_tags)]
GoalTitle = Text(200)

# --- accounts -------------------------------------------------------------------------------


class AccountIn(Input):
    name: Name = Field(examples=["Everyday checking"])
    type: AccountType
    institution: Institution | None = None
    opening_balance: SignedMoney = Decimal("0")
    currency: Currency | None = Field(default=None, examples=["EUR"], description=(
        "ISO 4217; default your currency. It cannot change once transactions use it (409)."))


AccountPatch = patch_of(AccountIn)


class AccountOut(Resource):
    name: str
    type: AccountType
    institution: str | None
    opening_balance: MoneyOut
    currency: str = Field(description="ISO 4217: the balance and every transaction of the account are in it")
    balance: MoneyOut = Field(description="opening balance + income − expenses − transfers out + transfers in")


# --- credit cards ---------------------------------------------------------------------------


class CreditCardIn(Input):
    name: Name
    issuer: Institution | None = None
    last4: Last4 | None = None
    credit_limit: PositiveMoney
    apr: Percent | None = Field(default=None, description="Annual percentage rate, in percent")
    statement_day: DayOfMonth
    due_day: DayOfMonth
    currency: Currency | None = Field(default=None, examples=["EUR"], description=(
        "ISO 4217; default your currency. It cannot change once transactions use it (409)."))


CreditCardPatch = patch_of(CreditCardIn)


class CreditCardOut(Resource):
    name: str
    issuer: str | None
    last4: str | None
    credit_limit: MoneyOut
    apr: Percent | None = None
    statement_day: int
    due_day: int
    currency: str = Field(description="ISO 4217: the limit, balance and every transaction of the card are in it")
    balance: MoneyOut = Field(description="charges (expenses on the card) − payments (transfers to it)")

    @computed_field(description="credit_limit − balance")  # type: ignore[prop-decorator]
    @property
    def available_credit(self) -> MoneyOut:
        return self.credit_limit - self.balance

    @computed_field(description="balance / credit_limit, a fraction (0–1 while within the limit)")  # type: ignore[prop-decorator]
    @property
    def utilization(self) -> FractionOut:
        return max(Decimal(0), self.balance) / self.credit_limit


# --- income sources -------------------------------------------------------------------------

# Payments per month as (numerator, denominator). Dividing once, last, keeps a half-cent tie exact
# (0.03 biweekly is exactly 0.065 → 0.06): a pre-rounded factor such as 26/12 = 2.1666…67 would
# push it to 0.07.
_PER_MONTH = {
    "weekly": (52, 12),
    "biweekly": (26, 12),
    "monthly": (1, 1),
    "quarterly": (1, 3),
    "yearly": (1, 12),
    "one_time": (0, 1),
}


def monthly_equivalent(amount: Decimal, frequency: str) -> Decimal:
    numerator, denominator = _PER_MONTH[frequency]
    return (amount * numerator / denominator).quantize(CENT, rounding=ROUND_HALF_EVEN)


class IncomeSourceIn(Input):
    name: Name
    amount: PositiveMoney
    frequency: Frequency
    next_date: Date | None = None
    account_id: Id | None = None


IncomeSourcePatch = patch_of(IncomeSourceIn)


class IncomeSourceOut(Resource):
    name: str
    amount: MoneyOut
    frequency: Frequency
    next_date: dt.date | None = Field(description="the next expected pay day: a day written in the past moves on to "
                                                  "the first one from today, and the timer moves it on as it posts")
    account_id: int | None

    @computed_field(description="weekly × 52/12, biweekly × 26/12, quarterly / 3, yearly / 12, one_time 0; "
                                "rounded half-even to cents")  # type: ignore[prop-decorator]
    @property
    def monthly_equivalent(self) -> MoneyOut:
        return monthly_equivalent(self.amount, self.frequency)


# --- categories -----------------------------------------------------------------------------


class CategoryIn(Input):
    name: CategoryName = Field(examples=["Groceries"])
    kind: CategoryKind
    color: Color | None = Field(default=None, examples=["#4CAF50"])


CategoryPatch = patch_of(CategoryIn)


class CategoryOut(Resource):
    name: str
    kind: CategoryKind
    color: str | None


class CategoryDeleteQuery(Query):
    reassign_to: Annotated[int, Field(gt=0, lt=2**31)] | None = Field(
        default=None, description="Move this category's transactions to that category first")


# --- transactions ---------------------------------------------------------------------------


class TransactionIn(Input):
    """What each kind of transaction needs (the examples show one of each):

    - **expense**: `amount`, `date`; paid from an account (`account_id`), charged to a card (`credit_card_id`),
      or neither for cash; optionally an expense `category_id`.
    - **income**: `amount`, `date`; into an account (`account_id`) or none; optionally an income `category_id`
      and the `income_source_id` it came from.
    - **a refund on a card**: an income with `credit_card_id`; it lowers what the card owes.
    - **transfer between your accounts**: `account_id` (money leaves) and `to_account_id` (it arrives); no
      category; `to_amount` when the two accounts' currencies differ.
    - **paying a card**: a transfer from `account_id` to `to_credit_card_id`; it lowers what the card owes.

    Transfers are neither income nor expense in any report."""

    # Named examples for the docs page (OpenAPI request-body examples), one per kind.
    request_examples: ClassVar[dict[str, tuple[str, dict[str, Any]]]] = {
        "expense_on_a_card": ("An expense charged to a card", {
            "type": "expense", "amount": "45.00", "date": "2026-11-28", "description": "Dinner at Sushi Bar",
            "credit_card_id": 3, "category_id": 7}),
        "income": ("A salary paid into an account", {
            "type": "income", "amount": "3000.00", "date": "2026-11-25", "account_id": 1, "income_source_id": 2}),
        "refund_on_a_card": ("A refund on a card", {
            "type": "income", "amount": "19.99", "date": "2026-11-27", "description": "Returned headphones",
            "credit_card_id": 3}),
        "transfer": ("A transfer between your accounts", {
            "type": "transfer", "amount": "100.00", "date": "2026-11-28", "account_id": 1, "to_account_id": 4}),
        "card_payment": ("Paying a card from an account", {
            "type": "transfer", "amount": "250.00", "date": "2026-11-28", "account_id": 1, "to_credit_card_id": 3}),
    }

    type: TransactionType
    amount: PositiveMoney
    date: Date
    description: Description | None = None
    category_id: Id | None = None
    account_id: Id | None = None
    credit_card_id: Id | None = None
    to_account_id: Id | None = None
    to_credit_card_id: Id | None = None
    income_source_id: Id | None = None
    payee: Payee | None = None
    tags: Tags = Field(default_factory=list)
    to_amount: PositiveMoney | None = Field(default=None, description=(
        "a transfer between an account and an account or card of different currencies: the amount that "
        "arrived, in the destination's currency (required then, refused otherwise)"))


TransactionPatch = patch_of(TransactionIn)


class TransactionOut(Resource):
    type: TransactionType
    amount: MoneyOut
    date: dt.date
    description: str | None
    category_id: int | None
    account_id: int | None
    credit_card_id: int | None
    to_account_id: int | None
    to_credit_card_id: int | None
    income_source_id: int | None
    recurring_id: int | None = Field(default=None, description="the recurring schedule that posted it")
    payee: str | None = None
    tags: list[str] = Field(default_factory=list, description="as each tag was first written")
    currency: str = Field(description="the account's or card's currency (the user's when neither); `amount` is in it")
    to_amount: MoneyOut | None = Field(default=None, description="a transfer across currencies: the amount "
                                                                 "that arrived, in the destination's currency")


class TransactionQuery(PageQuery):
    type: TransactionType | None = None
    category_id: Annotated[int, Field(gt=0, lt=2**31)] | None = None
    account_id: Annotated[int, Field(gt=0, lt=2**31)] | None = None
    credit_card_id: Annotated[int, Field(gt=0, lt=2**31)] | None = None
    date_from: Date | None = None
    date_to: Date | None = None
    min_amount: NonNegativeMoney | None = None
    max_amount: NonNegativeMoney | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    tag: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        default=None, description="only transactions with this tag (any case)")
    sort: Literal["date", "-date", "amount", "-amount"] = "-date"

    @model_validator(mode="after")
    def _ranges(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must be on or before date_to; send an earlier date_from or a later date_to")
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            raise ValueError("min_amount must not exceed max_amount")
        return self


# --- budgets --------------------------------------------------------------------------------


class BudgetIn(Input):
    category_id: Id
    month: Month
    amount: PositiveMoney


BudgetPatch = patch_of(BudgetIn)


class BudgetOut(Resource):
    category_id: int
    month: str
    amount: MoneyOut
    spent: MoneyOut = Field(description="expenses in this category during the month")

    @computed_field(description="amount − spent; negative when over budget")  # type: ignore[prop-decorator]
    @property
    def remaining(self) -> MoneyOut:
        return self.amount - self.spent


class BudgetQuery(PageQuery):
    month: Month | None = None


# --- goals ----------------------------------------------------------------------------------


class GoalIn(Input):
    title: GoalTitle
    target_amount: PositiveMoney
    current_savings: NonNegativeMoney = Decimal("0")
    target_date: Date | None = None


GoalPatch = patch_of(GoalIn)


def months_between(start: dt.date, end: dt.date) -> int:
    """Months from `start` to `end`, counting a started month: Jan 15 → Mar 15 is 2, → Mar 16 is 3.

    A month ends on the same day of the next month (or its last day when shorter: Jan 31 → Feb 28 is 1).
    """
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months + (1 if end.day > start.day else 0)


class GoalOut(Resource):
    title: str
    target_amount: MoneyOut
    current_savings: MoneyOut
    target_date: dt.date | None

    @computed_field(description="current_savings / target_amount, capped at 1")  # type: ignore[prop-decorator]
    @property
    def progress(self) -> FractionOut:
        return min(Decimal(1), self.current_savings / self.target_amount)

    @computed_field(description="target_amount − current_savings, never below 0")  # type: ignore[prop-decorator]
    @property
    def remaining(self) -> MoneyOut:
        return max(Decimal(0), self.target_amount - self.current_savings)

    @computed_field(description="what to save each month, from this month on, to reach the target by "
                                "target_date (the whole remainder once the date has come); null without a "
                                "target_date")  # type: ignore[prop-decorator]
    @property
    def monthly_needed(self) -> MoneyOut | None:
        if self.target_date is None:
            return None
        remaining = max(Decimal(0), self.target_amount - self.current_savings)
        months = max(1, months_between(dt.date.today(), self.target_date))
        return (remaining / months).quantize(CENT, rounding="ROUND_CEILING")


class ContributionIn(Input):
    amount: PositiveMoney
    date: Date | None = None


class ContributionOut(Output):
    id: int
    goal_id: int
    amount: MoneyOut
    date: dt.date
    goal: GoalOut
