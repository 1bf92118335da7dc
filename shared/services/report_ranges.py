"""The dates a report covers when the client leaves them out (API.md, "Reports and analytics").

- `month` defaults to the current month (UTC).
- `date_to` defaults to today; `date_from` to the first day of the month eleven months before
  `date_to`'s month: the last 12 calendar months, the current one included up to today.
- A defaulted `date_from` never starts before the caller's first activity (the month of their
  earliest transaction, or of their registration when that is earlier), so a new user's trend does
  not list a year of empty months from before they existed. A date the client sends is kept as sent.
  Net worth history starts the same way at first_worth_activity (the first trade of an asset counts too),
  a portfolio's history at its first activity (its creation or its first trade, the earlier).
- The range is then checked as one: `date_from` on or after `date_to` is refused naming the field.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.data.models import Asset, AssetTrade, Transaction, User
from shared.data.types import utcnow
from shared.errors import invalid
from shared.services.months import month_start, months_spanned

DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date


def today() -> dt.date:
    return utcnow().date()


def current_month() -> str:
    return today().strftime("%Y-%m")


def first_activity(session: Session, user: User) -> dt.date:
    """The earlier of the caller's first transaction and their registration (one indexed MIN)."""
    first = session.execute(select(func.min(Transaction.date)).where(Transaction.user_id == user.id)).scalar()
    joined = user.created_at.date() if user.created_at else today()
    return min(first, joined) if first is not None else joined


def first_holding_activity(session: Session, user: User, portfolio_id: int | None = None) -> dt.date | None:
    """The date of the first trade (the first buy included) of the user's assets, or of one portfolio's;
    None without any. An asset can be bought, on paper, long before its owner registered."""
    stmt = (select(func.min(AssetTrade.date)).join(Asset, Asset.id == AssetTrade.asset_id)
            .where(Asset.user_id == user.id))
    if portfolio_id is not None:
        stmt = stmt.where(Asset.portfolio_id == portfolio_id)
    return session.execute(stmt).scalar()


def first_worth_activity(session: Session, user: User) -> dt.date:
    """Where a history of what the user owns starts to mean something: the earlier of first_activity
    (registration, which precedes every account, card and portfolio; the first transaction) and the first
    trade of any asset."""
    first = first_activity(session, user)
    trade = first_holding_activity(session, user)
    return first if trade is None else min(first, trade)


def resolve(session: Session, user: User, date_from: dt.date | None, date_to: dt.date | None,
            *, max_months: int) -> DateRange:
    end = date_to or today()
    if date_from is not None:
        start = date_from
    else:
        start = month_start(end, -(DEFAULT_MONTHS - 1))
        start = min(max(start, first_activity(session, user).replace(day=1)), end.replace(day=1))
    if start > end:
        raise invalid("date_from", "must be on or before date_to; send an earlier date_from or a later date_to",
                      where="query")
    if months_spanned(start, end) > max_months:
        raise invalid("date_from", f"must be at most {max_months} calendar months before date_to; "
                                   "send a later date_from or an earlier date_to", where="query")
    return DateRange(start, end)
