"""Trades of an asset: record, list and delete buys, sells, dividends, fees and splits.

Every write replays the asset's whole history (shared/services/positions.py), so a trade that
would make it impossible (selling more than is held then, a trade before the first buy) is a 422
and nothing changes; the asset's answers derive quantity, amount_invested, realized_gain and
dividends from the same replay.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from shared.data.models import Asset, AssetTrade, User
from shared.errors import Invalid, invalid, not_found
from shared.schemas import MAX_MONEY
from shared.schemas import investments as s
from shared.services.positions import Position, Refused, Trade, replay, trade_value
from shared.services.resources import page_of

# Which fields each type takes: (required, refused).
FIELDS = {
    "buy": ({"quantity", "price"}, {"amount"}),
    "sell": ({"quantity", "price"}, {"amount"}),
    "dividend": ({"amount"}, {"quantity", "price", "fee"}),
    "fee": ({"amount"}, {"quantity", "price", "fee"}),
    "split": ({"quantity"}, {"price", "amount", "fee"}),
}
_WHY = {
    ("buy", "amount"): "a buy's cash is quantity × price + fee; send those",
    ("sell", "amount"): "a sell's cash is quantity × price − fee; send those",
    ("dividend", "quantity"): "a dividend is cash: send amount only",
    ("dividend", "price"): "a dividend is cash: send amount only",
    ("dividend", "fee"): "record a fee as its own trade of type fee",
    ("fee", "quantity"): "a fee is cash: send amount only",
    ("fee", "price"): "a fee is cash: send amount only",
    ("fee", "fee"): "a fee trade's cash is its amount",
    ("split", "price"): "a split takes only its ratio, as quantity",
    ("split", "amount"): "a split moves no cash",
    ("split", "fee"): "a split moves no cash",
}
_NEEDS = {
    "quantity": "is required for a {kind} ({what})",
    "price": "is required for a {kind}: the price of one unit",
    "amount": "is required for a {kind}: the cash paid",
}


def check_fields(data: s.TradeIn) -> None:
    """Per type: the fields it needs are there and the ones it cannot take are not (one 422, every field named)."""
    required, refused = FIELDS[data.type]
    errors = []
    for name in sorted(required):
        if getattr(data, name) is None:
            what = "the ratio, 2 for a 2:1 split" if data.type == "split" else "the units"
            errors.append({"field": name, "message": f"{name} " + _NEEDS[name].format(kind=data.type, what=what),
                           "in": "body"})
    for name in sorted(refused):
        if getattr(data, name) is not None:
            errors.append({"field": name, "message": f"{name} is not taken by a {data.type}: "
                                                     f"{_WHY[(data.type, name)]}; leave it out", "in": "body"})
    if errors:
        raise Invalid(f"A {data.type} trade takes {', '.join(sorted(required))}"
                      + (" (and fee)" if data.type in ("buy", "sell") else "") + ".", errors=errors)


def cash_of(data: s.TradeIn) -> Any:
    """The cash a new trade moves (its `amount` column)."""
    if data.type in ("dividend", "fee"):
        return data.amount
    if data.type == "split":
        return None
    value, fee = trade_value(data.quantity, data.price), data.fee or 0
    if value > MAX_MONEY:
        raise invalid("quantity", f"quantity × price is {value}, more than {MAX_MONEY}")
    if data.type == "buy":
        if value + fee > MAX_MONEY:
            raise invalid("fee", f"quantity × price + fee is more than {MAX_MONEY}")
        return value + fee
    if fee > value:
        raise invalid("fee", f"is more than the sale's value (quantity × price = {value})")
    return value - fee


def refuse(error: Refused, action: str, fields: dict[str, str] | None = None) -> Invalid:
    field = (fields or {}).get(error.field, error.field)
    return Invalid(f"{action}: {error.message}.", errors=[{"field": field, "in": "body",
                                                           "message": f"{field} cannot be so: {error.message}"}])


def asset_trades(session: Session, asset_ids: Iterable[int], until=None) -> dict[int, list[AssetTrade]]:
    """The trades of these assets (dated on or before `until`), in one query, per asset."""
    ids = list(asset_ids)
    out: dict[int, list[AssetTrade]] = defaultdict(list)
    if not ids:
        return out
    stmt = select(AssetTrade).where(AssetTrade.asset_id.in_(ids))
    if until is not None:
        stmt = stmt.where(AssetTrade.date <= until)
    for trade in session.execute(stmt).scalars():
        out[trade.asset_id].append(trade)
    return out


def positions(session: Session, assets: list[Asset]) -> dict[int, Position]:
    """Each asset's position after all its trades (one query for the lot)."""
    by_asset = asset_trades(session, [a.id for a in assets])
    out = {}
    for asset in assets:
        try:
            out[asset.id] = replay(by_asset[asset.id])
        except Refused:  # cannot happen through the API: every write checks the history
            out[asset.id] = Position(quantity=asset.quantity, cost=asset.amount_invested)
    return out


