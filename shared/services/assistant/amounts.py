"""Money amounts written in a sentence, read as `Decimal` (never `float`).

Accepted: "12", "12.5", "12.50", "$12", "12 USD", "€1,234.56", "1.234,56" (dots for thousands with a
decimal comma), "12,50" (decimal comma), "3k" / "2.5k".

Rules, and the one ambiguity:
- A comma followed by exactly three digits groups thousands ("1,234" is 1234; "$3,000" is 3000), the
  common English reading. A comma followed by one or two digits is a decimal comma ("12,50" is 12.50).
- A single dot followed by exactly three digits ("1.234") is ambiguous: a German "one thousand two
  hundred thirty-four", or an English amount mistyped with a third decimal. It is not guessed; the
  amount is reported as `ambiguous` and the assistant asks.
- An amount has at most two fraction digits, is more than zero, and is below 10^16 (it must fit the
  Numeric(18, 2) money columns). Anything else is reported with the reason, not silently rounded.
- Digits are ASCII 0-9 only, as in every amount the API takes: "١٢" or "１２" is not read as 12 (a
  regex's digit class and Decimal() would both take them), so the assistant asks for the amount instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("9999999999999999.99")
_CENT = Decimal("0.01")

_CURRENCY_BEFORE = r"(?P<pre>[$€£]|usd|eur|gbp|us\$)"
_CURRENCY_AFTER = r"(?P<post>[$€£]|usd|eur|gbp|dollars?|bucks|euros?|pounds?|quid)"
_NUMBER = r"(?P<num>[0-9][0-9.,]*[0-9]|[0-9])"
_AMOUNT = re.compile(
    rf"(?<![\w.,/:-])(?P<neg>-\s?)?(?:{_CURRENCY_BEFORE}\s?)?{_NUMBER}(?P<k>k)?"
    rf"(?:\s?{_CURRENCY_AFTER})?(?![\w/:]|[.,]\d)"
)
_THOUSANDS_COMMA = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_THOUSANDS_DOT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")


@dataclass(frozen=True)
class Amount:
    """An amount found in a text. `value` is set when it is a valid amount; otherwise `problem` says
    why not: "ambiguous", "too_precise", "not_positive", "too_large" or "unreadable"."""
    value: Decimal | None
    problem: str | None
    raw: str
    span: tuple[int, int]
    has_currency: bool


def _to_decimal(num: str) -> tuple[Decimal | None, str | None]:
    """Digits with any dots and commas → (value, None) or (None, problem)."""
    if num.count(".") == 1 and "," not in num and len(num) - num.index(".") - 1 == 3:
        return None, "ambiguous"  # "1.234"
    text = _plain_number(num)
    if text is None:
        return None, "unreadable"
    try:
        return Decimal(text), None
    except InvalidOperation:
        return None, "unreadable"


def _plain_number(num: str) -> str | None:
    """`num` without its thousands separators and with a dot for its decimal mark; None when its
    commas and dots follow none of the accepted ways of writing an amount."""
    commas, dots = num.count(","), num.count(".")
    if commas and dots and num.rfind(".") > num.rfind(","):  # "1,234.56"
        return num.replace(",", "") if _THOUSANDS_COMMA.fullmatch(num) else None
    if commas and dots:  # "1.234,56"
        return num.replace(".", "").replace(",", ".") if _THOUSANDS_DOT.fullmatch(num) else None
    if commas:
        if _THOUSANDS_COMMA.fullmatch(num):  # "1,234"
            return num.replace(",", "")
        if commas == 1 and len(num) - num.index(",") - 1 <= 2:  # "12,50"
            return num.replace(",", ".")
        return None
    if dots > 1:  # "1.234.567"
        return num.replace(".", "") if _THOUSANDS_DOT.fullmatch(num) else None
    return num


def parse_amount(raw: str) -> tuple[Decimal | None, str | None]:
    """One amount as written ("$1,234.56", "12,5", "3k") → (value, None) or (None, problem)."""
    m = _AMOUNT.fullmatch(raw.strip().lower())
    if not m:
        return None, "unreadable"
    return _judge(m)


def _judge(m: re.Match) -> tuple[Decimal | None, str | None]:
    value, problem = _to_decimal(m.group("num"))
    if value is None:
        return None, problem
    if m.group("k"):
        value *= 1000
    if m.group("neg") or value <= 0:
        return None, "not_positive"
    if value > MAX_AMOUNT:  # first: quantizing a number of more than 28 digits raises InvalidOperation
        return None, "too_large"
    if value != value.quantize(_CENT, rounding="ROUND_DOWN"):
        return None, "too_precise"
    return value.quantize(_CENT), None


def find_amounts(text: str) -> list[Amount]:
    """Every number in `text` (lower-case, with dates and counts already blanked out) that could be
    an amount, in order."""
    found = []
    for m in _AMOUNT.finditer(text):
        value, problem = _judge(m)
        found.append(Amount(value, problem, m.group(0), m.span(), bool(m.group("pre") or m.group("post"))))
    return found


def pick_amount(amounts: list[Amount]) -> Amount | None:
    """The amount a sentence is about: the first one with a currency, else the first one."""
    for amount in amounts:
        if amount.has_currency:
            return amount
    return amounts[0] if amounts else None
