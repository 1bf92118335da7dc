"""Currency conversion: which rate applies to an amount, and the converted figure, exact.

The one place that turns an amount in one currency into another; reports, net worth, the
scheduled summaries, the assistant and investment performance all call it:

    table = load_rates(session, user_id, target="EUR", currencies={"USD", "GBP"}, start=..., end=...)
    table.convert(Decimal("12.50"), "USD", dt.date(2026, 3, 2))  -> Decimal (exact) or None (no rate)
    converter = Converter(table)        # the same, and remembers what could not be converted
    converter(amount, currency, day)    -> Decimal or None;  converter.missing_rates() -> [{"currency", "first_date"}]
    to_money(exact)                     -> rounded half-even to cents (once, on the final figure)
    convert(session, user, amount, currency, day) -> Decimal (rounded) or None: one amount, one query

Rules (API.md, "Currencies and net worth"):
- The rates a user sees are their own (`fx_rates`) over the shared reference rates (`reference_fx_rates`,
  the ECB's euro rates): on a date where both give the same pair, the user's own wins.
- A rate `1 base = rate quote` also converts the other way (1 / rate). For a pair (A, B) the series of
  dated rates merges the stored A->B rates and the inverted B->A ones (A->B wins on a date that has both).
- The rate for a date is the pair's latest on or before it, or, when the pair has none before, its
  earliest after it.
- A pair with no rate at all goes through the euro: A->EUR then EUR->B, each leg looked up on the
  date as above. With neither, the amount has no rate: it is left out and named in `missing_rates`
  with the earliest date of an amount left out, never guessed.
- Decimal throughout: a rate has up to 10 fraction digits; an inverse or a cross is computed with 40
  significant digits (ROUND_HALF_EVEN), so figures are exact to far below a cent; a report adds the
  exact converted amounts and rounds the sum once, half-even, to cents.
- Rates are read at the moment of the request (never cached across requests), so a rate added
  later changes every answer at once.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from shared.data.models import FxRate, ReferenceFxRate

EUR = "EUR"
CENT = Decimal("0.01")
EXACT = Context(prec=40, rounding=ROUND_HALF_EVEN)
WIDE = Context(prec=120, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999)  # any value × any rate, exact
ONE = Decimal(1)


def to_money(value: Decimal) -> Decimal:
    """An exact figure rounded once, half-even, to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN, context=EXACT)


class _Series:
    """The dated rates of one pair, in date order: the rate for a day is the latest on or before it,
    else the earliest after it."""

    __slots__ = ("dates", "rates")

    def __init__(self, by_date: dict[dt.date, Decimal]):
        self.dates = sorted(by_date)
        self.rates = [by_date[d] for d in self.dates]

    def at(self, day: dt.date) -> Decimal:
        index = bisect.bisect_right(self.dates, day) - 1
        return self.rates[max(index, 0)]