def asset_out(asset: Asset, position: Position) -> s.AssetOut:
    values = {name: getattr(asset, name) for name in s.AssetOut.model_fields if hasattr(asset, name)}
    values.update(quantity=position.quantity, amount_invested=position.cost,
                  realized_gain=position.realized_gain, dividends=position.dividends)
    return s.AssetOut.model_validate(values)


def first_buy(asset: Asset) -> Trade:
    return Trade(id=None, type="buy", date=asset.purchase_date, quantity=asset.quantity,
                 amount=asset.amount_invested, initial=True)


def check_history(trades: Iterable, action: str, fields: dict[str, str] | None = None) -> Position:
    """The position after `trades`, or a 422 saying which trade cannot happen (its field named as
    `fields` maps it: an asset's first buy is dated by `purchase_date`)."""
    try:
        return replay(trades)
    except Refused as error:
        raise refuse(error, action, fields) from None


AS_THE_ASSET = {"date": "purchase_date"}


def sync_first_buy(session: Session, asset: Asset) -> None:
    """After a create or patch of the asset: its first-buy trade says what the asset says (checked)."""
    trades = asset_trades(session, [asset.id])[asset.id]
    initial = next((t for t in trades if t.initial), None)
    others = [t for t in trades if not t.initial]
    check_history([first_buy(asset), *others], "The asset's first buy cannot change so", AS_THE_ASSET)
    if initial is None:
        initial = AssetTrade(asset_id=asset.id, user_id=asset.user_id, type="buy", initial=True)
        session.add(initial)
    initial.date, initial.quantity, initial.amount = asset.purchase_date, asset.quantity, asset.amount_invested
    session.flush()


class Trades:
    """The trades of the caller's assets; every read and write goes through the owning asset (404 otherwise)."""

    def __init__(self, assets):
        self.assets = assets

    def list(self, session: Session, user: User, asset_id: int,
             params: s.TradeQuery) -> tuple[list[AssetTrade], int]:
        asset = self.assets.get(session, user, asset_id)
        stmt = select(AssetTrade).where(AssetTrade.asset_id == asset.id)
        if params.date_from:
            stmt = stmt.where(AssetTrade.date >= params.date_from)
        if params.date_to:
            stmt = stmt.where(AssetTrade.date <= params.date_to)
        if params.sort == "-date":
            order = [AssetTrade.date.desc(), AssetTrade.initial, AssetTrade.id.desc()]
        else:
            order = [AssetTrade.date, AssetTrade.initial.desc(), AssetTrade.id]
        return page_of(session, stmt, order, params)

    def create(self, session: Session, user: User, asset_id: int, data: s.TradeIn) -> AssetTrade:
        # Locked: the trades of one asset are written one at a time, each checked against the others.
        asset = self.assets.get(session, user, asset_id, for_update=True)
        check_fields(data)
        row = AssetTrade(asset_id=asset.id, user_id=user.id, type=data.type, date=data.date,
                         quantity=data.quantity, price=data.price, amount=cash_of(data), fee=data.fee,
                         initial=False)
        existing = asset_trades(session, [asset.id])[asset.id]
        check_history([*existing, Trade(id=None, type=row.type, date=row.date, quantity=row.quantity,
                                        price=row.price, amount=row.amount, fee=row.fee)],
                      f"This {data.type} cannot be recorded")
        session.add(row)
        session.flush()
        return row

    def get(self, session: Session, user: User, trade_id: int) -> AssetTrade:
        trade = session.execute(
            select(AssetTrade).where(AssetTrade.user_id == bindparam("owner"), AssetTrade.id == bindparam("row")),
            {"owner": user.id, "row": trade_id},
        ).scalar_one_or_none()
        if trade is None:
            raise not_found("trade")
        return trade

    def delete(self, session: Session, user: User, trade_id: int) -> None:
        trade = self.get(session, user, trade_id)
        self.assets.get(session, user, trade.asset_id, for_update=True)
        if trade.initial:
            raise Invalid("This is the asset's first buy: change it with PATCH /api/assets/{id}, or delete the asset.",
                          errors=[{"field": "id", "in": "path", "message": "id names the asset's first buy; change "
                                                                          "it with PATCH /api/assets/{id}"}])
        remaining = [t for t in asset_trades(session, [trade.asset_id])[trade.asset_id] if t.id != trade.id]
        check_history(remaining, "Without this trade the history is impossible")
        session.execute(delete(AssetTrade).where(AssetTrade.id == trade.id))


def delete_trades_of(session: Session, asset_ids) -> None:
    session.execute(delete(AssetTrade).where(AssetTrade.asset_id.in_(asset_ids)))
