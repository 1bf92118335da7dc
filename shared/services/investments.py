"""Investments: portfolios, their assets, each asset's price history, and what a portfolio is worth.

Rules (also in the OpenAPI descriptions of the routes):
- An asset belongs to one portfolio of the caller; a price to one asset. Deleting a portfolio deletes
  its assets and their prices (explicitly here, and by the foreign keys' ON DELETE CASCADE too).
- One price per asset and date: writing a price for a date that has one replaces it (an upsert in one
  statement). A JSON array that names the same date twice is refused (422) rather than guessing
  which one the client meant.
- An asset's first buy is its first trade (asset_trades, `initial`), written with the asset and kept
  in step with its patches; its quantity and amount invested as answered are derived from all its
  trades (shared/services/trades.py, shared/services/positions.py).
- Valuation as of a day: each asset's position on that day (its trades up to it) at its latest price
  on or before that day; an asset with no price yet is valued at the cost held (`priced: false`);
  an asset purchased after the day is left out (it was not in the portfolio then). Each asset's
  market value is rounded half-even to cents, and the totals add the rounded values, so the lines
  always add up to the total.
- Currency: each asset's own figures (price, amount invested, market value, gain) are in its
  `currency`; beside them `converted_market_value` is the market value at the rate of the day
  (shared/services/fx.py, rounded half-even to cents) and `converted_amount_invested` the cost held
  with each buy at the rate of its day (positions.cost_in_home, as performance keeps it). The totals
  add the converted figures, in the user's `currency`. An asset whose currency has no rate at all has
  both null, is left out of the totals and named in `missing_rates`, never guessed. The totals'
  market value is net worth's `investments` for the portfolio on that day.
- History: the same market value at the end of each day or month (the last period as of `date_to`),
  each asset converted at the rate of that day, in the user's currency. A defaulted date_from does
  not start before the portfolio's first activity (its creation or its first trade, the earlier).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal, localcontext
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Numeric, and_, bindparam, delete, false, func, select, text, type_coerce, union_all, update
from sqlalchemy.orm import Session, aliased

from shared.data.models import Asset, AssetPrice, AssetTrade, Portfolio, User
from shared.data.types import utcnow
from shared.errors import Invalid, invalid
from shared.schemas import WIDE, PageQuery
from shared.schemas import investments as s
from shared.services import fx
from shared.services.months import month_end, month_start, months_spanned, next_month_start
from shared.services.positions import ZERO, Position, Refused, cost_in_home, order_key, wide
from shared.services.report_ranges import first_holding_activity
from shared.services.resources import CurrencyHolder, Resource, page_of
from shared.services.trades import (
    AS_THE_ASSET,
    asset_out,
    asset_trades,
    check_history,
    delete_trades_of,
    first_buy,
    positions,
    sync_first_buy,
)

HUNDRED = Decimal(100)


def today() -> dt.date:
    return utcnow().date()


# --- portfolios -----------------------------------------------------------------------------


class Portfolios(Resource[Portfolio]):
    model, noun = Portfolio, "portfolio"
    create_schema, update_schema, out_schema = s.PortfolioIn, s.PortfolioPatch, s.PortfolioOut

    def before_delete(self, session: Session, user: User, row: Portfolio, params) -> None:
        asset_ids = select(Asset.id).where(Asset.portfolio_id == row.id).scalar_subquery()
        session.execute(delete(AssetPrice).where(AssetPrice.asset_id.in_(asset_ids)))
        delete_trades_of(session, asset_ids)
        session.execute(delete(Asset).where(Asset.portfolio_id == row.id))


# --- assets ---------------------------------------------------------------------------------


class Assets(CurrencyHolder, Resource[Asset]):
    model, noun = Asset, "asset"
    holder_noun = "asset"

    def uses(self, session: Session, row: Asset) -> int:
        """Prices and trades other than the first buy are recorded in the asset's currency."""
        prices = session.execute(select(func.count()).where(AssetPrice.asset_id == row.id)).scalar_one()
        trades = session.execute(select(func.count()).where(AssetTrade.asset_id == row.id,
                                                            AssetTrade.initial == false())).scalar_one()
        return prices + trades
    create_schema, update_schema, out_schema = s.AssetIn, s.AssetPatch, s.AssetOut

    def __init__(self, portfolios: Portfolios | None = None):
        self.portfolios = portfolios or Portfolios()

    def list_in(self, session: Session, user: User, portfolio_id: int,
                params: PageQuery) -> tuple[list[Asset], int]:
        portfolio = self.portfolios.get(session, user, portfolio_id)
        return page_of(session, self.owned(user).where(Asset.portfolio_id == portfolio.id), [Asset.id], params)

    def create_in(self, session: Session, user: User, portfolio_id: int, data: s.AssetIn) -> Asset:
        # Locked, so a concurrent delete of the portfolio waits rather than orphaning the asset.
        portfolio = self.portfolios.get(session, user, portfolio_id, for_update=True)
        return self.create(session, user, {**dict(data), "portfolio_id": portfolio.id})

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row: Asset | None) -> None:
        super().validate_row(session, user, values, row)  # the currency's rules
        if row is None:
            return  # a new asset has no other trades yet
        others = [t for t in asset_trades(session, [row.id])[row.id] if not t.initial]
        draft = Asset(purchase_date=values["purchase_date"], quantity=values["quantity"],
                      amount_invested=values["amount_invested"])
        check_history([first_buy(draft), *others], "The asset's first buy cannot change so", AS_THE_ASSET)

    def after_create(self, session: Session, user: User, row: Asset) -> None:
        sync_first_buy(session, row)

    def after_update(self, session: Session, user: User, row: Asset, before: dict[str, Any]) -> None:
        sync_first_buy(session, row)

    def to_out(self, session: Session, user: User, rows: list[Asset]) -> list[s.AssetOut]:
        held = positions(session, rows)
        return [asset_out(row, held[row.id]) for row in rows]

    def before_delete(self, session: Session, user: User, row: Asset, params) -> None:
        session.execute(delete(AssetPrice).where(AssetPrice.asset_id == row.id))
        delete_trades_of(session, [row.id])


