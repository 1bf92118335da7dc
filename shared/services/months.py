"""Calendar arithmetic, once: month bounds and shifts, and the calendar periods (month, quarter, year)
that reports, the summaries job, investments' history and the assistant count in."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month."""
    return month_bounds(day.year, day.month)[1]


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    """(year, month) `by` months later (earlier when negative)."""
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def month_start(day: dt.date, by: int = 0) -> dt.date:
    """The first day of the month `by` months after `day`'s (0: its own month's first day), never
    before 0001-01-01."""
    year, month = shift_month(day.year, day.month, by)
    return dt.date(year, month, 1) if year >= 1 else dt.date.min


def next_month_start(day: dt.date) -> dt.date | None:
    """The first day of the month after `day`'s; None in December 9999, the last month a date can name."""
    if (day.year, day.month) == (dt.date.max.year, 12):
        return None
    return month_start(day, 1)


def previous_month_start(day: dt.date) -> dt.date | None:
    """The first day of the month before `day`'s; None in January of year 1."""
    if (day.year, day.month) == (dt.date.min.year, 1):
        return None
    return month_start(day, -1)


def months_spanned(start: dt.date, end: dt.date) -> int:
    """How many calendar months [start, end] touches (1 for two days of one month)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True, order=True)
class CalendarPeriod:
    """A whole calendar month, quarter or year."""

    start: dt.date
    end: dt.date
    key: str  # "2026-10", "2026-Q4", "2026"
    granularity: str


@lru_cache(maxsize=1024)
def month_period(year: int, month: int) -> CalendarPeriod:
    """One calendar month (kept: every report asks for the same few months, and the period is frozen)."""
    start, end = month_bounds(year, month)
    return CalendarPeriod(start, end, f"{year:04d}-{month:02d}", "month")


def quarter_period(year: int, quarter: int) -> CalendarPeriod:
    first = 3 * quarter - 2
    return CalendarPeriod(dt.date(year, first, 1), month_bounds(year, first + 2)[1], f"{year:04d}-Q{quarter}",
                          "quarter")


def year_period(year: int) -> CalendarPeriod:
    return CalendarPeriod(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year:04d}", "year")


def period_of(day: dt.date, granularity: str) -> CalendarPeriod:
    if granularity == "month":
        return month_period(day.year, day.month)
    if granularity == "quarter":
        return quarter_period(day.year, (day.month + 2) // 3)
    if granularity == "year":
        return year_period(day.year)
    raise ValueError(f"unknown granularity {granularity!r}")


def parse_month(text: str) -> CalendarPeriod:
    """"2026-10" -> that month (the text is already validated as YYYY-MM)."""
    return month_period(int(text[:4]), int(text[5:7]))


def periods_between(start: dt.date, end: dt.date, granularity: str) -> list[CalendarPeriod]:
    """Every period that overlaps [start, end], in order (the first and last may be partial)."""
    out: list[CalendarPeriod] = []
    current = period_of(start, granularity)
    while current.start <= end:
        out.append(current)
        if current.end == dt.date.max:
            break
        current = period_of(current.end + dt.timedelta(days=1), granularity)
    return out
