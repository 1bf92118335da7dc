"""The rate lookup and conversion rules (shared/services/fx.py), figures computed by hand."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shared.services.fx import Converter, RateTable, to_money

D = dt.date
JAN1, JAN10, JAN20, FEB1 = D(2026, 1, 1), D(2026, 1, 10), D(2026, 1, 20), D(2026, 2, 1)


def table(target: str, *rows) -> RateTable:
    return RateTable(target, [(b, q, d, Decimal(r), own) for b, q, d, r, own in rows])


def test_the_latest_rate_on_or_before_the_date_applies():
    t = table("USD", ("EUR", "USD", JAN1, "1.10", False), ("EUR", "USD", JAN20, "1.20", False))
    assert t.convert(Decimal("100.00"), "EUR", JAN10) == Decimal("110.0000")
    assert t.convert(Decimal("100.00"), "EUR", JAN20) == Decimal("120.0000")
    assert t.convert(Decimal("100.00"), "EUR", FEB1) == Decimal("120.0000")


def test_the_earliest_rate_after_applies_when_there_is_none_before():
    t = table("USD", ("EUR", "USD", JAN20, "1.20", False))
    assert t.convert(Decimal("10.00"), "EUR", JAN1) == Decimal("12.0000")


def test_a_rate_converts_the_other_way_too():
    t = table("EUR", ("EUR", "USD", JAN1, "1.25", False))  # 1 USD = 0.8 EUR
    assert t.convert(Decimal("10.00"), "USD", JAN10) == Decimal("8.00")


def test_two_rates_through_eur_make_a_cross_rate():
    # 1 EUR = 1.25 USD, 1 EUR = 0.80 GBP  ->  1 GBP = 1.5625 USD
    t = table("USD", ("EUR", "USD", JAN1, "1.25", False), ("EUR", "GBP", JAN1, "0.80", False))
    assert t.convert(Decimal("100.00"), "GBP", JAN10) == Decimal("156.2500")


def test_a_direct_rate_is_preferred_to_a_cross():
    t = table("USD", ("EUR", "USD", JAN1, "1.25", False), ("EUR", "GBP", JAN1, "0.80", False),
              ("GBP", "USD", JAN1, "1.30", True))
    assert t.convert(Decimal("100.00"), "GBP", JAN10) == Decimal("130.0000")


def test_own_rate_wins_over_reference_of_the_same_pair_and_date():
    t = table("USD", ("EUR", "USD", JAN1, "1.10", False), ("EUR", "USD", JAN1, "1.50", True))
    assert t.convert(Decimal("2.00"), "EUR", JAN1) == Decimal("3.0000")
    t = table("USD", ("EUR", "USD", JAN1, "1.50", True), ("EUR", "USD", JAN1, "1.10", False))
    assert t.convert(Decimal("2.00"), "EUR", JAN1) == Decimal("3.0000")


def test_no_rate_at_all_is_missing_and_named_with_the_first_date():
    t = table("USD", ("EUR", "USD", JAN1, "1.10", False))
    convert = Converter(t)
    assert convert(Decimal("5.00"), "JPY", JAN20) is None
    assert convert(Decimal("5.00"), "JPY", JAN10) is None
    assert convert(Decimal("5.00"), "USD", JAN1) == Decimal("5.00")
    assert convert.missing_rates() == [{"currency": "JPY", "first_date": JAN10}]


def test_a_cross_needs_both_legs():
    t = table("USD", ("EUR", "GBP", JAN1, "0.80", False))
    assert t.convert(Decimal("1.00"), "GBP", JAN1) is None


def test_money_rounds_half_even_once():
    assert to_money(Decimal("0.125")) == Decimal("0.12")
    assert to_money(Decimal("0.135")) == Decimal("0.14")
    # 10 × 1/3 via an inverse rate of 3: 3.3333…  -> 3.33
    t = table("EUR", ("EUR", "USD", JAN1, "3", False))
    assert to_money(t.convert(Decimal("10.00"), "USD", JAN1)) == Decimal("3.33")
