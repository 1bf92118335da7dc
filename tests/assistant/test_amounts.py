"""Amounts as Decimal: currency marks, thousands separators, and what is refused rather than guessed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shared.services.assistant.amounts import find_amounts, parse_amount, pick_amount


@pytest.mark.parametrize("raw, expected", [
    ("$1,234.56", "1234.56"),
    ("12.5", "12.50"),
    ("12", "12.00"),
    ("$3,000", "3000.00"),
    ("€30", "30.00"),
    ("£9.99", "9.99"),
    ("usd 200", "200.00"),
    ("45 eur", "45.00"),
    ("12 dollars", "12.00"),
    ("1,234,567.89", "1234567.89"),
    ("1.234,56", "1234.56"),   # dots for thousands, decimal comma
    ("12,50", "12.50"),        # decimal comma
    ("2.5k", "2500.00"),
])
def test_readable_amounts_are_exact_decimals(raw, expected):
    value, problem = parse_amount(raw)
    assert problem is None
    assert isinstance(value, Decimal) and value == Decimal(expected)


def test_a_single_dot_with_three_digits_is_ambiguous_not_guessed():
    assert parse_amount("1.234") == (None, "ambiguous")


def test_a_comma_with_three_digits_groups_thousands():
    assert parse_amount("1,234") == (Decimal("1234.00"), None)


@pytest.mark.parametrize("raw, problem", [
    ("0", "not_positive"),
    ("0.00", "not_positive"),
    ("-5", "not_positive"),
    ("1.2345", "too_precise"),
    ("99999999999999999", "too_large"),
    ("1,23,4", "unreadable"),
])
def test_invalid_amounts_say_why(raw, problem):
    assert parse_amount(raw) == (None, problem)


def test_amount_with_a_currency_is_preferred_over_a_bare_number():
    amount = pick_amount(find_amounts("bought 2 tickets for $30"))
    assert amount is not None and amount.value == Decimal("30.00")


def test_numbers_glued_to_words_or_dates_are_not_amounts():
    assert find_amounts("3km run on 2026/11/02 at 10:30") == []


@pytest.mark.parametrize("text", ["spent ١٢ on tea", "spent １２ on tea", "spent ۱۲٫۵۰ on tea", "spent १२ on tea",
                                  "spent $１２ on tea", "spent 1２ on tea"])
def test_digits_other_than_ascii_are_not_read_as_an_amount(text):
    assert find_amounts(text) == []


@pytest.mark.parametrize("raw", ["١٢", "１２", "$١,٢٣٤.٥٦", "12.٥"])
def test_an_amount_in_other_digits_is_unreadable(raw):
    assert parse_amount(raw) == (None, "unreadable")
