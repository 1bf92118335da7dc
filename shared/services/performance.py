"""How a portfolio or an asset performed over a range: values, flows, gains, TWR and XIRR.

Conventions (also in the OpenAPI descriptions and the README):
- The range is [date_from, date_to], both days included. `start_value` is the value at the close of
  the day before date_from; `end_value` the value at the close of date_to. Each asset is valued with
  the quantity it held that day and its latest price on or before it (no price yet: its cost).
- Cash flows are seen from the investor: a buy is money put in (its cost, fee included), a sell
  money taken out (its proceeds, net of fee), a dividend cash returned to the investor (not
  reinvested), a fee trade money paid out by the investor. A split is no flow.
  net_contributions = buys − sells; end_value − start_value = net_contributions + realized_gain +
  unrealized_gain; the money made = realized_gain + unrealized_gain + dividends − fees.
- TWR: the range is cut at every day with a trade; each sub-period's growth is
  (V(day) − net contribution(day) + dividends(day) − fees(day)) / V(previous point), with flows at
  the close of their day. When nothing was held before (V = 0) the day's buys are the base:
  (V(day) + dividends − fees) / contributions. Sub-periods where nothing was held are skipped;
  twr is the chained product − 1, null when nothing was held in the whole range.
- XIRR: pyxirr's XIRR (ACT/365) over −start_value at the close of the day before date_from, each
  day's net flow to the investor, and +end_value at date_to; null when it does not converge, when
  there is no flow in both directions, or past ±10^9 (a few days' range annualised).
- Every figure is in the user's currency (shared/services/fx.py): each asset's value on a day and each
  trade's cash at the rate of that day, each rounded half-even to cents. The cost held is kept in the
  user's currency at each buy's rate (a sell removes its average-cost share of it), so a realized gain
  is the converted proceeds over that cost, and a currency's move on what is still held is in
  unrealized_gain: the identity above holds to the cent. An asset whose currency has no rate at all
  is left out of every figure and named in `missing_rates` (never guessed).
"""
from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, select, type_coerce
from sqlalchemy.orm import Session

from shared.data.models import Asset, AssetTrade, Portfolio, User
from shared.errors import invalid
from shared.schemas import CENT
from shared.schemas import investments as s
from shared.services import fx
from shared.services.investments import Assets, Portfolios, PriceSeries, price_series, series_of
from shared.services.positions import ZERO, Position, Refused, cost_in_home, order_key, wide

HUNDRED = Decimal(100)
ONE_DAY = dt.timedelta(days=1)
XIRR_LIMIT = 1e9
NO_PRICES: tuple[list, list] = ([], [])

# (asset id, day, amount in the asset's currency) -> the amount in the user's currency, rounded to cents.
Rates = Callable[[int, dt.date, Decimal], Decimal]


@dataclass(frozen=True)
class Figures:
    start_value: Decimal
    end_value: Decimal
    net_contributions: Decimal
    dividends: Decimal
    fees: Decimal
    realized_gain: Decimal
    unrealized_gain: Decimal
    twr: Decimal | None
    xirr: Decimal | None


def xirr(flows: dict[dt.date, Decimal]) -> Decimal | None:
    """Annualised money-weighted return of dated flows (investor's view), as a fraction; None when none."""
    dated = sorted((day, amount) for day, amount in flows.items() if amount)
    if not any(a > 0 for _, a in dated) or not any(a < 0 for _, a in dated):
        return None
    import pyxirr  # compiled; loaded only on the routes that need it

    try:
        rate = pyxirr.xirr([d for d, _ in dated], [float(a) for _, a in dated], silent=True)
    except (ValueError, OverflowError, pyxirr.InvalidPaymentsError):
        return None
    if rate is None or not math.isfinite(rate) or abs(rate) > XIRR_LIMIT:
        return None
    return Decimal(repr(rate))


