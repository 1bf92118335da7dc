"""Net worth, on a day and over time, in the user's currency (API.md, "Currencies and net worth").

    net worth = accounts + investments − credit card debt

- An account's or card's balance on a day is its balance now minus what its transactions dated after
  that day did (the same effects as the ledger, shared/services/balances.py: a transfer across
  currencies moves `amount` out and `to_amount` in). One grouped query reads those movements.
- Investments are valued as the valuation endpoint values them (shared/services/investments.py):
  each asset bought on or before the day, the quantity it held that day (its trades up to that day:
  buys, sells, splits; investments.timeline) at its latest price on or before the day (or at the cost
  held while it has none), market value rounded half-even to cents, in the asset's currency.
  A portfolio's item is in its assets' currency when they share one; a portfolio mixing currencies
  is answered in the user's currency (its `balance` is then the converted figure too).
- Each item is converted at the rate of the day (shared/services/fx.py) and rounded half-even to
  cents (a portfolio: each asset converted and rounded, then added, as its valuation's totals, so
  `investments` is the sum of the portfolios' valuation totals on that day, an asset without any rate
  left out of its portfolio's figure as there); the totals add the
  rounded items, so the items always add up to the totals. An item whose
  currency has no rate at all has `converted: null`, is left out of the totals, and its currency is
  named in `missing_rates`, never guessed.
- History values every period at its last day (the last period at `date_to`), every period present;
  its last point is the net worth on `date_to` by construction (the same function computes both).
  The range is bounded: at most 366 days or 600 months per request (422 beyond). A defaulted
  date_from does not start before the user's first activity (registration, first transaction or
  first trade of an asset, the earliest: report_ranges.first_worth_activity), as reports do.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlalchemy import case, func, literal, null, select, union_all
from sqlalchemy.orm import Session, aliased

from shared.data.models import Account, Asset, AssetPrice, CreditCard, Portfolio, Transaction, User
from shared.schemas import fx as s
from shared.services import fx, investments
from shared.services.investments import periods, today
from shared.services.positions import Position
from shared.services.report_ranges import first_worth_activity
from shared.services.trades import asset_trades

ZERO = Decimal("0.00")


@dataclass
class Holder:
    kind: str  # account | credit_card
    id: int
    name: str
    currency: str
    balance: Decimal  # now
    moves: list[tuple[dt.date, Decimal]] = field(default_factory=list)  # (date, delta) after the first day asked


@dataclass
class Holding:
    asset: Asset
    portfolio: str
    prices: list[tuple[dt.date, Decimal]] = field(default_factory=list)  # ascending
    trade_days: list[dt.date] = field(default_factory=list)  # investments.timeline: the position held
    held: list[Position] = field(default_factory=list)  # at the close of each day with a trade

    @cached_property
    def price_days(self) -> list[dt.date]:  # read once the prices are loaded
        return [d for d, _ in self.prices]


def _movements(user_id: int, after: dt.date):
    """Per holder and day after `after`: what its transactions added to the balance (`plus`) and took
    from it (`minus`), in the holder's currency. A card's balance is its debt: a charge adds to it."""
    t = Transaction
    arrived = func.coalesce(t.to_amount, t.amount)  # what reached the destination of a transfer
    by = [
        ("account", t.account_id, t.type == "income", t.type != "income", t.amount),
        ("credit_card", t.credit_card_id, t.type == "expense", t.type != "expense", t.amount),
        ("account", t.to_account_id, True, None, arrived),
        ("credit_card", t.to_credit_card_id, None, True, arrived),
    ]
    parts = []
    for kind, column, adds, takes, amount in by:
        parts.append(select(literal(kind).label("kind"), column.label("holder"), t.date.label("date"),
                            _sum_when(adds, amount).label("plus"), _sum_when(takes, amount).label("minus"))
                     .where(t.user_id == user_id, t.date > after, column.is_not(None))
                     .group_by(column, t.date))
    return union_all(*parts)


def _sum_when(condition, amount):
    if condition is None:
        return null()
    return func.sum(amount if condition is True else case((condition, amount)))


def _holders(session: Session, user: User, after: dt.date) -> list[Holder]:
    holders: dict[tuple[str, int], Holder] = {}
    for model, kind in ((Account, "account"), (CreditCard, "credit_card")):
        for row in session.execute(select(model.id, model.name, model.currency, model.balance)
                                   .where(model.user_id == user.id).order_by(model.id)):
            holders[(kind, row.id)] = Holder(kind, row.id, row.name, row.currency, row.balance)
    for r in session.execute(_movements(user.id, after)):
        holder = holders.get((r.kind, r.holder))
        if holder is not None:
            holder.moves.append((r.date, (r.plus or ZERO) - (r.minus or ZERO)))
    for holder in holders.values():
        holder.moves.sort()
    return list(holders.values())


def _holdings(session: Session, user: User, start: dt.date, end: dt.date) -> list[Holding]:
    """The user's assets bought by `end`, with the prices that matter: each one's latest on or before
    `start` and every one after it up to `end` (one query, like a portfolio's history)."""
    rows = session.execute(select(Asset, Portfolio.name).join(Portfolio, Portfolio.id == Asset.portfolio_id)
                           .where(Asset.user_id == user.id, Asset.purchase_date <= end)
                           .order_by(Asset.portfolio_id, Asset.id)).all()
    holdings = {asset.id: Holding(asset, name) for asset, name in rows}
    if not holdings:
        return []
    earlier = aliased(AssetPrice)
    floor = (select(func.max(earlier.date)).where(earlier.asset_id == AssetPrice.asset_id, earlier.date <= start)
             .correlate(AssetPrice).scalar_subquery())
    prices = session.execute(
        select(AssetPrice.asset_id, AssetPrice.date, AssetPrice.price)
        .join(Asset, Asset.id == AssetPrice.asset_id)
        .where(Asset.user_id == user.id, Asset.purchase_date <= end, AssetPrice.date <= end,
               AssetPrice.date >= func.coalesce(floor, start))
        .order_by(AssetPrice.date, AssetPrice.asset_id))
    for asset_id, day, price in prices:
        if asset_id in holdings:
            holdings[asset_id].prices.append((day, price))
    for asset_id, trades in asset_trades(session, list(holdings), until=end).items():
        holdings[asset_id].trade_days, holdings[asset_id].held = investments.timeline(trades)
    return list(holdings.values())


def _value_on(h: Holding, day: dt.date) -> Decimal | None:
    """The asset's market value on `day` (None before it was bought), as the valuation endpoint says."""
    if h.asset.purchase_date > day:
        return None
    held = bisect.bisect_right(h.trade_days, day) - 1
    if held < 0:
        return None
    priced = bisect.bisect_right(h.price_days, day) - 1
    return h.held[held].value_at(h.prices[priced][1] if priced >= 0 else None)


def _balance_on(h: Holder, day: dt.date) -> Decimal:
    return h.balance - sum((delta for moved, delta in h.moves if moved > day), ZERO)


@dataclass
class Snapshot:
    day: dt.date
    accounts: Decimal = ZERO
    investments: Decimal = ZERO
    credit_cards: Decimal = ZERO
    items: list[s.NetWorthItem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.accounts + self.investments - self.credit_cards


def snapshot(day: dt.date, holders: list[Holder], holdings: list[Holding], convert: fx.Converter) -> Snapshot:
    """Everything on `day`, each item converted at that day's rate (rounded), totals of the rounded items."""
    snap = Snapshot(day)
    home = convert.target
    for h in holders:
        native = _balance_on(h, day)
        exact = convert(native, h.currency, day)
        converted = None if exact is None else fx.to_money(exact)
        snap.items.append(s.NetWorthItem(kind=h.kind, id=h.id, name=h.name, currency=h.currency, balance=native,
                                         converted=converted))
        if converted is not None:
            if h.kind == "account":
                snap.accounts += converted
            else:
                snap.credit_cards += converted
    portfolios: dict[int, list[tuple[Holding, Decimal]]] = defaultdict(list)
    for h in holdings:
        value = _value_on(h, day)
        if value is not None:
            portfolios[h.asset.portfolio_id].append((h, value))
    for portfolio_id, held in portfolios.items():
        currencies = {h.asset.currency for h, _ in held}
        # Each asset converted and rounded as the portfolio's valuation does, so `investments` is its total:
        # an asset without any rate is left out (and named), the rest of the portfolio counts.
        parts = [part for h, value in held
                 if (part := fx.in_home(convert, value, h.asset.currency, day)) is not None]
        counted = sum(parts, ZERO)
        converted = counted if parts else None
        if len(currencies) == 1:
            currency, native = currencies.pop(), sum((v for _, v in held), ZERO)
        else:
            currency, native = home, counted
        snap.items.append(s.NetWorthItem(kind="portfolio", id=portfolio_id, name=held[0][0].portfolio,
                                         currency=currency, balance=native, converted=converted))
        if converted is not None:
            snap.investments += converted
    return snap


def _converter(session: Session, user: User, holders, holdings, start: dt.date, end: dt.date) -> fx.Converter:
    currencies = {h.currency for h in holders} | {h.asset.currency for h in holdings}
    return fx.converter(session, user, currencies, start, end)


def net_worth(session: Session, user: User, day: dt.date | None) -> s.NetWorthOut:
    day = day or today()
    holders, holdings = _holders(session, user, day), _holdings(session, user, day, day)
    convert = _converter(session, user, holders, holdings, day, day)
    snap = snapshot(day, holders, holdings, convert)
    return s.NetWorthOut(date=day, currency=user.currency, total=snap.total, accounts=snap.accounts,
                         investments=snap.investments, credit_cards=snap.credit_cards, items=snap.items,
                         missing_rates=convert.missing_rates())


def history_range(session: Session, user: User, params: s.NetWorthHistoryQuery) -> tuple[dt.date, dt.date]:
    """The same defaults as a portfolio's history (a defaulted date_from not before the user's first activity:
    report_ranges.first_worth_activity); at most 366 days or 600 months."""
    first = first_worth_activity(session, user) if params.date_from is None else None
    return investments.history_range(params, s.MAX_NET_WORTH_DAYS, s.MAX_NET_WORTH_MONTHS, first=first)


def history(session: Session, user: User, params: s.NetWorthHistoryQuery) -> s.NetWorthHistoryOut:
    start, end = history_range(session, user, params)
    days: list[tuple[str, dt.date]] = list(periods(start, end, params.granularity))
    first_day = days[0][1]
    holders, holdings = _holders(session, user, first_day), _holdings(session, user, first_day, end)
    convert = _converter(session, user, holders, holdings, first_day, end)
    items = []
    for label, day in days:
        snap = snapshot(day, holders, holdings, convert)
        items.append(s.NetWorthPoint(period=label, total=snap.total, accounts=snap.accounts,
                                     investments=snap.investments, credit_cards=snap.credit_cards))
    return s.NetWorthHistoryOut(currency=user.currency, granularity=params.granularity, date_from=start,
                                date_to=end, items=items, missing_rates=convert.missing_rates())


__all__ = ["net_worth", "history", "snapshot", "history_range"]
