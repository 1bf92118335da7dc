"""Date ranges and single days named in a sentence, resolved against `today`.

The rules, in one place:
- Weeks start on Monday (ISO). "this week/month/year" run from the start of it to today (nothing
  later has happened yet); "last week/month/year" are the whole previous one.
- "the last N months" (also "past"/"previous") are the N *full calendar months before the current
  one*: on 2026-11-25, "the last 3 months" is 2026-08-01..2026-10-31. The same for weeks and
  years. "the last month" is therefore the same as "last month". Days are rolling and include
  today: "the last 7 days" on 2026-11-25 is 2026-11-19..2026-11-25.
- A month without a year ("in March") is the most recent March whose first day is not in the
  future; when that is the current month it ends today. A month with a year ("October 2026") is the
  whole month, as asked. A bare year needs a preposition ("in 2025").
- A day without a year ("March 1", "1 March") is its most recent occurrence not after today.
  "the 1st" is the 1st of this month, or of the previous month when that day is still to come.
  A weekday ("on Saturday") is its most recent occurrence up to today; "last Saturday" is the most
  recent one before today.
- "since X" runs from X to today; "between X and Y" / "from X to Y" are inclusive and put in order.
- Quarters are calendar quarters: "Q3" / "the third quarter" is the most recent one that has begun
  (ending today when it is the current one), "Q3 2026" the whole of it, "this quarter" from its first
  day to today, "last quarter" the whole previous one.
- Slash dates (3/4) are not understood: day-first and month-first readers disagree about them.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from shared.services.months import month_bounds, shift_month

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
# Full names and the abbreviations that are not also everyday words ("sat", "sun").
_WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
             "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sunday": 6}
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}

_MONTH = r"(?P<{g}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?P<{g}>(?:19|20)\d\d)"


def _date_pattern(tag: str) -> str:
    """One day, written as ISO, "March 1[, 2026]", "1[st] [of] March [2026]", "the 1st", a weekday,
    today or yesterday. Group names carry `tag` so two dates fit in one pattern."""
    t = tag
    return (
        rf"(?:(?P<iso{t}>(?:19|20)\d\d-\d{{1,2}}-\d{{1,2}})"
        rf"|{_MONTH.format(g='md_m' + t)}\s+(?P<md_d{t}>\d{{1,2}}){_ORD}\b"
        rf"(?:,?\s*{_YEAR.format(g='md_y' + t)})?"
        rf"|(?P<dm_d{t}>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH.format(g='dm_m' + t)}"
        rf"(?:,?\s*{_YEAR.format(g='dm_y' + t)})?"
        rf"|the\s+(?P<nth{t}>\d{{1,2}})(?:st|nd|rd|th)\b(?:\s+of\s+(?:the|this)\s+month)?"
        rf"|(?P<wdlast{t}>last\s+)?(?P<wd{t}>{'|'.join(sorted(_WEEKDAYS, key=len, reverse=True))})\b"
        rf"|(?P<rel{t}>today|tonight|this\s+morning|this\s+afternoon|this\s+evening|yesterday"
        rf"|the\s+day\s+before\s+yesterday))"
    )


_N = r"(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_UNIT = r"(?P<unit>days?|weeks?|months?|years?)"

_RANGE = re.compile(rf"\b(?:between|from)\s+{_date_pattern('1')}\s*(?:and|to|until|till|through|thru|-)\s+"
                    rf"{_date_pattern('2')}(?![\w-])")
_SINCE = re.compile(rf"\b(?:since|from|after)\s+(?:(?P<since_month>{'|'.join(_MONTHS)})\b(?!\s+\d)"
                    rf"|{_date_pattern('1')}(?![\w-]))")
_LAST_N = re.compile(rf"\b(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(?:last|past|previous|prior)\s+"
                     rf"(?:{_N}\s+)?{_UNIT}\b")
_THIS = re.compile(r"\b(?:(?:this|current|the\s+current)\s+(?P<unit>week|month|year)(?:\s+so\s+far|\s+to\s+date)?"
                   r"|(?P<todate>year|month|week)[\s-]+to[\s-]+date|(?P<abbr>ytd|mtd|wtd))\b")
_MONTH_YEAR = re.compile(rf"\b(?:in\s+|during\s+|for\s+|of\s+)?{_MONTH.format(g='m')}\s*,?\s*{_YEAR.format(g='y')}\b")
_MONTH_ALONE = re.compile(rf"\b(?P<prep>in|during|for|of|over|throughout)\s+{_MONTH.format(g='m')}(?![\w])(?!\s+\d)"
                          r"|\b(?P<bare>january|february|march|april|june|july|august|september|october"
                          r"|november|december)\b(?!\s+\d)")
# Not "for 2025": "bought a TV for 2000" is an amount.
_YEAR_ALONE = re.compile(rf"\b(?:in|during|over|throughout)\s+(?:the\s+year\s+)?{_YEAR.format(g='y')}\b")
_QUARTER_WORDS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_QUARTER = re.compile(r"\b(?:(?P<rel>this|current|last|previous)\s+quarter"
                      r"|q(?P<q>[1-4])(?:\s*,?\s*(?P<y>(?:19|20)\d\d))?"
                      r"|(?:the\s+)?(?P<qw>first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter"
                      r"(?:\s+(?:of\s+)?(?P<qy>(?:19|20)\d\d))?)\b")
_DAY = re.compile(rf"\b(?:on\s+)?{_date_pattern('1')}(?![\w-])")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str


@dataclass(frozen=True)
class Found:
    """A period found in a text, where it was (to blank it out before looking for other things),
    and whether it names a single day (so a recording can use it as its date)."""
    period: Period
    span: tuple[int, int]
    single_day: bool


def this_month(today: dt.date) -> Period:
    return Period(today.replace(day=1), today, "this month")


def default_period(today: dt.date) -> Period:
    """What a spending, income, net-savings, top-spending or budget question means when it names no
    period: this month so far."""
    return this_month(today)


def _day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "today"
    if day == today - dt.timedelta(days=1):
        return "yesterday"
    return f"{calendar.month_name[day.month]} {day.day}, {day.year}"


def _single(day: dt.date, today: dt.date) -> Period:
    return Period(day, day, _day_label(day, today))


def _month_period(year: int, month: int, today: dt.date, label: str | None = None, clip: bool = False) -> Period:
    start, end = month_bounds(year, month)
    if clip and end > today:
        end = today
    return Period(start, end, label or f"{calendar.month_name[month]} {year}")


def _last_n(unit: str, n: int, today: dt.date) -> Period:
    unit = unit.rstrip("s")
    if unit == "day":
        label = "today" if n == 1 else f"the last {n} days"
        return Period(today - dt.timedelta(days=n - 1), today, label)
    if unit == "week":
        this_monday = today - dt.timedelta(days=today.weekday())
        label = "last week" if n == 1 else f"the last {n} weeks"
        return Period(this_monday - dt.timedelta(weeks=n), this_monday - dt.timedelta(days=1), label)
    if unit == "month":
        y, m = shift_month(today.year, today.month, -n)
        start = dt.date(y, m, 1)
        label = "last month" if n == 1 else f"the last {n} months"
        return Period(start, today.replace(day=1) - dt.timedelta(days=1), label)
    label = "last year" if n == 1 else f"the last {n} years"
    return Period(dt.date(today.year - n, 1, 1), dt.date(today.year - 1, 12, 31), label)


def _this(unit: str, today: dt.date) -> Period:
    if unit == "week":
        return Period(today - dt.timedelta(days=today.weekday()), today, "this week")
    if unit == "month":
        return this_month(today)
    return Period(dt.date(today.year, 1, 1), today, "this year")


def _quarter(year: int, quarter: int, today: dt.date, clip: bool) -> Period:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = month_bounds(year, 3 * quarter)[1]
    if clip and end > today:
        end = today
    return Period(start, end, f"Q{quarter} {year}")


def _find_quarter(m: re.Match, today: dt.date) -> Period:
    current = (today.month - 1) // 3 + 1
    if m.group("rel"):
        if m.group("rel") in ("this", "current"):
            return replace(_quarter(today.year, current, today, clip=True), label="this quarter")
        year, quarter = (today.year, current - 1) if current > 1 else (today.year - 1, 4)
        return replace(_quarter(year, quarter, today, clip=False), label="last quarter")
    quarter = int(m.group("q")) if m.group("q") else _QUARTER_WORDS[m.group("qw")]
    year = m.group("y") or m.group("qy")
    if year:
        return _quarter(int(year), quarter, today, clip=False)
    return _quarter(today.year if quarter <= current else today.year - 1, quarter, today, clip=True)


def _most_recent_month(month: int, today: dt.date) -> int:
    return today.year if month <= today.month else today.year - 1


def _month_day(month: int, day: int, year: int | None, today: dt.date) -> dt.date | None:
    """A month and a day; without a year, the most recent such day not after today."""
    try:
        if year is not None:
            return dt.date(year, month, day)
        candidate = dt.date(today.year, month, day) if _valid(today.year, month, day) else None
        if candidate is not None and candidate <= today:
            return candidate
        for back in range(1, 5):  # Feb 29 may need up to four years
            if _valid(today.year - back, month, day):
                return dt.date(today.year - back, month, day)
    except ValueError:
        return None
    return None


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def nth_of_month(day: int, today: dt.date) -> dt.date | None:
    """"the 1st": this month's, or the previous month's when this month's is still to come (going
    back further when a month is too short, e.g. "the 31st" in early December is October 31)."""
    y, m = today.year, today.month
    for back in range(0, 4):
        yy, mm = shift_month(y, m, -back)
        if _valid(yy, mm, day):
            candidate = dt.date(yy, mm, day)
            if candidate <= today:
                return candidate
    return None


def _resolve_date(match: re.Match, tag: str, today: dt.date) -> dt.date | None:
    g = match.groupdict()
    if g.get("iso" + tag):
        try:
            return dt.date.fromisoformat(_pad_iso(g["iso" + tag]))
        except ValueError:
            return None
    if g.get("md_m" + tag):
        year = g.get("md_y" + tag)
        return _month_day(_MONTHS[g["md_m" + tag]], int(g["md_d" + tag]), int(year) if year else None, today)
    if g.get("dm_m" + tag):
        year = g.get("dm_y" + tag)
        return _month_day(_MONTHS[g["dm_m" + tag]], int(g["dm_d" + tag]), int(year) if year else None, today)
    if g.get("nth" + tag):
        return nth_of_month(int(g["nth" + tag]), today)
    if g.get("wd" + tag):
        back = (today.weekday() - _WEEKDAYS[g["wd" + tag]]) % 7
        if back == 0 and g.get("wdlast" + tag):
            back = 7
        return today - dt.timedelta(days=back)
    rel = g.get("rel" + tag)
    if rel:
        if rel == "yesterday":
            return today - dt.timedelta(days=1)
        if rel.startswith("the day"):
            return today - dt.timedelta(days=2)
        return today
    return None


def _pad_iso(text: str) -> str:
    y, m, d = text.split("-")
    return f"{y}-{int(m):02d}-{int(d):02d}"


def find_period(text: str, today: dt.date) -> Found | None:
    """The first period `text` names, most specific form first. `text` is expected lower-case."""
    m = _RANGE.search(text)
    if m and (found := _between(m, today)):
        return found
    m = _SINCE.search(text)
    if m:
        return _since(m, today)
    m = _LAST_N.search(text)
    if m and (found := _in_the_last(m, today)):
        return found
    m = _THIS.search(text)
    if m:
        unit = m.group("unit") or m.group("todate") or _TO_DATE[m.group("abbr")]
        return Found(_this(unit, today), m.span(), False)
    m = _QUARTER.search(text)
    if m:
        return Found(_find_quarter(m, today), m.span(), False)
    m = _MONTH_YEAR.search(text)
    if m:
        return Found(_month_period(int(m.group("y")), _MONTHS[m.group("m")], today), m.span(), False)
    m = _YEAR_ALONE.search(text)
    if m:
        return Found(_year(int(m.group("y")), today), m.span(), False)
    m = _DAY.search(text)
    day = _resolve_date(m, "1", today) if m else None
    if day:
        return Found(_single(day, today), m.span(), True)
    m = _MONTH_ALONE.search(text)
    if m:
        month = _MONTHS[m.group("m") or m.group("bare")]
        year = _most_recent_month(month, today)
        label = "this month" if (year, month) == (today.year, today.month) else None
        return Found(_month_period(year, month, today, label, clip=True), m.span(), False)
    return None


_TO_DATE = {"ytd": "year", "mtd": "month", "wtd": "week"}


def _between(m: re.Match, today: dt.date) -> Found | None:
    """"between X and Y" / "from X to Y", put in order; None when either is no day."""
    a, b = _resolve_date(m, "1", today), _resolve_date(m, "2", today)
    if not (a and b):
        return None
    if m.group("iso2") is None and m.group("md_y2") is None and m.group("dm_y2") is None and b < a:
        # "between December 1 and January 15": the end belongs to the year after the start
        b = _month_day(b.month, b.day, a.year + 1, today) or b
    a, b = min(a, b), max(a, b)
    return Found(Period(a, b, f"{_day_label(a, today)} to {_day_label(b, today)}"), m.span(), False)


def _since(m: re.Match, today: dt.date) -> Found | None:
    """"since X" up to today. None when X is still to come: then the text names no period (and not
    that day either)."""
    if m.group("since_month"):
        month = _MONTHS[m.group("since_month")]
        start = dt.date(_most_recent_month(month, today), month, 1)
    else:
        start = _resolve_date(m, "1", today)
    if start and start <= today:
        return Found(Period(start, today, f"since {_day_label(start, today)}"), m.span(), False)
    return None


def _in_the_last(m: re.Match, today: dt.date) -> Found | None:
    """"the last N days/weeks/months/years"; None for a count of none or over 120 years."""
    raw = m.group("n")
    n = 1 if raw is None else (_NUMBER_WORDS.get(raw) or int(raw))
    unit = m.group("unit")
    if not 1 <= n <= 120 * (365 if unit.startswith("day") else 1):
        return None
    return Found(_last_n(unit, n, today), m.span(), unit.startswith("day") and n == 1)


def _year(year: int, today: dt.date) -> Period:
    """A whole year; the current one up to today."""
    if year == today.year:
        return Period(dt.date(year, 1, 1), min(dt.date(year, 12, 31), today), "this year")
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))


_SLASH_DATE = re.compile(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?(?![\d/])")
_MONTH_DAY_WORDS = re.compile(rf"\b{_MONTH.format(g='m1')}\s+(?P<d1>\d{{1,2}}){_ORD}\b"
                              rf"|\b(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH.format(g='m2')}")


def impossible_date(text: str, today: dt.date) -> tuple[str, tuple[int, int]] | None:
    """A day written in the sentence that no calendar has ("31/02", "February 30"), with its span.

    A slash date is impossible when neither reading (day first, month first) is a real day; one that
    is real in some reading is left alone here (slash dates are not read as periods at all)."""
    for m in _SLASH_DATE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        year = int(m.group("y")) if m.group("y") else today.year
        year = year + 2000 if year < 100 else year
        if not (_valid(year, b, a) or _valid(year, a, b)):
            return m.group(0), m.span()
    for m in _MONTH_DAY_WORDS.finditer(text):
        month = _MONTHS[m.group("m1") or m.group("m2")]
        day = int(m.group("d1") or m.group("d2"))
        if not any(_valid(year, month, day) for year in range(today.year - 3, today.year + 1)):
            return m.group(0), m.span()
    return None
