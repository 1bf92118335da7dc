"""GET /api/forecast: every expected occurrence of the caller's schedules and income sources from
today through today + days, and what they do to each account's and card's balance.

It starts from the kept `balance` columns (one row per account and card) and walks the schedules
forward, so its cost follows the number of schedules and the window, never the length of the
user's history. Balance effects are the ledger's own (`balances.balance_effects`): a card's balance
is what is owed, so a charge raises it and a payment lowers it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.data.models import Account, CreditCard, IncomeSource, RecurringSchedule, User
from shared.services.balances import balance_effects
from shared.services.recurring import current_day, income_rule, schedule_rule


@dataclass(frozen=True)
class Occurrence:
    date: dt.date
    name: str
    type: str
    amount: Decimal
    account_id: int | None = None
    credit_card_id: int | None = None
    to_account_id: int | None = None
    to_credit_card_id: int | None = None
    recurring_id: int | None = None
    income_source_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Projection:
    kind: str  # "account" | "credit_card"
    id: int
    name: str
    balance: Decimal
    projected: Decimal
    lowest: Decimal
    lowest_date: dt.date

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["account_id"] = self.id if self.kind == "account" else None
        out["credit_card_id"] = self.id if self.kind == "credit_card" else None
        return out


@dataclass(frozen=True)
class Forecast:
    date_from: dt.date
    date_to: dt.date
    items: list[Occurrence]
    accounts: list[Projection]

    def as_dict(self) -> dict[str, Any]:
        return {"date_from": self.date_from, "date_to": self.date_to,
                "days": (self.date_to - self.date_from).days,
                "items": [i.as_dict() for i in self.items], "accounts": [a.as_dict() for a in self.accounts]}


def occurrences(session: Session, user_id: int, first: dt.date, last: dt.date) -> list[Occurrence]:
    """Every expected occurrence from `first` through `last`, by date (then name)."""
    out: list[Occurrence] = []
    schedules = session.execute(select(RecurringSchedule).where(
        RecurringSchedule.user_id == user_id, RecurringSchedule.next_date.is_not(None),
        RecurringSchedule.next_date <= last)).scalars()
    for row in schedules:
        for day in schedule_rule(row).occurrences(first=max(first, row.next_date), last=last):
            out.append(Occurrence(day, row.name, row.type, row.amount, row.account_id, row.credit_card_id,
                                  row.to_account_id, row.to_credit_card_id, recurring_id=row.id))
    sources = session.execute(select(IncomeSource).where(
        IncomeSource.user_id == user_id, IncomeSource.next_date.is_not(None), IncomeSource.next_date <= last)).scalars()
    for row in sources:
        rule = income_rule(row)
        walk_from = max(first, row.next_date) if row.frequency != "one_time" else row.next_date
        for day in rule.occurrences(first=walk_from, last=last):
            if day >= first:
                out.append(Occurrence(day, row.name, "income", row.amount, row.account_id, income_source_id=row.id))
    out.sort(key=lambda o: (o.date, o.name, o.recurring_id or 0, o.income_source_id or 0))
    return out


def forecast(session: Session, user: User, days: int, today: dt.date | None = None) -> Forecast:
    first = today or current_day()
    last = first + dt.timedelta(days=days)
    items = occurrences(session, user.id, first, last)
    projections: dict[tuple[type, int], Projection] = {}
    for model, kind in ((Account, "account"), (CreditCard, "credit_card")):
        for row_id, name, balance in session.execute(select(model.id, model.name, model.balance)
                                                     .where(model.user_id == user.id).order_by(model.id)):
            projections[(model, row_id)] = Projection(kind, row_id, name, balance, balance, balance, first)
    # Day by day, in date order: a balance is judged at the end of each day (a salary and the rent
    # on the same day do not make a dip), and the lowest is the first day it is reached.
    for day, group in groupby(items, key=lambda o: o.date):
        touched = set()
        for item in group:
            for key, delta in balance_effects(item.as_dict()).items():
                if key in projections:
                    projections[key].projected += delta
                    touched.add(key)
        for key in touched:
            p = projections[key]
            if p.projected < p.lowest:
                p.lowest, p.lowest_date = p.projected, day
    return Forecast(first, last, items, list(projections.values()))