# --- prices ---------------------------------------------------------------------------------


class Prices:
    """Price history of an asset; reads and writes go through the owning asset (404 otherwise)."""

    def __init__(self, assets: Assets | None = None):
        self.assets = assets or Assets()

    def list(self, session: Session, user: User, asset_id: int,
             params: s.PriceQuery) -> tuple[list[AssetPrice], int]:
        asset = self.assets.get(session, user, asset_id)
        stmt = select(AssetPrice).where(AssetPrice.asset_id == asset.id)
        if params.date_from:
            stmt = stmt.where(AssetPrice.date >= params.date_from)
        if params.date_to:
            stmt = stmt.where(AssetPrice.date <= params.date_to)
        order = AssetPrice.date.desc() if params.sort == "-date" else AssetPrice.date
        return page_of(session, stmt, [order], params)

    def put(self, session: Session, user: User, asset_id: int, prices: list[s.PriceIn]) -> list[AssetPrice]:
        """Store the prices (insert, or replace the one of the same date); answer them in the order sent."""
        # Locked: writes to one asset's prices (and its deletion) take turns, so they never deadlock.
        asset = self.assets.get(session, user, asset_id, for_update=True)
        seen: dict[dt.date, int] = {}
        for index, item in enumerate(prices):
            if item.date in seen:
                raise Invalid("The array names the same date twice; send one price per date.",
                               errors=[{"field": f"{index}.date",
                                        "message": f"repeats the date of item {seen[item.date]}"}])
            seen[item.date] = index
        upsert_prices(session, asset.id, [(p.date, p.price) for p in prices])
        stored = session.execute(
            select(AssetPrice).where(AssetPrice.asset_id == asset.id, AssetPrice.date.in_(list(seen)))
            .execution_options(populate_existing=True)
        ).scalars().all()
        by_date = {row.date: row for row in stored}
        return [by_date[p.date] for p in prices]


