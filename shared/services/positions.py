"""An asset's position replayed from its trades, at average cost. Pure arithmetic, no database.

Conventions (also in the OpenAPI descriptions and the README):
- Trades apply in the order (date, the first buy before anything else that day, id).
- A buy adds its quantity and its cost (quantity × price + fee: the fee is part of the cost, as
  brokers count it). A sell removes its quantity and, at average cost, the same share of the cost
  held; its proceeds (quantity × price − fee) minus that cost is its realized gain.
- A dividend is cash returned to the investor; a fee trade (custody, account fees) is cash the
  investor pays. Neither changes the quantity or the cost held.
- A split multiplies the quantity by its ratio (2 for 2:1, 0.5 for 1:2) and keeps the cost; the
  quantity is rounded half-even to 8 fraction digits, like every stored quantity.
- Figures are computed in a wide decimal context, so 20-digit quantities times 20-digit prices are
  exact and never an error; a position or amount that would not fit the columns is refused.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from shared.schemas import CENT, MAX_MONEY, MAX_QUANTITY

ZERO = Decimal("0.00")
EIGHT = Decimal("0.00000001")
WIDE = Context(prec=120, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999)


def wide():
    """A decimal context wide enough for any product of two stored quantities."""
    return localcontext(WIDE)


def cents(value: Decimal) -> Decimal:
    with wide():
        return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def trade_value(quantity: Decimal, price: Decimal) -> Decimal:
    """quantity × price, rounded half-even to cents."""
    with wide():
        return (quantity * price).quantize(CENT, rounding=ROUND_HALF_EVEN)


class Refused(Exception):
    """A trade that the history cannot take (selling more than is held, a trade before the first buy)."""

    def __init__(self, message: str, field: str = "quantity"):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Trade:
    """What the replay needs of a trade row (rows of the model have the same attributes)."""

    id: int | None
    type: str
    date: dt.date
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    fee: Decimal | None = None
    initial: bool = False
    asset_id: int = 0


def order_key(trade) -> tuple:
    return (trade.date, 0 if trade.initial else 1, trade.id if trade.id is not None else 2**62)


@dataclass
class Position:
    """One asset's holding after the trades applied so far."""

    quantity: Decimal = Decimal(0)
    cost: Decimal = ZERO  # the cost of what is held, at average cost
    realized_gain: Decimal = ZERO
    dividends: Decimal = ZERO
    fees: Decimal = ZERO  # fee trades only: a buy's or sell's fee is inside its cost or proceeds
    started: dt.date | None = None  # the date of the first buy

    def apply(self, trade) -> None:
        """Apply one trade in order; raise Refused when it cannot happen."""
        self._check_order(trade)
        with wide():
            kind = trade.type
            if kind == "buy":
                self.quantity += trade.quantity
                self.cost += trade.amount
            elif kind == "sell":
                self._sell(trade)
            elif kind == "dividend":
                self.dividends += trade.amount
            elif kind == "fee":
                self.fees += trade.amount
            elif kind == "split":
                self.quantity = (self.quantity * trade.quantity).quantize(EIGHT, rounding=ROUND_HALF_EVEN)
        self._check_limits(trade)

    def _check_order(self, trade) -> None:
        """The first trade is the asset's first buy, and nothing comes before it."""
        if self.started is None:
            if not trade.initial:
                raise Refused(f"a {trade.type} on {trade.date} comes before the asset's first buy", "date")
            self.started = trade.date
        elif trade.date < self.started:
            raise Refused(f"a {trade.type} on {trade.date} comes before the asset's first buy "
                          f"on {self.started}", "date")

    def _sell(self, trade) -> None:
        """A sale at average cost: the cost of what leaves, and the gain over it."""
        if trade.quantity > self.quantity:
            raise Refused(f"the sell on {trade.date} is of {_q(trade.quantity)} units but only "
                          f"{_q(self.quantity)} are held then")
        removed = self.cost if trade.quantity == self.quantity else \
            (self.cost * trade.quantity / self.quantity).quantize(CENT, rounding=ROUND_HALF_EVEN)
        self.quantity -= trade.quantity
        self.cost -= removed
        self.realized_gain += trade.amount - removed

    def _check_limits(self, trade) -> None:
        if self.quantity > MAX_QUANTITY:
            raise Refused(f"after the {trade.type} on {trade.date} the holding would be more than "
                          f"{MAX_QUANTITY} units")
        for figure in (self.cost, self.realized_gain, self.dividends, self.fees):
            if abs(figure) > MAX_MONEY:
                raise Refused(f"after the {trade.type} on {trade.date} the asset's figures would pass "
                              f"{MAX_MONEY}")

    def value_at(self, price: Decimal | None) -> Decimal:
        """Market value at `price` (nothing held: 0; no price yet: the cost held)."""
        if not self.quantity:
            return ZERO
        if price is None:
            return self.cost
        return trade_value(self.quantity, price)


def cost_in_home(cost: Decimal, trade, before: Decimal, converted: Decimal | None) -> tuple[Decimal, Decimal]:
    """The cost held in the user's currency after `trade` ((cost, what it removed)): a buy adds its cost as
    `converted` (at its day's rate, rounded to cents), a sell takes out its average-cost share of the quantity
    held `before` it; nothing else changes it. Performance and valuation both keep it so."""
    removed = ZERO
    if trade.type == "buy":
        cost += converted
    elif trade.type == "sell":
        removed = cost if trade.quantity == before else \
            (cost * trade.quantity / before).quantize(CENT, rounding=ROUND_HALF_EVEN)
        cost -= removed
    return cost, removed


def _q(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def replay(trades: Iterable, until: dt.date | None = None) -> Position:
    """The position after every trade (dated on or before `until`), checking the whole history."""
    position = Position()
    for trade in sorted(trades, key=order_key):
        if until is not None and trade.date > until:
            break
        position.apply(trade)
    return position
