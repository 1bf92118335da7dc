"""Bodies and answers of tags and rules (API.md, "Tags, payees and rules")."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, model_validator

from shared.schemas import (
    MAX_MONEY,
    Date,
    Input,
    MoneyOut,
    Output,
    PageQuery,
    Resource,
    Text,
    _as_decimal,
    _decimal_checks,
    patch_of,
)
from shared.schemas.money import TagName

ConditionField = Literal["description", "payee", "amount", "type", "account_id", "credit_card_id"]
ConditionOp = Literal["contains", "equals", "starts_with", "regex", "gt", "lt", "between"]
TEXT_FIELDS = {"description", "payee"}
TEXT_OPS = {"contains", "equals", "starts_with", "regex"}
AMOUNT_OPS = {"equals", "gt", "lt", "between"}
# Which operators make sense on which field: anything else is a 422 that says what would work.
OPS_FOR = {"description": TEXT_OPS, "payee": TEXT_OPS, "amount": AMOUNT_OPS,
           "type": {"equals"}, "account_id": {"equals"}, "credit_card_id": {"equals"}}
PatternText = Text(200)
_amount = _decimal_checks(2, Decimal(0), True, MAX_MONEY)


def _words(ops: set[str]) -> str:
    ordered = [op for op in ("contains", "equals", "starts_with", "regex", "gt", "lt", "between") if op in ops]
    return ", ".join(ordered[:-1]) + " or " + ordered[-1] if len(ordered) > 1 else ordered[0]


def _text_value(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("value must be a text of 1 to 200 characters for a text condition")
    return value


def _amount_value(value: Any) -> str:
    try:
        return format(_amount(_as_decimal(value)), "f")
    except ValueError as exc:
        raise ValueError(f"value {exc}") from None


class Condition(Input):
    field: ConditionField
    op: ConditionOp
    value: Any = Field(description="text for description and payee; a decimal for amount (`between`: "
                                   "[low, high]); income, expense or transfer for type; an id for account_id "
                                   "and credit_card_id", json_schema_extra={"examples": ["coffee"]})

    @model_validator(mode="after")
    def _fits(self):
        allowed = OPS_FOR[self.field]
        if self.op not in allowed:
            raise ValueError(f"{self.op} cannot be used on {self.field}; use {_words(allowed)}")
        if self.field in TEXT_FIELDS:
            self.value = _text_value(self.value)
        elif self.field == "amount" and self.op == "between":
            if not isinstance(self.value, list) or len(self.value) != 2:
                raise ValueError("value of between must be a list of two amounts, [low, high]")
            low, high = (_amount_value(v) for v in self.value)
            if Decimal(low) > Decimal(high):
                raise ValueError("value of between must be [low, high] with low <= high")
            self.value = [low, high]
        elif self.field == "amount":
            self.value = _amount_value(self.value)
        elif self.field == "type":
            if self.value not in ("income", "expense", "transfer"):
                raise ValueError("value of a type condition must be income, expense or transfer")
        elif isinstance(self.value, bool) or not isinstance(self.value, int) or not 0 < self.value < 2**31:
            raise ValueError(f"value of a {self.field} condition must be the id of one of your "
                             f"{'accounts' if self.field == 'account_id' else 'credit cards'}")
        return self


class Action(Input):
    """Either `{"set": field, "value": ...}` or `{"add_tag": "name"}`."""

    set: Literal["category_id", "payee", "description"] | None = None
    value: Any = None
    add_tag: TagName | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.set is None) == (self.add_tag is None):
            raise ValueError('an action is either {"set": field, "value": ...} or {"add_tag": "name"}')
        if self.add_tag is not None:
            if "value" in self.model_fields_set:
                raise ValueError("add_tag takes no value")
            return self
        value = self.value
        if self.set == "category_id":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
                raise ValueError("value of set category_id must be the id of one of your categories")
        else:
            limit = 100 if self.set == "payee" else 500
            if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
                raise ValueError(f"value of set {self.set} must be a text of 1 to {limit} characters")
            self.value = value.strip()
        return self


Priority = Annotated[int, Strict(), Field(ge=-1_000_000, le=1_000_000)]


class RuleIn(Input):
    """A rule: when all its conditions hold, its actions fill in a transaction's category, payee,
    description or tags. Rules run in priority order (then id) on every imported line and on
    POST /api/transactions, only on the fields the client (or the file) did not send: a field sent,
    even as null, is kept; tags sent are kept as sent (add_tag adds only when no tags were sent).
    Operators per field: description and payee take contains, equals, starts_with or regex (RE2
    syntax, case-insensitive, at most 200 characters); amount takes equals, gt, lt or between
    ([low, high], inclusive); type, account_id and credit_card_id take equals."""

    name: Text(100) = Field(examples=["Coffee shops"])  # type: ignore[valid-type]
    priority: Priority = Field(default=100, description="lower runs first")
    active: Annotated[bool, Strict()] = True
    stop: Annotated[bool, Strict()] = Field(default=False, description="when true, later rules do not run on a "
                                                                       "transaction this one matched")
    conditions: list[Condition] = Field(min_length=1, max_length=10, description="all must hold")
    actions: list[Action] = Field(min_length=1, max_length=10)


RulePatch = patch_of(RuleIn)


class RuleOut(Resource):
    name: str
    priority: int
    active: bool
    stop: bool
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]


class RuleRunIn(Input):
    date_from: Date | None = None
    date_to: Date | None = None
    dry_run: Annotated[bool, Strict()] = Field(default=True, description="true: report only, change nothing")

    @model_validator(mode="after")
    def _range(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must be on or before date_to; send an earlier date_from or a later date_to")
        return self


class RuleFields(Output):
    category_id: int | None
    payee: str | None
    description: str | None
    tags: list[str]


class RuleRunItem(Output):
    transaction_id: int
    date: dt.date
    amount: MoneyOut
    before: RuleFields
    after: RuleFields


class RuleRunOut(Output):
    dry_run: bool
    matched: int
    changed: int
    items: list[RuleRunItem] = Field(description="the first 100 changed transactions")


class TagOut(Output):
    name: str = Field(description="as first written")
    count: int
    total: MoneyOut = Field(description="the unsigned sum of the tagged transactions' amounts")


TagQuery = PageQuery
