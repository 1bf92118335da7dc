"""Answers made straight from the driver's values: for each column, SQLAlchemy's result processor
and the answer's converter (shared/schemas/answers.py) fused into one step.

A page of 100 transactions otherwise turns every timestamp three times (the driver's value, an
aware datetime, an RFC 3339 string) and every amount twice, and builds a processed row only to read
it back: on SQLite that was a third of the page's CPU. Here each column takes one function:

- a timestamp (UTCDateTime) answered as RFC 3339: the stored naive UTC value's ISO form with a "Z",
  parsed first where the driver hands back text (SQLite);
- an amount (ExactDecimal, two places) answered as a money string: the converter alone, which
  already rounds to the cent whatever the driver gave (a Decimal), or on SQLite, which keeps whole
  cents, the cents' decimal with two places;
- a date answered as ISO text: parsed and written back where the driver hands back text;
- any other pair: the converter of the processed value, as before.

Each fused step answers what `convert(process(value))` answers; tests/test_answer_rows.py holds the
two equal on values stored and read back on each database.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Date
from sqlalchemy.engine import Dialect

from shared.data.prepared import RowMapperFactory
from shared.data.types import ExactDecimal, UTCDateTime
from shared.schemas import to_money_string, utc_timestamp
from shared.schemas.answers import answer_from_values, answer_plan, iso_date

Step = Callable[[Any], Any]
_fromisoformat = dt.datetime.fromisoformat
_date_fromisoformat = dt.date.fromisoformat
_EXACT_CENTS = 10**18  # whole cents Decimal holds exactly in its default context


def _composed(process: Step | None, convert: Step | None) -> Step | None:
    if convert is None:
        return process
    if process is None:
        return convert
    return lambda value: convert(process(value))


def _timestamp(dialect: Dialect, slow: Step) -> Step:
    if dialect.name == "sqlite":  # the stored text ("2026-11-29 23:10:56.123456"), naive UTC
        def timestamp_from_text(value: Any) -> Any:
            if isinstance(value, str):
                moment = _fromisoformat(value)
                if moment.tzinfo is None:
                    return moment.isoformat() + "Z"
            return slow(value)
        return timestamp_from_text

    def timestamp(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is None:  # a naive UTC datetime from the driver
            return value.isoformat() + "Z"
        return slow(value)
    return timestamp


def _money(type_: ExactDecimal, dialect: Dialect, convert: Step, slow: Step) -> Step:
    if dialect.name != "sqlite" or not type_._scaled_int:
        return convert  # Decimal(value) rounded to the cent: the processor's own rounding, once

    def money_from_cents(value: Any) -> Any:  # SQLite keeps whole cents
        if type(value) is int and -_EXACT_CENTS < value < _EXACT_CENTS:
            return format(Decimal(value).scaleb(-2), "f")
        return slow(value)
    return money_from_cents


def _date(slow: Step) -> Step:
    def date_from_text(value: Any) -> Any:
        return _date_fromisoformat(value).isoformat() if isinstance(value, str) else slow(value)
    return date_from_text


def fused(type_: Any, dialect: Dialect, process: Step | None, convert: Step | None) -> Step | None:
    """One column's step from the driver's value (never None: callers pass None through) to its
    answer, or None when the value answers as it is."""
    convert = getattr(convert, "skips_none", convert)  # an optional field's converter: None never gets here
    slow = _composed(process, convert)
    if slow is None:
        return None
    if convert is utc_timestamp and isinstance(type_, UTCDateTime):
        return _timestamp(dialect, slow)
    if convert is to_money_string and isinstance(type_, ExactDecimal) and type_.scale == 2:
        return _money(type_, dialect, convert, slow)
    if convert is iso_date and isinstance(type_, Date) and dialect.name == "sqlite":
        return _date(slow)  # the stored text "2026-11-29"
    return slow


@cache
def answer_rows(model: type[BaseModel], supplied: frozenset[str] = frozenset()) -> RowMapperFactory:
    """A `Prepared.mapped` factory: rows selected as exactly `model`'s answer fields in order -> the dict
    pydantic would answer, each value in one step (a `supplied` field's column passes as it is, for
    the caller to fill in)."""
    plan = answer_plan(model, supplied)
    if plan is None:
        raise ValueError(f"{model.__name__} needs pydantic to answer; it has no plain answer plan")
    names, converters = plan

    def factory(dialect: Dialect, types: tuple[Any, ...], processors: tuple[Step | None, ...]) -> Step:
        if len(types) != len(names):
            raise ValueError(f"the statement has {len(types)} columns; {model.__name__} answers {len(names)}")
        steps = [(name, step) for name, type_, process in zip(names, types, processors, strict=True)
                 if name not in supplied
                 and (step := fused(type_, dialect, process, converters.get(name))) is not None]
        return answer_from_values(names, steps)

    return factory
