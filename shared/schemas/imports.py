"""Bodies and answers of imports (API.md, "Imports and export")."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, Strict, StringConstraints, model_validator

from shared.schemas import Id, Input, MoneyOut, Output, PageQuery, Timestamp

MAX_CONTENT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_BODY_BYTES = 6 * 1024 * 1024  # this route's body limit (the edge's default is 1 MiB)
MAX_ITEMS = 500
Column = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CsvMapping(Input):
    """Which header column holds what; `amount` (signed) or both `debit` and `credit`."""

    date: Column
    amount: Column | None = Field(default=None, description="a signed amount: negative is an expense")
    debit: Column | None = Field(default=None, description="money out (an expense), with `credit`")
    credit: Column | None = Field(default=None, description="money in (income), with `debit`")
    description: Column | None = None
    payee: Column | None = None
    category: Column | None = Field(default=None, description="a column holding the name of one of your categories")
    date_format: Annotated[str, Strict(), StringConstraints(min_length=2, max_length=32)] = Field(
        default="%Y-%m-%d", description="strptime format, e.g. %d/%m/%Y", examples=["%d/%m/%Y"])
    decimal_comma: Annotated[bool, Strict()] = Field(default=False, description="1.234,56 rather than 1,234.56")
    delimiter: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=1)] = Field(
        default=",", examples=[";"])

    @model_validator(mode="after")
    def _amount_columns(self):
        if self.amount is None and (self.debit is None or self.credit is None):
            raise ValueError("name the amount column, or both the debit and the credit columns")
        if self.amount is not None and (self.debit is not None or self.credit is not None):
            raise ValueError("name either the amount column or the debit and credit columns, not both")
        if "%" not in self.date_format:
            raise ValueError("date_format must be a strptime format such as %d/%m/%Y")
        if self.delimiter in "\r\n\"":
            raise ValueError("delimiter cannot be a quote or a line break")
        return self

    def columns(self) -> dict[str, str | None]:
        return {"date": self.date, "amount": self.amount, "debit": self.debit, "credit": self.credit,
                "description": self.description, "payee": self.payee, "category": self.category}


class ImportIn(Input):
    """One bank file, as text. OFX covers QFX (1.x SGML and 2.x XML)."""

    format: Literal["ofx", "qif", "csv"]
    content: Annotated[str, Strict(), StringConstraints(min_length=1)] = Field(
        description="the file's text, up to 5 MiB (UTF-8)")
    account_id: Id | None = None
    credit_card_id: Id | None = None
    dry_run: Annotated[bool, Strict()] = Field(default=False, description="report what would happen, import nothing")
    csv: CsvMapping | None = Field(default=None, description="required for format csv")
    day_first: Annotated[bool, Strict()] = Field(default=False, description="QIF dates written day first")

    @model_validator(mode="after")
    def _target_and_mapping(self):
        if (self.account_id is None) == (self.credit_card_id is None):
            raise ValueError("name exactly one of account_id or credit_card_id")
        if self.format == "csv" and self.csv is None:
            raise ValueError("a CSV import needs the csv mapping (at least date and amount columns)")
        if self.format != "csv" and self.csv is not None:
            raise ValueError("the csv mapping is only for format csv")
        if len(self.content.encode("utf-8", "surrogatepass")) > MAX_CONTENT_BYTES:
            raise ValueError("content is larger than 5 MiB")
        return self


class ImportItemOut(Output):
    line: int
    date: dt.date | None
    amount: MoneyOut | None = Field(description="unsigned; `type` says which way it moved")
    type: Literal["income", "expense"] | None
    payee: str | None
    description: str | None
    category_id: int | None
    tags: list[str]
    status: Literal["new", "duplicate", "invalid"]
    reason: str | None


class ImportOut(Output):
    id: int | None = Field(description="null for a dry run")
    format: str
    account_id: int | None
    credit_card_id: int | None
    dry_run: bool
    created: int = Field(description="0 in a dry run: the items' status shows what would be created")
    duplicates: int
    invalid: int
    items: list[ImportItemOut] = Field(description="the first 500 lines")


class ImportRecordOut(Output):
    id: int
    format: str
    account_id: int | None
    credit_card_id: int | None
    created: int
    duplicates: int
    invalid: int
    created_at: Timestamp


ImportQuery = PageQuery