class RateTable:
    """The rates one user sees, for converting into `target`."""

    def __init__(self, target: str, rows: Iterable[tuple[str, str, dt.date, Decimal, bool]]):
        """`rows`: (base, quote, date, rate, own) — own rates win over reference ones on the same date."""
        self.target = target
        stored: dict[tuple[str, str], dict[dt.date, tuple[bool, Decimal]]] = {}
        for base, quote, day, rate, own in rows:
            if base == quote or not rate:
                continue
            dates = stored.setdefault((base, quote), {})
            if own or day not in dates or not dates[day][0]:
                dates[day] = (bool(own), Decimal(rate))
        self._stored = {pair: {d: r for d, (_own, r) in dates.items()} for pair, dates in stored.items()}
        self._series: dict[tuple[str, str], _Series | None] = {}

    def _pair(self, base: str, quote: str) -> _Series | None:
        key = (base, quote)
        if key not in self._series:
            by_date = {d: EXACT.divide(ONE, r) for d, r in self._stored.get((quote, base), {}).items()}
            by_date.update(self._stored.get((base, quote), {}))  # a stored direct rate wins over an inverse
            self._series[key] = _Series(by_date) if by_date else None
        return self._series[key]

    def rate(self, currency: str, day: dt.date, target: str | None = None) -> Decimal | None:
        """1 `currency` = rate `target` on `day`; None when no rate exists at all."""
        target = target or self.target
        if currency == target:
            return ONE
        direct = self._pair(currency, target)
        if direct is not None:
            return direct.at(day)
        if EUR in (currency, target):
            return None
        to_eur, from_eur = self._pair(currency, EUR), self._pair(EUR, target)
        if to_eur is None or from_eur is None:
            return None
        return EXACT.multiply(to_eur.at(day), from_eur.at(day))

    def convert(self, amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
        """`amount` in `currency` on `day`, in the target currency: exact (not rounded), or None."""
        if currency == self.target:
            return amount
        rate = self.rate(currency, day)
        return None if rate is None else EXACT.multiply(amount, rate)


class Converter:
    """Converts amounts with a rate table and remembers the currencies it could not convert."""

    def __init__(self, table: RateTable):
        self.table = table
        self.target = table.target
        self._missing: dict[str, dt.date] = {}

    def __call__(self, amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
        converted = self.table.convert(amount, currency, day)
        if converted is None:
            self.note_missing(currency, day)
        return converted

    def note_missing(self, currency: str, day: dt.date) -> None:
        first = self._missing.get(currency)
        if first is None or day < first:
            self._missing[currency] = day

    def missing_rates(self) -> list[dict[str, Any]]:
        return [{"currency": c, "first_date": d} for c, d in sorted(self._missing.items())]


def _columns(model, owned: bool):
    return model.base, model.quote, model.date, model.rate, literal(owned).label("own")


def _owner(model, owned: bool) -> list:
    return [model.user_id == bindparam("user_id")] if owned else []


def _parts(model, owned: bool, pairs: int) -> list:
    """Rows of one rate table: every date in [start, end] of the wanted currencies (one index range
    scan), plus, for each pair, its latest before `start` and earliest after `end` (one index seek
    each): what the lookup rule can reach from the range, whatever the length of the rate history."""
    start, end = bindparam("start", type_=Date), bindparam("end", type_=Date)
    wanted = bindparam("wanted", expanding=True)
    parts = [select(*_columns(model, owned)).where(
        *_owner(model, owned), model.base.in_(wanted), model.quote.in_(wanted), model.date.between(start, end))]
    for i in range(pairs):
        pair = [model.base == bindparam(f"base_{i}"), model.quote == bindparam(f"quote_{i}")]
        for edge, order in ((model.date < start, model.date.desc()), (model.date > end, model.date.asc())):
            nearest = (select(*_columns(model, owned)).where(*_owner(model, owned), *pair, edge)
                       .order_by(order).limit(1).subquery())
            parts.append(select(nearest))
    return parts


@lru_cache(maxsize=32)
def rates_statement(pairs: int):
    """One statement for `pairs` currency pairs, built once (bound parameters: user_id, the wanted
    currencies, base_i/quote_i per pair, start, end)."""
    return union_all(*_parts(FxRate, True, pairs), *_parts(ReferenceFxRate, False, pairs))


def _pairs(target: str, foreign: set[str]) -> list[tuple[str, str]]:
    """The pairs a conversion into `target` may use: direct either way, and both legs through EUR."""
    found = set()
    for currency in foreign:
        for a, b in ((currency, target), (currency, EUR), (EUR, target)):
            if a != b:
                found |= {(a, b), (b, a)}
    return sorted(found)


def _parameters(user_id: int, target: str, foreign: set[str], start: dt.date, end: dt.date) -> dict:
    pairs = _pairs(target, foreign)
    values: dict = {"user_id": user_id, "wanted": sorted({*foreign, target, EUR}), "start": start, "end": end}
    for i, (base, quote) in enumerate(pairs):
        values.update({f"base_{i}": base, f"quote_{i}": quote})
    return values


def rates_query(user_id: int, target: str, currencies: Iterable[str], start: dt.date, end: dt.date):
    """The rates that can convert `currencies` into `target` around [start, end], parameters bound."""
    foreign = {c for c in currencies if c != target}
    return rates_statement(len(_pairs(target, foreign))).params(_parameters(user_id, target, foreign, start, end))


def load_rates(session: Session, user_id: int, target: str, currencies: Iterable[str], start: dt.date,
               end: dt.date) -> RateTable:
    """The user's rate table for converting `currencies` into `target` on dates in [start, end]
    (dates outside still resolve, to the nearest rate loaded). One query; none when nothing is foreign."""
    foreign = {c for c in currencies if c != target}
    if not foreign:
        return RateTable(target, [])
    statement = rates_statement(len(_pairs(target, foreign)))
    rows = session.execute(statement, _parameters(user_id, target, foreign, start, end)).all()
    return RateTable(target, [(r.base, r.quote, r.date, r.rate, bool(r.own)) for r in rows])


def converter(session: Session, user, currencies: Iterable[str], start: dt.date, end: dt.date) -> Converter:
    """A Converter into the user's currency for `currencies` on dates in [start, end] (one query at most)."""
    return Converter(load_rates(session, user.id, user.currency, currencies, start, end))


def in_home(convert: Converter, amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
    """One value converted at `day`'s rate and rounded half-even to cents (None, and noted, without a rate):
    how an asset's value on a day reaches the user's currency in valuation, history and net worth. The
    product is exact whatever the value (a market value has up to 56 digits, a rate 40), rounded once."""
    if currency == convert.target:
        return amount
    rate = convert.table.rate(currency, day)
    if rate is None:
        convert.note_missing(currency, day)
        return None
    return WIDE.multiply(amount, rate).quantize(CENT, rounding=ROUND_HALF_EVEN, context=WIDE)


def convert(session: Session, user, amount: Decimal, currency: str, day: dt.date,
            target: str | None = None) -> Decimal | None:
    """One amount in `currency` on `day`, in `target` (default the user's currency), rounded to
    cents; None when there is no rate at all."""
    target = target or user.currency
    table = load_rates(session, user.id, target, {currency}, day, day)
    converted = table.convert(amount, currency, day)
    return None if converted is None else to_money(converted)


__all__ = ["RateTable", "Converter", "load_rates", "rates_query", "convert", "converter", "in_home", "to_money", "EUR"]
