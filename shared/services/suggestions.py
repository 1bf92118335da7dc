"""GET /api/recurring/suggestions: repeating payments found in the caller's recent history.

A series is one payee (or, without a payee, one description, compared case-insensitively) and type,
with at least 3 occurrences whose amounts are all within 10% of their median and whose dates are
evenly spaced a week, a month or a year apart (a day or two of slack for weekends and bank delays;
a monthly series on the 31st may fall on a shorter month's last day). Series posted by a schedule,
or whose name matches an existing schedule of the same type, are left out; so is a series that has
stopped (it missed its expected date by more than the slack).

Bounded work, whatever the length of the history: the SQL looks only at the caller's most recent
MAX_ROWS transactions of the last three years and a month (three yearly payments fit in that window,
but for someone recording more than about two transactions a day the 2,000 rows reach back less than
the two years a yearly series needs: the price of an answer that costs the same at a million
transactions as at a thousand), and picks at most MAX_GROUPS candidate series there. A candidate
must pass, in SQL, what every series passes (GROUP BY … HAVING): at least 3 occurrences, largest
amount at most 11/9 of the smallest (all within 10% of their median), and the days from first to
last within a cadence's shortest and longest gap times the gaps (an even spacing a week, a month or
a year apart), so groceries, taxis and other busy but irregular spending do not crowd out the
series. Only those candidates' rows come back to Python to check each gap.
"""
from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from shared.data.models import RecurringSchedule, Transaction, User
from shared.services.calendar_rules import Rule
from shared.services.recurring import current_day

WINDOW = dt.timedelta(days=3 * 366 + 31)
MAX_ROWS = 2000
MAX_GROUPS = 50
MIN_OCCURRENCES = 3
AMOUNT_TOLERANCE = Decimal("0.10")
# frequency -> (shortest gap, longest gap, days late before a series counts as stopped)
CADENCES = {"weekly": (6, 8, 3), "monthly": (26, 35, 7), "yearly": (355, 376, 21)}
_LINKS = ("category_id", "account_id", "credit_card_id", "to_account_id", "to_credit_card_id")


class days_between(FunctionElement):  # noqa: N801 - reads as the SQL function it renders
    """Whole days from the first date to the second, in each dialect's own date arithmetic."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_postgresql(element, compiler, **kw):  # PostgreSQL: date - date is an integer
    first, last = element.clauses
    return f"({compiler.process(last, **kw)} - {compiler.process(first, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    first, last = element.clauses
    return f"CAST(julianday({compiler.process(last, **kw)}) - julianday({compiler.process(first, **kw)}) AS INTEGER)"


@compiles(days_between, "mssql")
def _days_between_mssql(element, compiler, **kw):
    first, last = element.clauses
    return f"DATEDIFF(day, {compiler.process(first, **kw)}, {compiler.process(last, **kw)})"


def _series_key():
    payee = getattr(Transaction, "payee", None)  # when payees exist, they name a series first
    text = Transaction.description if payee is None else func.coalesce(func.nullif(payee, ""), Transaction.description)
    return func.lower(text)


def suggestions(session: Session, user: User, today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or current_day()
    t = Transaction
    payee = getattr(t, "payee", None)
    columns = [t.id, t.type, t.amount, t.date, t.description, *(getattr(t, name) for name in _LINKS)]
    if payee is not None:
        columns.append(payee)
    recent = (select(*columns, _series_key().label("series"))
              .where(t.user_id == user.id, t.date >= today - WINDOW, t.date <= today, t.recurring_id.is_(None))
              .order_by(t.date.desc(), t.id.desc()).limit(MAX_ROWS).cte("recent"))
    n = func.count()
    span = days_between(func.min(recent.c.date), func.max(recent.c.date))
    close_amounts = func.max(recent.c.amount) * literal_column("9") <= func.min(recent.c.amount) * literal_column("11")
    evenly_spaced = or_(*(and_(span >= low * (n - 1), span <= high * (n - 1)) for low, high, _ in CADENCES.values()))
    candidates = (select(recent.c.type, recent.c.series)
                  .where(recent.c.series.is_not(None))
                  .group_by(recent.c.type, recent.c.series)
                  .having(n >= MIN_OCCURRENCES, close_amounts, evenly_spaced)
                  .order_by(func.count().desc(), recent.c.series).limit(MAX_GROUPS).subquery())
    rows = session.execute(
        select(recent).join(candidates, and_(candidates.c.type == recent.c.type,
                                             candidates.c.series == recent.c.series))
        .order_by(recent.c.type, recent.c.series, recent.c.date, recent.c.id)).mappings().all()
    series: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        series[(row["type"], row["series"])].append(row)
    scheduled = _scheduled_names(session, user.id)
    found = []
    for (kind, key), members in series.items():
        if (kind, key.strip()) in scheduled:
            continue
        suggestion = _suggest(members, today)
        if suggestion is not None:
            found.append(suggestion)
    return sorted(found, key=lambda s: (s["next_date"], s["name"].lower()))


def _scheduled_names(session: Session, user_id: int) -> set[tuple[str, str]]:
    r = RecurringSchedule
    out = set()
    for kind, *names in session.execute(select(r.type, r.name, r.payee, r.description).where(r.user_id == user_id)):
        out |= {(kind, n.strip().lower()) for n in names if n}
    return out


def _suggest(members: list, today: dt.date) -> dict[str, Any] | None:
    amounts = [m["amount"] for m in members]
    middle = statistics.median(amounts)
    if any(abs(a - middle) > middle * AMOUNT_TOLERANCE for a in amounts):
        return None
    dates = [m["date"] for m in members]
    frequency = _cadence(dates)
    if frequency is None:
        return None
    anchor = _anchor(frequency, dates)
    rule = Rule(frequency, anchor)
    expected = rule.next_on_or_after(dates[-1] + dt.timedelta(days=1))
    if expected is None or (today - expected).days > CADENCES[frequency][2]:
        return None  # the series has stopped
    next_date = rule.next_on_or_after(max(expected, today))
    if next_date is None:
        return None
    latest = members[-1]
    payee = latest.get("payee")
    name = (payee or latest["description"] or "").strip()[:100].strip()
    return {"name": name, "type": latest["type"], "amount": latest["amount"],
            **{link: latest[link] for link in _LINKS}, "payee": payee, "description": latest["description"],
            "frequency": frequency, "interval": 1, "start_date": next_date, "occurrences": len(members),
            "next_date": next_date}


def _cadence(dates: list[dt.date]) -> str | None:
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    for frequency, (low, high, _late) in CADENCES.items():
        if all(low <= gap <= high for gap in gaps):
            return frequency
    return None


def _anchor(frequency: str, dates: list[dt.date]) -> dt.date:
    """The day the series keeps to: its latest date; for a monthly series whose latest date is a month's last
    day, the latest date on its largest day of the month (Jan 31, Feb 28 keep to the 31st)."""
    last = dates[-1]
    if frequency != "monthly" or (last + dt.timedelta(days=1)).month == last.month:
        return last
    largest = max(d.day for d in dates)
    return [d for d in dates if d.day == largest][-1]