def upsert_prices(session: Session, asset_id: int, prices: list[tuple[dt.date, Decimal]]) -> None:
    """One statement that inserts each (date, price) of the asset or replaces the price stored for it."""
    dialect = session.get_bind().dialect.name
    _UPSERTS.get(dialect, _upsert_portable)(session, asset_id, prices, utcnow())


def _upsert_on_conflict(session: Session, asset_id: int, prices, now: dt.datetime) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(AssetPrice).values([
        {"asset_id": asset_id, "date": day, "price": price, "created_at": now, "updated_at": now}
        for day, price in prices
    ])
    stmt = stmt.on_conflict_do_update(
        index_elements=[AssetPrice.asset_id, AssetPrice.date],
        set_={"price": stmt.excluded.price, "updated_at": stmt.excluded.updated_at},
    )
    session.execute(stmt)


# SQL Server: MERGE with the rows as one JSON parameter (a VALUES list of 1,000 rows would pass
# SQL Server's limit of 2,100 parameters). HOLDLOCK keeps two concurrent merges of one date from
# both inserting.
MSSQL_MERGE = text("""
MERGE asset_prices WITH (HOLDLOCK) AS target
USING (
    SELECT [date], price FROM OPENJSON(:rows) WITH ([date] DATE '$.date', price DECIMAL(28, 8) '$.price')
) AS source
ON target.asset_id = :asset_id AND target.[date] = source.[date]
WHEN MATCHED THEN UPDATE SET price = source.price, updated_at = :now
WHEN NOT MATCHED THEN INSERT (asset_id, [date], price, created_at, updated_at)
    VALUES (:asset_id, source.[date], source.price, :now, :now);
""")


def _upsert_merge(session: Session, asset_id: int, prices, now: dt.datetime) -> None:
    rows = json.dumps([{"date": day.isoformat(), "price": format(price, "f")} for day, price in prices])
    session.execute(MSSQL_MERGE, {"rows": rows, "asset_id": asset_id, "now": now.replace(tzinfo=None)})


def _upsert_portable(session: Session, asset_id: int, prices, now: dt.datetime) -> None:
    """Any other database: update the dates that exist (one executemany), insert the rest (one INSERT)."""
    wanted = dict(prices)
    existing = set(session.execute(
        select(AssetPrice.date).where(AssetPrice.asset_id == asset_id, AssetPrice.date.in_(list(wanted)))
    ).scalars())
    if existing:
        session.connection().execute(
            update(AssetPrice.__table__)
            .where(AssetPrice.asset_id == asset_id, AssetPrice.date == bindparam("day"))
            .values(price=bindparam("new_price"), updated_at=now),
            [{"day": day, "new_price": wanted[day]} for day in sorted(existing)],
        )
    fresh = [{"asset_id": asset_id, "date": day, "price": price, "created_at": now, "updated_at": now}
             for day, price in prices if day not in existing]
    if fresh:
        session.connection().execute(AssetPrice.__table__.insert(), fresh)


_UPSERTS = {"postgresql": _upsert_on_conflict, "sqlite": _upsert_on_conflict, "mssql": _upsert_merge}


# --- valuation ------------------------------------------------------------------------------


def held_on(trades: list, on: dt.date | None = None,
            paid: Callable[[Any], Decimal] | None = None) -> tuple[Position, Decimal]:
    """The position after the trades dated on or before `on` (a history the API refused cannot be
    stored, so Refused means rows written around it: the trades up to the refused one count), and
    the cost held in the user's currency (positions.cost_in_home) with `paid(buy)`, the buy's cost
    converted at its day's rate (without it, 0)."""
    position, home = Position(), ZERO
    for trade in sorted(trades, key=order_key):
        if on is not None and trade.date > on:
            break
        before = position.quantity
        try:
            position.apply(trade)
        except Refused:
            break
        if paid is not None:
            home, _ = cost_in_home(home, trade, before, paid(trade) if trade.type == "buy" else None)
    return position, home