def measure(trades: Iterable, prices: Iterable[tuple[int, dt.date, Decimal]] | PriceSeries, start: dt.date,
            end: dt.date, rates: Rates | None = None) -> Figures:
    """The figures of the assets whose `trades` (rows with asset_id) and `prices` (in asset, date order)
    are given, over [start, end]."""
    with wide():
        return _measure(trades, prices if isinstance(prices, dict) else series_of(prices), start, end, rates)


class _Holdings:
    """The positions held while the trades are replayed in order, and what they are worth on a day."""

    def __init__(self, series: PriceSeries, rates: Rates | None):
        self.series, self.rates = series, rates
        self.held: dict[int, Position] = {}
        self.home: dict[int, Decimal] = {}  # with rates: each asset's cost held in the user's currency
        self.broken: set[int] = set()  # assets whose stored history stops making sense (never through the API)

    def value(self, day: dt.date) -> tuple[Decimal, Decimal]:
        """(market value, cost held) of every asset at the close of `day`: its latest price on or before
        it, by bisection (Position.value_at, inlined: this runs for every asset at every trade day)."""
        worth = cost = ZERO
        for asset_id, position in self.held.items():
            quantity = position.quantity
            if not quantity:
                continue
            days, prices = self.series.get(asset_id, NO_PRICES)
            at = bisect_right(days, day) - 1
            market = position.cost if at < 0 else (quantity * prices[at]).quantize(CENT)
            if self.rates is None:
                worth += market
                cost += position.cost
            else:
                worth += self.rates(asset_id, day, market)
                cost += self.home[asset_id]
        return worth, cost

    def apply(self, trade) -> Decimal | None:
        """Apply the trade; None when it cannot be, else the cost it removed in the user's currency
        (a sell's average-cost share; 0 for anything else)."""
        if trade.asset_id in self.broken:
            return None
        position = self.held.setdefault(trade.asset_id, Position())
        before = position.quantity
        try:
            position.apply(trade)
        except Refused:
            self.broken.add(trade.asset_id)
            return None
        if self.rates is None:
            return ZERO
        paid = self.rates(trade.asset_id, trade.date, trade.amount) if trade.type == "buy" else None
        self.home[trade.asset_id], removed = cost_in_home(self.home.get(trade.asset_id, ZERO), trade, before, paid)
        return removed


class _Flows:
    """The money that moved, summed per kind over the range."""

    def __init__(self):
        self.contributions = self.dividends = self.fees = self.realized = ZERO

    def trade(self, book: _Holdings, trade, convert: Rates) -> tuple[Decimal, Decimal]:
        """Apply one trade of the range: (money the investor put in, dividends − fees) by it."""
        before = book.held.get(trade.asset_id, Position()).realized_gain
        removed = book.apply(trade)
        if removed is None:
            return ZERO, ZERO
        cash = convert(trade.asset_id, trade.date, trade.amount) if trade.amount is not None else ZERO
        if trade.type == "buy":
            return cash, ZERO
        if trade.type == "sell":
            if book.rates is None:
                self.realized += book.held[trade.asset_id].realized_gain - before
            else:
                self.realized += cash - removed
            return -cash, ZERO
        if trade.type == "dividend":
            self.dividends += cash
            return ZERO, cash
        if trade.type == "fee":
            self.fees += cash
            return ZERO, -cash
        return ZERO, ZERO


