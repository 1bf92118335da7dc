"""Column types that keep money exact on every database we run on.

PostgreSQL and Azure SQL have a real fixed-point NUMERIC. SQLite does not (SQLAlchemy would
store a float), so there a decimal is kept as a scaled integer (exact, and SUM() stays exact)
or, when it does not fit 64 bits, as its canonical text.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric, String
from sqlalchemy.types import TypeDecorator


class ExactDecimal(TypeDecorator):
    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int, sqlite_scaled_int: bool | None = None):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)
        self._factor = 10**scale
        self._scaled_int = precision <= 18 if sqlite_scaled_int is None else sqlite_scaled_int

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger() if self._scaled_int else String(self.precision + 3))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name != "sqlite":
            return value
        if self._scaled_int:
            return int((value * self._factor).to_integral_value())
        return format(value.quantize(self._unit), "f")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            if self._scaled_int:
                return (Decimal(int(value)) / self._factor).quantize(self._unit)
            return Decimal(value).quantize(self._unit)
        return Decimal(value).quantize(self._unit)

    def coerce_compared_value(self, op, value):
        return self


def Money() -> ExactDecimal:  # noqa: N802 - reads like a type in the models
    return ExactDecimal(18, 2)


def SummedMoney() -> ExactDecimal:  # noqa: N802
    """Sums of money (the stored period summaries). NUMERIC(28, 2) where there is one; on SQLite a
    scaled 64-bit integer like Money, because the summaries are written by INSERT ... SELECT SUM()
    of Money columns, which SQLite keeps exact only as integers (up to about 92 quadrillion)."""
    return ExactDecimal(28, 2, sqlite_scaled_int=True)


def Quantity() -> ExactDecimal:  # noqa: N802
    return ExactDecimal(28, 8)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (portable to every backend), hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "mssql":  # DATETIME rounds to 3.33 ms; DATETIME2 keeps microseconds
            from sqlalchemy.dialects.mssql import DATETIME2

            return dialect.type_descriptor(DATETIME2())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