def timeline(trades: list) -> tuple[list[dt.date], list[Position]]:
    """The position at the close of each day with a trade, in date order (days, positions): the position
    on any day is the last one dated on or before it. Stops where held_on stops (a refused trade)."""
    days: list[dt.date] = []
    held: list[Position] = []
    position = Position()
    for trade in sorted(trades, key=order_key):
        try:
            position.apply(trade)
        except Refused:
            break
        if days and days[-1] == trade.date:
            held[-1] = replace(position)
        else:
            days.append(trade.date)
            held.append(replace(position))
    return days, held


def return_pct(gain: Decimal, invested: Decimal) -> Decimal | None:
    return None if not invested else gain / invested * HUNDRED


def _exact(fn):
    """Run `fn` in a decimal context wide enough for every stored combination: the largest quantity
    times the largest price has 56 digits, and sums of such values more than the default 28 (which
    would round them, or raise InvalidOperation when they are quantized to cents)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with localcontext(WIDE):
            return fn(*args, **kwargs)
    return run


def latest_prices(portfolio_id: int, on: dt.date):
    """Each asset's latest price on or before `on`: one window-function subquery for the portfolio."""
    ranked = (
        select(
            AssetPrice.asset_id,
            AssetPrice.date,
            AssetPrice.price,
            func.row_number().over(partition_by=AssetPrice.asset_id, order_by=AssetPrice.date.desc()).label("recency"),
        )
        .join(Asset, Asset.id == AssetPrice.asset_id)
        .where(Asset.portfolio_id == portfolio_id, AssetPrice.date <= on)
        .subquery()
    )
    return select(ranked.c.asset_id, ranked.c.date, ranked.c.price).where(ranked.c.recency == 1).subquery()


@_exact
def _paid_in_home(convert: fx.Converter, currency: str, buy: Any) -> Decimal | None:
    """What a buy cost in the user's currency, at its own day's rate."""
    return fx.in_home(convert, buy.amount, currency, buy.date)


def valuation(session: Session, user: User, portfolio_id: int, on: dt.date | None) -> s.ValuationOut:
    portfolio = Portfolios().get(session, user, portfolio_id)
    on = on or today()
    latest = latest_prices(portfolio.id, on)
    rows = session.execute(
        select(Asset, latest.c.price, latest.c.date)
        .outerjoin(latest, latest.c.asset_id == Asset.id)
        .where(Asset.portfolio_id == portfolio.id, Asset.purchase_date <= on)
        .order_by(Asset.id)
    ).all()
    trades = asset_trades(session, [a.id for a, _, _ in rows], until=on)
    # Rates from the first buy (a cost held is at its buy's rate) to the day; no query when all is home.
    first = min((t.date for ts in trades.values() for t in ts), default=on)
    convert = fx.converter(session, user, {a.currency for a, _, _ in rows}, min(first, on), on)
    lines = []
    with wide():
        for a, price, price_day in rows:
            rated = convert.table.rate(a.currency, on) is not None  # a currency with any rate has one every day
            paid = functools.partial(_paid_in_home, convert, a.currency)
            position, home_cost = held_on(trades[a.id], paid=paid if rated else None)
            value = position.value_at(price)
            converted = fx.in_home(convert, value, a.currency, on)
            gain = value - position.cost
            lines.append(s.AssetValuation(
                asset_id=a.id, name=a.name, type=a.type, symbol=a.symbol, quantity=position.quantity,
                purchase_date=a.purchase_date, priced=price is not None, price=price, price_date=price_day,
                currency=a.currency, amount_invested=position.cost, market_value=value, gain=gain,
                return_pct=return_pct(gain, position.cost), converted_market_value=converted,
                converted_amount_invested=None if converted is None else home_cost,
            ))
        counted = [line for line in lines if line.converted_market_value is not None]
        value = sum((line.converted_market_value for line in counted), Decimal("0.00"))
        invested = sum((line.converted_amount_invested for line in counted), Decimal("0.00"))
        totals = s.Totals(market_value=value, amount_invested=invested, gain=value - invested,
                          return_pct=return_pct(value - invested, invested))
    return s.ValuationOut(portfolio_id=portfolio.id, date=on, currency=user.currency, assets=lines, totals=totals,
                          missing_rates=convert.missing_rates())


# --- history --------------------------------------------------------------------------------