def _measure(trades, series: PriceSeries, start, end, rates) -> Figures:
    events = sorted((t for t in trades if t.date <= end), key=order_key)
    book = _Holdings(series, rates)
    convert = rates or (lambda asset_id, day, amount: amount)

    index = 0
    while index < len(events) and events[index].date < start:
        book.apply(events[index])
        index += 1
    opening = start - ONE_DAY
    start_value, start_cost = book.value(opening)

    moved = _Flows()
    flows: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    flows[opening] -= start_value
    growth, linked = Decimal(1), False
    previous, last_point = start_value, opening
    while index < len(events):
        day = events[index].date
        day_in = income = ZERO  # money put in by the investor that day; dividends − fees that day
        while index < len(events) and events[index].date == day:
            put_in, earned = moved.trade(book, events[index], convert)
            day_in, income = day_in + put_in, income + earned
            index += 1
        moved.contributions += day_in
        flows[day] += income - day_in
        worth, _ = book.value(day)
        if previous > 0:
            growth *= (worth - day_in + income) / previous
            linked = True
        elif day_in > 0:
            growth *= (worth + income) / day_in
            linked = True
        previous, last_point = worth, day

    end_value, end_cost = book.value(end)
    if last_point < end and previous > 0:
        growth *= end_value / previous
        linked = True
    flows[end] += end_value
    rate = xirr(flows)
    return Figures(
        start_value=start_value, end_value=end_value, net_contributions=moved.contributions,
        dividends=moved.dividends, fees=moved.fees, realized_gain=moved.realized,
        unrealized_gain=(end_value - end_cost) - (start_value - start_cost),
        # past 10^90 % a return says nothing more (and no answer could carry it to the cent)
        twr=(growth - 1) * HUNDRED if linked and growth.adjusted() < 88 else None,
        xirr=rate * HUNDRED if rate is not None else None,
    )


# --- the routes' services ------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def default_start(end: dt.date) -> dt.date:
    """The day after the same date a year earlier: 12 months of days up to `end`."""
    return _years_before(end, 1) + ONE_DAY


def performance_range(params: s.PerformanceQuery, today: dt.date) -> tuple[dt.date, dt.date]:
    """Defaults: date_to today, date_from 12 months of days before it."""
    end = params.date_to or today
    if params.date_from is None and end.year < 3:
        raise invalid("date_to", "must be in year 3 or later when date_from is left out", where="query")
    start = params.date_from or default_start(end)
    if start > end:
        raise invalid("date_to", "must be on or after date_from", where="query")
    if start <= dt.date.min + ONE_DAY:
        raise invalid("date_from", "must be after 0001-01-02", where="query")
    return start, end


_TRADE_COLUMNS = (AssetTrade.id, AssetTrade.asset_id, AssetTrade.type, AssetTrade.date, AssetTrade.quantity,
                  AssetTrade.price, AssetTrade.amount, AssetTrade.fee, AssetTrade.initial, Asset.currency)
_DECIMALS = {"quantity", "price", "amount", "fee"}


@dataclass(frozen=True)
class _Book:
    """What `measure` reads for some assets, and how their amounts reach the user's currency."""

    trades: list
    prices: PriceSeries
    rates: Rates | None  # None: every asset is in the user's currency
    left_out: dict[int, tuple[str, dt.date]]  # asset -> (currency without any rate, first date left out)

    def only(self, asset_ids: set[int]) -> _Book:
        return _Book([t for t in self.trades if t.asset_id in asset_ids],
                     {a: p for a, p in self.prices.items() if a in asset_ids}, self.rates,
                     {a: m for a, m in self.left_out.items() if a in asset_ids})

    def measure(self, start: dt.date, end: dt.date) -> Figures:
        trades = [t for t in self.trades if t.asset_id not in self.left_out]
        prices = {a: p for a, p in self.prices.items() if a not in self.left_out}
        return measure(trades, prices, start, end, self.rates)

    def missing_rates(self) -> list[dict]:
        first: dict[str, dt.date] = {}
        for currency, day in self.left_out.values():
            first[currency] = min(day, first.get(currency, day))
        return [{"currency": c, "first_date": d} for c, d in sorted(first.items())]


def _conversion(session: Session, user: User, trades: list, start: dt.date, end: dt.date):
    """(rates, left out) for these trades' assets: one query for the rates from the first trade (a cost
    held is at its buy's rate) to `end`, none when every asset is in the user's currency."""
    home = user.currency
    if all(t.currency == home for t in trades):
        return None, {}
    currency_of, first_trade = {}, {}
    for t in trades:
        currency_of[t.asset_id] = t.currency
        first_trade[t.asset_id] = min(t.date, first_trade.get(t.asset_id, t.date))
    foreign = {c for c in currency_of.values() if c != home}
    opening = start - ONE_DAY
    table = fx.load_rates(session, user.id, home, foreign, min(opening, *first_trade.values()), end)
    left_out = {asset_id: (currency, max(opening, first_trade[asset_id]))
                for asset_id, currency in currency_of.items()
                if currency != home and table.rate(currency, opening) is None}

    def rates(asset_id: int, day: dt.date, amount: Decimal) -> Decimal:
        currency = currency_of[asset_id]
        return amount if currency == home else fx.to_money(table.convert(amount, currency, day))
    return rates, left_out


