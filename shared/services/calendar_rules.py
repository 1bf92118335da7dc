"""When a schedule falls: RFC 5545 recurrence rules (python-dateutil's `rrule`), with the month-end
and leap-day behaviour people expect of bills and pay:

- a monthly (or quarterly) schedule from the 29th, 30th or 31st falls on the last day of a shorter
  month and comes back to its day afterwards (Jan 31, Feb 28, Mar 31, Apr 30, …): BYMONTHDAY=28..D
  with BYSETPOS=-1 picks the latest of those days the month has;
- a yearly schedule from Feb 29 falls on Feb 28 in common years, and on Feb 29 again in leap years;
- `interval` multiplies the period (every 2 weeks, every 3 months); `end_date` is the last day it may fall.

A rule is anchored on the schedule's `start_date` (its day of the month, weekday, month) and may be
walked from any later occurrence (`after`), so walking costs the occurrences wanted, not the
schedule's age.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule

# frequency -> (rrule frequency, periods per step)
_STEPS = {"daily": (DAILY, 1), "weekly": (WEEKLY, 1), "biweekly": (WEEKLY, 2), "monthly": (MONTHLY, 1),
          "quarterly": (MONTHLY, 3), "yearly": (YEARLY, 1)}
FREQUENCIES = tuple(_STEPS)
_LAST_DAY = dt.date.max


@dataclass(frozen=True)
class Rule:
    frequency: str  # daily, weekly, biweekly, monthly, quarterly, yearly, or one_time (income sources)
    start: dt.date  # the anchor: the first occurrence
    interval: int = 1
    end: dt.date | None = None  # inclusive

    def occurrences(self, first: dt.date | None = None, last: dt.date | None = None) -> Iterator[dt.date]:
        """The occurrences on or after `first` (default: the start) and on or before `last` and `end`.

        `first` is where the walk starts; it need not be an occurrence."""
        last = min(last or _LAST_DAY, self.end or _LAST_DAY)
        first = max(first or self.start, self.start)
        if first > last:
            return
        if self.frequency == "one_time":
            if first == self.start:  # with first > start the one occurrence is behind us
                yield self.start
            return
        for moment in self._rrule(self._walk_from(first)).xafter(
                dt.datetime.combine(first, dt.time()), inc=True):
            day = moment.date()
            if day > last:
                return
            yield day

    def next_on_or_after(self, day: dt.date) -> dt.date | None:
        return next(self.occurrences(first=day), None)

    def _walk_from(self, first: dt.date) -> dt.date:
        """An occurrence at most one step before `first`, to start the rrule there rather than at the
        anchor (same lattice: whole periods from the anchor)."""
        freq, per = _STEPS[self.frequency]
        step = per * self.interval
        if freq in (DAILY, WEEKLY):
            days = step * (7 if freq == WEEKLY else 1)
            whole = (first - self.start).days // days
            return self.start + dt.timedelta(days=whole * days)
        months = step * (12 if freq == YEARLY else 1)
        elapsed = (first.year - self.start.year) * 12 + first.month - self.start.month
        whole = max(0, elapsed // months - 1)  # one period early: the day in that month may differ
        total = self.start.month - 1 + whole * months
        return dt.date(self.start.year + total // 12, total % 12 + 1, 1)

    def _rrule(self, walk_from: dt.date) -> rrule:
        freq, per = _STEPS[self.frequency]
        start = dt.datetime.combine(walk_from, dt.time())
        kwargs: dict = {"dtstart": start, "interval": per * self.interval, "cache": False}
        day = self.start.day
        if freq == WEEKLY:
            kwargs["byweekday"] = self.start.weekday()
        elif freq in (MONTHLY, YEARLY):
            if freq == YEARLY:
                kwargs["bymonth"] = self.start.month
            if day > 28:
                kwargs.update(bymonthday=tuple(range(28, day + 1)), bysetpos=-1)
            else:
                kwargs["bymonthday"] = day
        return rrule(freq, **kwargs)
