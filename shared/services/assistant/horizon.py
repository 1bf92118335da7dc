"""How far ahead a question looks ("until the 25th", "next week", "till payday"), resolved against
`today`. `periods` reads the past (what has happened); this reads the future:

- a day of the month ("the 25th") is its next occurrence from today on (this month, or the next when
  it has passed; the 31st is a shorter month's last day);
- a day with a month ("December 5", "5 Dec") is its next occurrence from today; an ISO date is itself;
- a weekday ("until Friday") is its next occurrence from today on;
- "this week" ends on Sunday, "next week" on the Sunday after; "this month" / "the end of the month"
  on the month's last day, "next month" on the next month's last day; "the next N days" N days on,
  "the next N weeks" 7·N days on;
- "payday" is the next expected income, which only the caller's data knows (`Horizon.payday`).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .periods import _MONTHS, _WEEKDAYS

_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_DAY = re.compile(rf"\b(?:({_MONTH})\.? (\d{{1,2}})(?:st|nd|rd|th)?"
                        rf"|(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH}))\b")
_DAY_OF_MONTH = re.compile(r"\b(?:the )?(\d{1,2})(?:st|nd|rd|th)\b|\bthe (\d{1,2})\b")
_WEEKDAY_RX = re.compile(rf"\b({_WEEKDAY})\b")
_DAYS = re.compile(r"\b(?:next|coming|following) (\d{1,3}) days?\b|\b(\d{1,3}) days?\b")
_WEEKS = re.compile(r"\b(?:next|coming|following) (\d{1,2}|two|three|four) weeks?\b|\b(\d{1,2}) weeks?\b")
_SMALL = {"two": 2, "three": 3, "four": 4}
_PAYDAY = re.compile(r"\bpay ?day\b|\bpay ?check\b|\bnext (?:salary|pay|wage)\b|\bget paid\b|\bi(?: am|m) paid\b")


@dataclass(frozen=True)
class Horizon:
    until: dt.date | None = None  # None: not said
    payday: bool = False


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_later(today: dt.date, months: int, day: int) -> dt.date:
    total = today.year * 12 + today.month - 1 + months
    year, month = total // 12, total % 12 + 1
    return dt.date(year, month, min(day, _last_day(year, month)))


def find_horizon(text: str, today: dt.date) -> Horizon:
    """The last day a question about the future looks at, if it names one. Never raises."""
    low = text.lower()
    if _PAYDAY.search(low):
        return Horizon(payday=True)
    for read in (_iso_date, _week_or_month_end, _days_or_weeks_on, _month_and_day, _weekday, _day_of_month):
        horizon = read(low, today)
        if horizon is not None:
            return horizon
    return Horizon()


# Each reader below: None when the text does not say it that way (the next one is tried), an empty
# Horizon when it does but names no real day.

def _iso_date(low: str, today: dt.date) -> Horizon | None:
    iso = _ISO.search(low)
    if not iso:
        return None
    try:
        return Horizon(dt.date(int(iso[1]), int(iso[2]), int(iso[3])))
    except ValueError:
        return Horizon()


def _week_or_month_end(low: str, today: dt.date) -> Horizon | None:
    if re.search(r"\bnext week\b", low):
        return Horizon(today + dt.timedelta(days=13 - today.weekday()))
    if re.search(r"\b(?:this|the) week\b", low):
        return Horizon(today + dt.timedelta(days=6 - today.weekday()))
    if re.search(r"\bnext month\b", low) and not re.search(r"\bstart of next month\b", low):
        return Horizon(_month_later(today, 1, 31))
    if re.search(r"\b(?:this month|(?:the )?end of (?:the |this )?month|month end)\b", low):
        return Horizon(_month_later(today, 0, 31))
    return None


def _days_or_weeks_on(low: str, today: dt.date) -> Horizon | None:
    weeks = _WEEKS.search(low)
    if weeks:
        count = weeks[1] or weeks[2]
        return Horizon(today + dt.timedelta(days=7 * min(52, int(_SMALL.get(count, count)))))
    days = _DAYS.search(low)
    if days:
        return Horizon(today + dt.timedelta(days=min(366, int(days[1] or days[2]))))
    return None


def _month_and_day(low: str, today: dt.date) -> Horizon | None:
    named = _MONTH_DAY.search(low)
    if not named:
        return None
    month = _MONTHS[named[1] or named[4]]
    day = int(named[2] or named[3])
    for year in (today.year, today.year + 1):
        if 1 <= day <= _last_day(year, month) and dt.date(year, month, day) >= today:
            return Horizon(dt.date(year, month, day))
    return Horizon()


def _weekday(low: str, today: dt.date) -> Horizon | None:
    weekday = _WEEKDAY_RX.search(low)
    if not weekday:
        return None
    return Horizon(today + dt.timedelta(days=(_WEEKDAYS[weekday[1]] - today.weekday()) % 7))


def _day_of_month(low: str, today: dt.date) -> Horizon | None:
    nth = _DAY_OF_MONTH.search(low)
    if not nth:
        return None
    day = int(nth[1] or nth[2])
    if not 1 <= day <= 31:
        return None
    this_month = _month_later(today, 0, day)
    return Horizon(this_month if this_month >= today and (day <= _last_day(today.year, today.month))
                   else _month_later(today, 1, day))