def _load(session: Session, user: User, assets_where, start: dt.date, end: dt.date) -> _Book:
    """The trades (up to `end`) and the prices `measure` reads, in two queries whatever the number of
    assets: each asset's latest price at the close before `start`, and every price in the range; a third
    reads the exchange rates when an asset is in another currency than the user's."""
    columns = _TRADE_COLUMNS
    if session.get_bind().dialect.name != "sqlite":
        # The driver hands NUMERIC over as an exact Decimal already (as prices_between does for prices).
        columns = [type_coerce(c, Numeric(28, 8, asdecimal=True)).label(c.key) if c.key in _DECIMALS else c
                   for c in columns]
    trades = session.connection().execute(
        select(*columns).join(Asset, Asset.id == AssetTrade.asset_id)
        .where(assets_where, AssetTrade.date <= end)
    ).all()
    prices = price_series(session, assets_where, start - ONE_DAY, end)
    rates, left_out = _conversion(session, user, trades, start, end)
    return _Book(trades, prices, rates, left_out)


def _answer(user: User, book: _Book, portfolio_id: int, asset_id: int | None, start, end) -> s.PerformanceOut:
    return s.PerformanceOut(portfolio_id=portfolio_id, asset_id=asset_id, date_from=start, date_to=end,
                            currency=user.currency, missing_rates=book.missing_rates(),
                            **book.measure(start, end).__dict__)


def portfolio_performance(session: Session, user: User, portfolio_id: int, params: s.PerformanceQuery,
                          today: dt.date) -> s.PerformanceOut:
    portfolio = Portfolios().get(session, user, portfolio_id)
    start, end = performance_range(params, today)
    book = _load(session, user, Asset.portfolio_id == portfolio.id, start, end)
    return _answer(user, book, portfolio.id, None, start, end)


def asset_performance(session: Session, user: User, asset_id: int, params: s.PerformanceQuery,
                      today: dt.date) -> s.PerformanceOut:
    asset = Assets().get(session, user, asset_id)
    start, end = performance_range(params, today)
    book = _load(session, user, Asset.id == asset.id, start, end)
    return _answer(user, book, asset.portfolio_id, asset.id, start, end)


@dataclass(frozen=True)
class Overview:
    """All of a user's portfolios over one range: the lot together, and each portfolio."""

    date_from: dt.date
    date_to: dt.date
    total: s.PerformanceOut | None
    portfolios: list[tuple[int, str, s.PerformanceOut]]


def user_performance(session: Session, user: User, start: dt.date, end: dt.date) -> Overview:
    """Every portfolio of the user, measured like GET /api/portfolios/{id}/performance (at most five queries)."""
    portfolios = session.execute(select(Portfolio.id, Portfolio.name).where(Portfolio.user_id == user.id)
                                 .order_by(Portfolio.id)).all()
    portfolio_of = dict(session.execute(select(Asset.id, Asset.portfolio_id).where(Asset.user_id == user.id)).all())
    book = _load(session, user, Asset.user_id == user.id, start, end)
    lines = []
    for portfolio_id, name in portfolios:
        mine = {a for a, p in portfolio_of.items() if p == portfolio_id}
        lines.append((portfolio_id, name, _answer(user, book.only(mine), portfolio_id, None, start, end)))
    total = None
    if portfolios:
        total = _answer(user, book.only(set(portfolio_of)), 0, None, start, end)
    return Overview(start, end, total, lines)