def history_range(params: s.HistoryQuery, max_days: int = s.MAX_HISTORY_DAYS,
                  max_months: int = s.MAX_HISTORY_MONTHS, first: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The documented defaults and the cap on the number of periods (net worth history shares them). A
    defaulted date_from never starts before `first`, the owner's first activity (its day, or its month),
    so a newcomer's history does not list months of nothing from before they had anything; a date_from
    the client sends is kept as sent."""
    end = params.date_to or today()
    if params.date_from is not None:
        start = params.date_from
    elif params.granularity == "day":
        start = end - dt.timedelta(days=min(29, (end - dt.date.min).days))
        if first is not None:
            start = min(max(start, first), end)
    else:
        start = month_start(end, -11)
        if first is not None:
            start = min(max(start, first.replace(day=1)), end.replace(day=1))
    if start > end:
        raise invalid("date_to", "must be on or after date_from", where="query")
    if params.granularity == "day":
        count, cap = (end - start).days + 1, max_days
    else:
        count, cap = months_spanned(start, end), max_months
    if count > cap:
        raise invalid("date_from", f"is too early: the range spans {count} {params.granularity}s and at most {cap} "
                                   "are answered per request; send a later date_from", where="query")
    return start, end


def periods(start: dt.date, end: dt.date, granularity: str) -> Iterator[tuple[str, dt.date]]:
    """(label, the day the period is valued on): its last day, or `end` for the period holding it."""
    if granularity == "day":
        for offset in range((end - start).days + 1):
            day = start + dt.timedelta(days=offset)
            yield day.isoformat(), day
        return
    month: dt.date | None = start.replace(day=1)
    while month is not None and month <= end:
        yield f"{month.year:04d}-{month.month:02d}", min(month_end(month), end)
        month = next_month_start(month)  # None after December 9999


def _prices_from(assets_where, start: dt.date, end: dt.date):
    """The subquery (asset_id, date, price) of the assets `assets_where` picks: each one's latest price on
    or before `start` (one index probe per asset), and every one after it up to `end` (one index range
    scan per asset)."""
    earlier = aliased(AssetPrice)
    floor = (select(func.max(earlier.date)).where(earlier.asset_id == Asset.id, earlier.date <= start)
             .correlate(Asset).scalar_subquery())
    floors = select(Asset.id.label("asset_id"), floor.label("day")).where(assets_where, Asset.purchase_date <= end)
    floors = floors.subquery("floors")
    at_start = (select(AssetPrice.asset_id, AssetPrice.date, AssetPrice.price)
                .join(floors, and_(floors.c.asset_id == AssetPrice.asset_id, floors.c.day == AssetPrice.date)))
    after = (select(AssetPrice.asset_id, AssetPrice.date, AssetPrice.price)
             .join(Asset, Asset.id == AssetPrice.asset_id)
             .where(assets_where, Asset.purchase_date <= end, AssetPrice.date > start, AssetPrice.date <= end))
    return union_all(at_start, after).subquery("prices")


def prices_between(session: Session, assets_where, start: dt.date, end: dt.date, *, by_asset: bool = False) -> list:
    """(asset_id, date, price) in date order (or in asset then date order), in one query (_prices_from)."""
    both = _prices_from(assets_where, start, end)
    price = both.c.price
    if session.get_bind().dialect.name != "sqlite":
        # The driver hands NUMERIC(28, 8) over as an exact Decimal already: skip the per-value decoding
        # that SQLite's scaled integers need (tens of thousands of rows on a long range).
        price = type_coerce(price, Numeric(28, 8, asdecimal=True))
    order = [both.c.asset_id, both.c.date] if by_asset else [both.c.date, both.c.asset_id]
    return session.connection().execute(select(both.c.asset_id, both.c.date, price).order_by(*order)).all()


PriceSeries = dict[int, tuple[list[dt.date], list[Decimal]]]


def price_series(session: Session, assets_where, start: dt.date, end: dt.date) -> PriceSeries:
    """The same prices as prices_between, per asset as two date-ordered lists (days, prices), in one query.
    On PostgreSQL each asset's lists come as two arrays (one row per asset, not one per price: a tenth of
    the decoding on a long range)."""
    if session.get_bind().dialect.name != "postgresql":
        return series_of(prices_between(session, assets_where, start, end, by_asset=True))
    from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

    both = _prices_from(assets_where, start, end)
    days = func.array_agg(aggregate_order_by(both.c.date, both.c.date))
    prices = type_coerce(func.array_agg(aggregate_order_by(both.c.price, both.c.date)),
                         ARRAY(Numeric(28, 8, asdecimal=True)))
    rows = session.connection().execute(select(both.c.asset_id, days, prices).group_by(both.c.asset_id))
    return {asset_id: (list(asset_days), list(asset_prices)) for asset_id, asset_days, asset_prices in rows}


def series_of(rows) -> PriceSeries:
    """(asset_id, date, price) rows in asset, then date order, as per-asset lists."""
    series: PriceSeries = {}
    for asset_id, group in groupby(rows, key=itemgetter(0)):
        group = list(group)
        series[asset_id] = ([row[1] for row in group], [row[2] for row in group])
    return series


def history(session: Session, user: User, portfolio_id: int, params: s.HistoryQuery) -> s.HistoryOut:
    portfolio = Portfolios().get(session, user, portfolio_id)
    first = None
    if params.date_from is None:  # the portfolio's first activity: its creation or its first trade
        first = portfolio.created_at.date() if portfolio.created_at else today()
        trade = first_holding_activity(session, user, portfolio.id)
        first = first if trade is None else min(first, trade)
    start, end = history_range(params, first=first)
    assets = session.execute(
        select(Asset).where(Asset.portfolio_id == portfolio.id, Asset.purchase_date <= end)
        .order_by(Asset.purchase_date, Asset.id)
    ).scalars().all()
    prices = prices_between(session, Asset.portfolio_id == portfolio.id, start, end)
    trades = sorted((t for ts in asset_trades(session, [a.id for a in assets], until=end).values() for t in ts),
                    key=order_key)
    convert = fx.converter(session, user, {a.currency for a in assets}, start, end)
    foreign = {a.id: a.currency for a in assets if a.currency != user.currency}

    # Walk the periods in order, applying trades and prices as their days come, keeping each
    # asset's value, the running total of those in the user's currency, and converting the others
    # at each period's rate.
    held = {a.id: Position() for a in assets}
    price_of: dict[int, Decimal | None] = {a.id: None for a in assets}
    value_of = {a.id: Decimal("0.00") for a in assets}
    refused: set[int] = set()
    total = Decimal("0.00")
    next_trade = next_price = 0
    items = []
    for label, day in periods(start, end, params.granularity):
        changed = set()
        while next_price < len(prices) and prices[next_price].date <= day:
            asset_id, _, price = prices[next_price]
            next_price += 1
            if asset_id in price_of:  # else an asset added between the reads: not in this answer
                price_of[asset_id] = price
                changed.add(asset_id)
        while next_trade < len(trades) and trades[next_trade].date <= day:
            trade = trades[next_trade]
            next_trade += 1
            if trade.asset_id not in held or trade.asset_id in refused:
                continue
            try:
                held[trade.asset_id].apply(trade)
            except Refused:  # see held_on
                refused.add(trade.asset_id)
            changed.add(trade.asset_id)
        with wide():
            for asset_id in changed:
                worth = held[asset_id].value_at(price_of[asset_id])
                if asset_id not in foreign:
                    total += worth - value_of[asset_id]
                value_of[asset_id] = worth
            point = total
            for asset_id, currency in foreign.items():
                if value_of[asset_id]:  # nothing held converts to nothing, rate or not
                    point += fx.in_home(convert, value_of[asset_id], currency, day) or 0
        items.append(s.HistoryPoint(period=label, market_value=point))
    return s.HistoryOut(portfolio_id=portfolio.id, currency=user.currency, granularity=params.granularity,
                        date_from=start, date_to=end, items=items, missing_rates=convert.missing_rates())


__all__ = ["Portfolios", "Assets", "Prices", "valuation", "history", "upsert_prices"]
