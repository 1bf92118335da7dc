"""Reports, in the user's currency: the kept totals are read in SQL, converted in Python.

This is the service the HTTP routes, the finance assistant and the scheduled summaries call, so no
sum is written twice (`user` is the caller: its `id` and `currency`):

    ledger(session, user, start, end)                    -> Ledger (converted entries + missing_rates)
    totals(session, user, start, end, category_id=None)  -> Totals(income, expenses, net, count, missing_rates)
    by_category(session, user, start, end, kind=None)    -> [CategoryTotal]
    budget_status(session, user, month)                  -> [BudgetLine]
    monthly_report(session, user, month)                 -> MonthlyReport
    trend(session, user, granularity, start, end)        -> Trend [PeriodTotals] (every period, zeros included)
    spending_patterns(session, user, start, end)         -> SpendingPatterns

Rules shared by every figure:
- Dates are inclusive and calendar dates: a transaction belongs to the month, quarter and year of its
  `date` (a date, not a timestamp, so "23:59 on the 31st, local time" is simply the 31st).
- Transfers move money between the user's own accounts: never income, never expense. They count in
  `Totals.count` only (the summary's `transaction_count` is every transaction in the range).
- Every amount is converted into the user's currency at the rate of its own date (shared/services/fx.py);
  an amount whose currency has no rate at all is left out and named in `missing_rates`. Each figure
  is the exact sum of the converted amounts, rounded half-even to cents once.

How a report stays cheap whatever the history (the design, and why):
- The ledger (shared/services/balances.py) keeps, in step with every write, the sum and count per
  (user, month, type, category, currency) in `monthly_totals` and per (user, day, type, category,
  currency) in `daily_totals`.
- Amounts in the user's own currency need no rate, so whole months of them are read from
  `monthly_totals`: one row per month and category.
- Amounts in another currency must be converted at their own day's rate; every amount of one day in
  one currency has the same rate, so converting that day's sum is exact: they are read from
  `daily_totals`, one row per day, category and currency. The same table gives the user's own
  currency on the days of a partly covered first or last month.
- So a report reads at most (months x categories) + (days x categories x currencies) rows of its
  range, never `transactions`, and the rows do not grow with the number of transactions. It costs
  two statements: the kept totals (one UNION ALL), then the rates of the foreign currencies found (one
  query, none when there are none); rates are never cached, so a rate added later changes the answer
  at once. Spending patterns add the daily expenses per currency (weekdays) and the unusual-expense
  window query, which reads the range's expenses (partitioned by category and currency).
- Money stays exact: on SQLite the amount column is a scaled integer and SUM keeps it one; nothing
  multiplies money inside SQL (conversion and ratios are Decimal arithmetic in Python).
- The SQL is portable (SQLite, PostgreSQL, SQL Server); medians use ROW_NUMBER/COUNT windows instead
  of PERCENTILE_CONT.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    cast,
    func,
    join,
    literal,
    literal_column,
    null,
    or_,
    outerjoin,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from shared.data import prepared
from shared.data.models import Budget, Category, DailyTotal, MonthlyTotal, Transaction, User
from shared.services import callers, fx
from shared.services.months import (
    CalendarPeriod,
    month_period,
    next_month_start,
    parse_month,
    period_of,
    periods_between,
    previous_month_start,
    quarter_period,
    year_period,
)

Granularity = Literal["month", "quarter", "year"]
GRANULARITIES: tuple[str, ...] = ("month", "quarter", "year")
ZERO = Decimal("0.00")
FRACTION = Decimal("0.0001")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Unusually large expenses: above the category's median + UNUSUAL_MADS × MAD (median absolute
# deviation, a spread measure that one huge expense cannot inflate the way it inflates a standard
# deviation), among the category's expenses in the range, once it has MIN_SAMPLE of them.
UNUSUAL_MADS = 3
MIN_SAMPLE = 5


# --- periods (shared/services/months.py; named here too for the callers of this module) ----------

Period = CalendarPeriod


@lru_cache(maxsize=1024)
def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """(first day, last day) of the whole months inside [start, end], or None when there is none.
    Inclusive bounds, so nothing steps past the first or last day a date can name."""
    first_whole = start if start.day == 1 else next_month_start(start)
    if end == month_period(end.year, end.month).end:
        last_whole_end: dt.date | None = end
    else:
        previous = previous_month_start(end)
        last_whole_end = None if previous is None else month_period(previous.year, previous.month).end
    if first_whole is None or last_whole_end is None or first_whole > last_whole_end:
        return None
    return first_whole, last_whole_end


def ledger_query(user_id: int, home: str, start: dt.date, end: dt.date, category_id: int | None = None,
                 kinds: tuple[str, ...] | None = None):
    """The user's money movements between two dates (inclusive), pre-summed, as rows of
    (date, type, category_key, currency, total, n), from the kept totals only (never `transactions`):
    - amounts in the user's currency over whole months: one row per month and category
      (`monthly_totals`, dated the 1st);
    - every other amount: one row per day, category and currency (`daily_totals`): foreign amounts
      over the whole range (each day's sum is converted at that day's rate), and the user's own
      currency on the days of a partly covered first or last month."""
    stmt, values = ledger_statement(user_id, home, start, end, category_id, kinds)
    return stmt.params(values)


def ledger_statement(user_id: int, home: str, start: dt.date, end: dt.date, category_id: int | None = None,
                     kinds: tuple[str, ...] | None = None) -> tuple[Any, dict[str, Any]]:
    """`ledger_query` as (the statement built once for its shape, its parameters): executed as it is,
    with no per-request copy of the statement (`.params()` would clone it and key it again)."""
    stmt = _ledger_statement(whole_months(start, end) is not None, category_id is not None, kinds is not None)
    return stmt, _ledger_values(stmt, user_id, home, start, end, category_id, kinds)


def _ledger_values(stmt: Any, user_id: int, home: str | None, start: dt.date, end: dt.date,
                   category_id: int | None = None, kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    first_whole, last_whole_end = whole_months(start, end) or (None, None)
    values = {"user_id": user_id, "home": home, "start": start, "end": end, "first_whole": first_whole,
              "last_whole_end": last_whole_end, "category_id": category_id, "kinds": list(kinds or ())}
    return {k: v for k, v in values.items() if k in _LEDGER_PARAMS[stmt]}


_LEDGER_PARAMS: dict = {}


@lru_cache(maxsize=16)
def _ledger_statement(whole_months_inside: bool, by_category: bool, by_kind: bool, home_of_user: bool = False):
    """The ledger's statement for one shape of request, built once (values are bound parameters).
    `home_of_user`: the user's currency read from their row in the statement, not bound (for a
    statement that runs before the caller's row has been read)."""
    m, d = MonthlyTotal, DailyTotal
    p = {name: bindparam(name) for name in ("user_id", "home", "category_id")}
    if home_of_user:
        p["home"] = select(User.currency).where(User.id == p["user_id"]).scalar_subquery()
    start, end = bindparam("start", type_=Date), bindparam("end", type_=Date)
    first_whole, last_end = bindparam("first_whole", type_=Date), bindparam("last_whole_end", type_=Date)
    daily = select(d.day.label("date"), d.type.label("type"), d.category_key.label("category_key"),
                   d.currency.label("currency"), d.total.label("total"), d.count.label("n")).where(
        d.user_id == p["user_id"], d.day >= start, d.day <= end)
    parts = [(d, daily)]
    if whole_months_inside:
        daily = daily.where(or_(d.currency != p["home"], ~and_(d.day >= first_whole, d.day <= last_end)))
        monthly = select(m.month.label("date"), m.type.label("type"), m.category_key.label("category_key"),
                         m.currency.label("currency"), m.total.label("total"), m.count.label("n")).where(
            m.user_id == p["user_id"], m.currency == p["home"], m.month >= first_whole, m.month <= last_end)
        parts = [(m, monthly), (d, daily)]
    shaped = []
    for model, part in parts:
        if by_category:
            part = part.where(model.category_key == p["category_id"])
        if by_kind:
            part = part.where(model.type.in_(bindparam("kinds", expanding=True)))
        shaped.append(part)
    stmt = shaped[0] if len(shaped) == 1 else union_all(*shaped)
    _LEDGER_PARAMS[stmt] = set(stmt.compile().params)
    return stmt


@dataclass(frozen=True)
class Entry:
    """Movements of one day (or, in the user's currency, one whole month dated the 1st), one type
    and one category, in the user's currency: `amount` exact (not yet rounded), None when its
    currency has no rate (left out); transfers carry no amount, only their count."""

    date: dt.date
    type: str
    category_id: int | None
    amount: Decimal | None
    count: int


@dataclass(frozen=True)
class Ledger:
    currency: str
    entries: list[Entry]
    missing_rates: list[dict]


def tagged_query(user_id: int, start: dt.date, end: dt.date, tag: str, category_id: int | None = None):
    """Like `ledger_query`, for the transactions carrying `tag` (tags are not in the kept totals: the
    tagged transactions themselves, summed per day, type, category and currency)."""
    from shared.services.tags import has_tag

    t = Transaction
    stmt = (select(t.date.label("date"), t.type.label("type"), func.coalesce(t.category_id, 0).label("category_key"),
                   t.currency.label("currency"), func.sum(t.amount).label("total"), func.count().label("n"))
            .where(_owned_in_range(user_id, start, end), has_tag(tag))
            .group_by(t.date, t.type, t.category_id, t.currency))
    if category_id is not None:
        stmt = stmt.where(t.category_id == category_id)
    return stmt


def ledger(session: Session, user, start: dt.date, end: dt.date, category_id: int | None = None,
           kinds: tuple[str, ...] | None = None, tag: str | None = None) -> Ledger:
    """The converted movements of [start, end]: two statements (the kept totals, then the rates of
    the foreign currencies found), whatever the size of the user's history."""
    home = user.currency
    if tag is None:  # a Core statement built once: no ORM layer between it and the driver
        rows = prepared.run(session, *ledger_statement(user.id, home, start, end, category_id, kinds))
    else:
        rows = session.execute(tagged_query(user.id, start, end, tag, category_id)).all()
    return _book(session, user, rows, start, end)


def _book(session: Session, user, rows: Iterable[Any], start: dt.date, end: dt.date) -> Ledger:
    """The ledger of rows of (date, type, category_key, currency, total, n): converted to the user's
    currency at each day's rate (one statement for the rates of the foreign currencies found)."""
    home = user.currency
    rows = list(rows)
    foreign = {r.currency for r in rows if r.currency != home and r.type != "transfer"}
    convert = fx.Converter(fx.load_rates(session, user.id, home, foreign, start, end))
    entries = []
    for r in rows:
        if r.type == "transfer":
            amount: Decimal | None = ZERO
        elif r.currency == home:
            amount = r.total
        else:
            amount = convert(r.total, r.currency, r.date)
        entries.append(Entry(r.date, r.type, r.category_key or None, amount, int(r.n)))
    return Ledger(home, entries, convert.missing_rates())


def _dec(value) -> Decimal:
    return ZERO if value is None else fx.to_money(Decimal(value))


def _int(value) -> int:
    return int(value)  # EXTRACT is NUMERIC on PostgreSQL, an integer elsewhere


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """A fraction with 4 digits (half-even); None when the denominator is zero."""
    if not denominator:
        return None
    return (numerator / denominator).quantize(FRACTION, rounding=ROUND_HALF_EVEN)


def _owned_in_range(user_id: int, start: dt.date, end: dt.date):
    return and_(Transaction.user_id == user_id, Transaction.date >= start, Transaction.date <= end)


# --- totals -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    income: Decimal
    expenses: Decimal
    net: Decimal  # income − expenses
    count: int  # every transaction in the range, transfers included
    missing_rates: list[dict] = field(default_factory=list)


def _sum(entries: Iterable[Entry], kind: str) -> Decimal:
    return sum((e.amount for e in entries if e.type == kind and e.amount is not None), Decimal(0))


def totals_of(book: Ledger) -> Totals:
    income, expenses = _dec(_sum(book.entries, "income")), _dec(_sum(book.entries, "expense"))
    return Totals(income, expenses, income - expenses, sum(e.count for e in book.entries), book.missing_rates)


def totals(session: Session, user, start: dt.date, end: dt.date, category_id: int | None = None,
           tag: str | None = None) -> Totals:
    """Income, expenses, net and the number of transactions between two dates (inclusive), in the
    user's currency; each figure is the exact sum of the converted amounts, rounded once."""
    return totals_of(ledger(session, user, start, end, category_id, tag=tag))


# --- by category --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryTotal:
    category_id: int | None  # None: transactions without a category
    name: str
    kind: str  # income | expense
    total: Decimal
    count: int


UNCATEGORIZED = "Uncategorized"


def categories_of(book: Ledger, names: dict[int | None, str], kind: str | None = None) -> list[CategoryTotal]:
    """Totals per category (income and expense, or one `kind`): expense first, largest first."""
    sums: dict[tuple[str, int | None], list] = {}
    for e in book.entries:
        if e.type not in ("income", "expense") or (kind and e.type != kind) or e.amount is None:
            continue
        entry = sums.setdefault((e.type, e.category_id), [Decimal(0), 0])
        entry[0] += e.amount
        entry[1] += e.count
    out = [CategoryTotal(c, names.get(c, UNCATEGORIZED), k, _dec(total), n)
           for (k, c), (total, n) in sums.items() if n > 0]
    return sorted(out, key=lambda c: (c.kind, -c.total, c.name, c.category_id or 0))


def by_category(session: Session, user, start: dt.date, end: dt.date,
                kind: str | None = None) -> list[CategoryTotal]:
    """Totals per category (income and expense, or one `kind`): expense first, largest first."""
    kinds = (kind,) if kind else ("income", "expense")
    return categories_of(ledger(session, user, start, end, kinds=kinds), _names(session, user.id), kind)


# --- budgets ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetLine:
    category_id: int
    name: str
    budgeted: Decimal
    actual: Decimal
    remaining: Decimal  # budgeted − actual; negative when over
    over_budget: bool


def budget_query(user_id: int, month: str):
    return (
        select(Budget.category_id, Category.name, Budget.amount)
        .join(Category, Category.id == Budget.category_id)
        .where(Budget.user_id == user_id, Budget.month == month)
        .order_by(Category.name, Budget.category_id)
    )


def spent_by_month_and_category(book: Ledger) -> dict[tuple[str, int | None], Decimal]:
    """Expenses per (month, category), converted and rounded once per figure."""
    spent: dict[tuple[str, int | None], Decimal] = {}
    for e in book.entries:
        if e.type == "expense" and e.amount is not None:
            key = (period_of(e.date, "month").key, e.category_id)
            spent[key] = spent.get(key, Decimal(0)) + e.amount
    return {key: _dec(v) for key, v in spent.items()}


def spent_by_category(book: Ledger) -> dict[int | None, Decimal]:
    """Expenses per category over the ledger's range, converted and rounded once per category."""
    spent: dict[int | None, Decimal] = {}
    for e in book.entries:
        if e.type == "expense" and e.amount is not None:
            spent[e.category_id] = spent.get(e.category_id, Decimal(0)) + e.amount
    return {c: _dec(v) for c, v in spent.items()}


def budget_lines(session: Session, user_id: int, month: str, spent: dict[int | None, Decimal]) -> list[BudgetLine]:
    return _budget_lines(session.execute(budget_query(user_id, month)), spent)


def _budget_lines(rows: Iterable[Any], spent: dict[int | None, Decimal]) -> list[BudgetLine]:
    """Budget lines from rows of (category_id, name, amount), in the rows' order."""
    lines = []
    for r in rows:
        budgeted, actual = _dec(r.amount), spent.get(r.category_id, ZERO)
        lines.append(BudgetLine(r.category_id, r.name, budgeted, actual, budgeted - actual, actual > budgeted))
    return lines


@lru_cache(maxsize=1)
def names_and_budgets_query():
    """Every category of the user with its budget for one month (NULL when none), by name: the
    monthly report's names and budget lines in one statement, built once (bound parameters)."""
    budgeted = and_(Budget.category_id == Category.id, Budget.user_id == Category.user_id,
                    Budget.month == bindparam("month"))
    return (select(Category.id.label("category_id"), Category.name, Budget.amount)
            .outerjoin(Budget, budgeted)
            .where(Category.user_id == bindparam("user_id"))
            .order_by(Category.name, Category.id))


_LEDGER_COLUMNS = ("date", "type", "category_key", "currency", "total", "n")


@lru_cache(maxsize=2)
def monthly_checked(whole_months_inside: bool = True):
    """The monthly report in one statement for a caller not checked yet (shared/services/callers.py),
    three parts in one UNION ALL told apart by `part`:
    0. the caller's columns (no such row when the check failed: 401);
    1. the categories with a budget for the month, with it (as `names_and_budgets_query`, less the
       categories without one);
    2. the ledger's rows (`_ledger_statement`, the home currency read from the caller's row), each
       with its category's name (NULL when uncategorized).
    Only the names the answer shows are read: not one row per category the user has. Each part's
    columns are NULL in the others' rows, typed as the columns they stand for; the caller's are read
    (and converted) once. The rows are the token's user's: when the check fails none is answered.
    (A few names sorted: their order never came from an index.)"""
    ledger_part = _ledger_statement(whole_months_inside, False, False, home_of_user=True)
    ledger_selects = list(ledger_part.selects) if hasattr(ledger_part, "selects") else [ledger_part]
    typed = {name: ledger_selects[0].selected_columns[name].type for name in _LEDGER_COLUMNS}
    # Typed NULLs (CAST): PostgreSQL resolves a UNION's column types part by part, left to right, and
    # two untyped NULLs in a row would resolve as text before the ledger's dates arrive.
    ledger_blanks = [cast(null(), typed[name]).label(name) for name in _LEDGER_COLUMNS]
    caller_columns = [c.label(f"caller_{c.name}") for c in callers.CALLER_COLUMNS]

    def blank(columns):
        return [cast(null(), c.type).label(c.name) for c in columns]

    budget_columns = (Category.id.label("category_id"), Category.name, Budget.amount)
    caller = (select(literal(0).label("part"), *caller_columns, *blank(budget_columns), *ledger_blanks)
              .select_from(callers.checked_from()).where(*callers.CONDITIONS))
    budgeted = (select(literal(1).label("part"), *blank(caller_columns), *budget_columns, *ledger_blanks)
                .select_from(join(Category, Budget, and_(Budget.category_id == Category.id,
                                                         Budget.user_id == Category.user_id)))
                .where(Category.user_id == bindparam("user_id"), Budget.month == bindparam("month")))
    parts = [caller, budgeted]
    for part in ledger_selects:
        totals = part.get_final_froms()[0]
        named = and_(Category.id == totals.c.category_key, Category.user_id == totals.c.user_id)
        category_id, name, amount = budget_columns
        parts.append(part.with_only_columns(
            literal(2).label("part"), *blank(caller_columns), *blank([category_id]), name, *blank([amount]),
            *part.selected_columns).select_from(outerjoin(totals, Category, named)))
    stmt = union_all(*parts).order_by(literal_column("part"), literal_column("name"), literal_column("category_id"))
    _LEDGER_PARAMS[stmt] = set(stmt.compile().params)
    return stmt


def _monthly_rows(session: Session, user, period) -> tuple[dict[int | None, str], list[Any], Ledger]:
    """The names the month's answer shows, its budget rows (category_id, name, amount, by name), and its
    ledger; one statement carrying the caller's check when a read has not run it yet (one round trip
    instead of two)."""
    waiting = callers.pending(user)
    if waiting is None:
        rows = prepared.run(session, names_and_budgets_query(), {"user_id": user.id, "month": period.key})
        names = {r.category_id: r.name for r in rows}
        return names, [r for r in rows if r.amount is not None], ledger(session, user, period.start, period.end)
    stmt = monthly_checked(whole_months(period.start, period.end) is not None)
    values = {**_ledger_values(stmt, user.id, None, period.start, period.end), **waiting.check, "month": period.key}
    rows = prepared.run(session, stmt, values)
    caller = next((row for row in rows if row.part == 0), None)
    waiting.confirmed_by(caller[1:] if caller is not None else None)  # no caller row: the check failed (401)
    budget_rows = [row for row in rows if row.part == 1]
    entries = [row for row in rows if row.part == 2]
    names = {row.category_key: row.name for row in entries if row.name is not None}
    names.update((row.category_id, row.name) for row in budget_rows)
    return names, budget_rows, _book(session, user, entries, period.start, period.end)


def budget_status(session: Session, user, month: str) -> list[BudgetLine]:
    period = parse_month(month)
    book = ledger(session, user, period.start, period.end, kinds=("expense",))
    return budget_lines(session, user.id, month, spent_by_category(book))


# --- the monthly report -------------------------------------------------------------------------

@dataclass(frozen=True)
class MonthlyReport:
    month: str
    total_income: Decimal
    total_expenses: Decimal
    net_savings: Decimal
    savings_rate: Decimal | None  # net_savings / total_income; None without income
    by_category: list[CategoryTotal]
    budgets: list[BudgetLine]
    transaction_count: int
    currency: str = ""
    missing_rates: list[dict] = field(default_factory=list)


def monthly_report(session: Session, user, month: str) -> MonthlyReport:
    """One ledger read (plus rates, names, budgets): a fixed number of statements."""
    period = parse_month(month)
    names, budget_rows, book = _monthly_rows(session, user, period)
    t = totals_of(book)
    names[None] = UNCATEGORIZED
    return MonthlyReport(
        month=period.key, total_income=t.income, total_expenses=t.expenses, net_savings=t.net,
        savings_rate=ratio(t.net, t.income), by_category=categories_of(book, names),
        budgets=_budget_lines(budget_rows, spent_by_category(book)),
        transaction_count=t.count, currency=book.currency, missing_rates=book.missing_rates,
    )


# --- trend --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodTotals:
    period: str
    start: dt.date
    end: dt.date
    income: Decimal
    expenses: Decimal

    @property
    def net(self) -> Decimal:
        return self.income - self.expenses

    @property
    def outcome(self) -> str:
        return "savings" if self.net >= 0 else "loss"


class Trend(list):
    """The periods (a list of PeriodTotals), with the currencies left out for want of a rate."""

    missing_rates: list[dict]


def trend(session: Session, user, granularity: str, start: dt.date, end: dt.date) -> Trend:
    """Income and expenses per period; every period overlapping the range is present (zeros when
    empty), and the first and last count only the days inside the range."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    book = ledger(session, user, start, end, kinds=("income", "expense"))
    found: dict[str, list[Decimal]] = {}
    for e in book.entries:
        if e.amount is None:
            continue
        sums = found.setdefault(period_of(e.date, granularity).key, [Decimal(0), Decimal(0)])
        sums[0 if e.type == "income" else 1] += e.amount
    out = Trend(
        PeriodTotals(p.key, max(p.start, start), min(p.end, end),
                     *(_dec(v) for v in found.get(p.key, (ZERO, ZERO))))
        for p in periods_between(start, end, granularity)
    )
    out.missing_rates = book.missing_rates
    return out


# --- spending patterns --------------------------------------------------------------------------

@dataclass(frozen=True)
class TopCategory:
    category_id: int | None
    name: str
    total: Decimal
    count: int
    share: Decimal | None  # of all expenses in the range


@dataclass(frozen=True)
class MonthChange:
    month: str
    total: Decimal
    change: Decimal | None  # total − previous month's total; None for the first month
    change_rate: Decimal | None  # change / previous month's total; None when that was zero


@dataclass(frozen=True)
class CategoryMonths:
    category_id: int | None
    name: str
    months: list[MonthChange]


@dataclass(frozen=True)
class WeekdaySpending:
    weekday: int  # 0 = Monday … 6 = Sunday
    name: str
    total: Decimal
    count: int


@dataclass(frozen=True)
class UnusualExpense:
    transaction_id: int
    date: dt.date
    category_id: int | None
    name: str
    amount: Decimal
    description: str | None
    category_median: Decimal
    category_mad: Decimal
    threshold: Decimal  # median + 3 × MAD; the amount is above it


@dataclass(frozen=True)
class SpendingPatterns:
    date_from: dt.date
    date_to: dt.date
    total_expenses: Decimal
    top_categories: list[TopCategory]
    month_over_month: list[CategoryMonths]
    by_weekday: list[WeekdaySpending]
    unusual_expenses: list[UnusualExpense]
    missing_rates: list[dict] = field(default_factory=list)
    unusual_rule: str = field(default=(
        f"an expense is unusual when its amount exceeds its category's median + {UNUSUAL_MADS} × MAD "
        f"(median absolute deviation) over the expenses of that category in the range, once the category "
        f"has at least {MIN_SAMPLE} of them; uncategorized expenses form one group; amounts are compared "
        f"within their own currency"))


def weekday_query(user_id: int, start: dt.date, end: dt.date):
    """Expenses per day and currency in the range, from the kept daily totals (weekdays are taken in
    Python after conversion: each day's sum at that day's rate)."""
    d = DailyTotal
    return (
        select(d.day, d.currency, func.sum(d.total).label("total"), func.sum(d.count).label("count"))
        .where(d.user_id == user_id, d.day >= start, d.day <= end, d.type == "expense")
        .group_by(d.day, d.currency)
    )


def unusual_query(user_id: int, start: dt.date, end: dt.date, limit: int = 20):
    """Expenses above the median + 3 × MAD of their category's expenses in the same currency,
    computed with window functions; the `limit` largest of each currency (the caller converts them
    and keeps the largest overall).

    Only additions and comparisons touch money (exact on every backend): with m the median,
    `med2` = 2m (the two middle amounts added), `dev2` = |2x − 2m|, and `mad4` = 4 × MAD (the two
    middle `dev2` added); then x > m + 3 MAD  ⇔  4(x − m) > 12 MAD  ⇔  2·(2x − 2m) > 3 · mad4.
    """
    t = Transaction
    group = func.coalesce(t.category_id, 0)
    e = (
        select(t.id, t.category_id, t.date, t.amount, t.currency, t.description, group.label("g"),
               func.row_number().over(partition_by=(group, t.currency), order_by=(t.amount, t.id)).label("rn"),
               func.count().over(partition_by=(group, t.currency)).label("n"))
        .where(_owned_in_range(user_id, start, end), t.type == "expense")
        .cte("e")
    )
    low, high = (e.c.n + 1) // 2, (e.c.n + 2) // 2  # the middle row numbers (equal when n is odd)
    med = (
        select(e.c.g, e.c.currency, (func.max(case((e.c.rn == low, e.c.amount)))
                                     + func.max(case((e.c.rn == high, e.c.amount)))).label("med2"))
        .group_by(e.c.g, e.c.currency)
        .cte("med")
    )
    signed = e.c.amount + e.c.amount - med.c.med2
    spread = func.abs(signed, type_=t.amount.type)
    d = (
        select(e.c.id, e.c.g, e.c.currency, e.c.n, signed.label("s2"), spread.label("dev2"), med.c.med2,
               func.row_number().over(partition_by=(e.c.g, e.c.currency), order_by=(spread, e.c.id)).label("rn"))
        .join_from(e, med, and_(med.c.g == e.c.g, med.c.currency == e.c.currency))
        .cte("d")
    )
    d_low, d_high = (d.c.n + 1) // 2, (d.c.n + 2) // 2
    mad = (
        select(d.c.g, d.c.currency, (func.max(case((d.c.rn == d_low, d.c.dev2)))
                                     + func.max(case((d.c.rn == d_high, d.c.dev2)))).label("mad4"))
        .group_by(d.c.g, d.c.currency)
        .cte("mad")
    )
    found = (
        select(e.c.id, e.c.date, e.c.category_id, Category.name, e.c.amount, e.c.currency, e.c.description,
               d.c.med2, mad.c.mad4,
               func.row_number().over(partition_by=e.c.currency, order_by=(e.c.amount.desc(), e.c.id)).label("top"))
        .select_from(e)
        .join(d, d.c.id == e.c.id)
        .join(mad, and_(mad.c.g == e.c.g, mad.c.currency == e.c.currency))
        .outerjoin(Category, Category.id == e.c.category_id)
        .where(e.c.n >= MIN_SAMPLE, d.c.s2 + d.c.s2 > mad.c.mad4 + mad.c.mad4 + mad.c.mad4)
        .subquery("found")
    )
    return select(found).where(found.c.top <= limit)


def _names(session: Session, user_id: int) -> dict[int | None, str]:
    rows = session.connection().execute(_NAMES, {"user_id": user_id})
    return {None: UNCATEGORIZED, **{r.id: r.name for r in rows}}


_NAMES = select(Category.id, Category.name).where(Category.user_id == bindparam("user_id"))


def spending_patterns(session: Session, user, start: dt.date, end: dt.date, *, top: int = 5,
                      unusual_limit: int = 20) -> SpendingPatterns:
    book = ledger(session, user, start, end, kinds=("expense",))
    names = _names(session, user.id)
    expenses = categories_of(book, names, "expense")
    total_expenses = _dec(_sum(book.entries, "expense"))
    top_categories = [TopCategory(c.category_id, c.name, c.total, c.count, ratio(c.total, total_expenses))
                      for c in expenses[:top]]

    months = periods_between(start, end, "month")
    exact: dict[int | None, dict[str, Decimal]] = {}
    for e in book.entries:
        if e.amount is not None:
            by_month = exact.setdefault(e.category_id, {})
            key = period_of(e.date, "month").key
            by_month[key] = by_month.get(key, Decimal(0)) + e.amount
    month_over_month = []
    for c in expenses:  # largest spending first
        totals_by_month = {k: _dec(v) for k, v in exact.get(c.category_id, {}).items()}
        changes, previous = [], None
        for p in months:
            total = totals_by_month.get(p.key, ZERO)
            change = None if previous is None else total - previous
            changes.append(MonthChange(p.key, total, change, None if previous is None else ratio(change, previous)))
            previous = total
        month_over_month.append(CategoryMonths(c.category_id, c.name, changes))

    days = session.execute(weekday_query(user.id, start, end)).all()
    unusual_rows = session.execute(unusual_query(user.id, start, end, unusual_limit)).all()
    foreign = {r.currency for r in (*days, *unusual_rows)} - {user.currency}
    convert = fx.Converter(fx.load_rates(session, user.id, user.currency, foreign, start, end))
    weekdays: dict[int, list] = {}
    for r in days:
        amount = convert(r.total, r.currency, r.day)
        entry = weekdays.setdefault(r.day.weekday(), [Decimal(0), 0])
        entry[0] += amount or 0
        entry[1] += int(r.count) if amount is not None else 0
    by_weekday = [WeekdaySpending(i, WEEKDAYS[i], _dec(weekdays.get(i, [ZERO])[0]), weekdays.get(i, [0, 0])[1])
                  for i in range(7)]

    unusual = []
    for r in unusual_rows:
        rate = convert.table.rate(r.currency, r.date)
        if rate is None:
            continue
        median, mad = Decimal(r.med2) / 2 * rate, Decimal(r.mad4) / 4 * rate
        unusual.append(UnusualExpense(
            r.id, r.date, r.category_id, r.name or UNCATEGORIZED, _dec(r.amount * rate), r.description,
            median.quantize(FRACTION), mad.quantize(FRACTION), (median + UNUSUAL_MADS * mad).quantize(FRACTION)))
    unusual.sort(key=lambda u: (-u.amount, u.transaction_id))

    missing = {m["currency"]: m["first_date"] for m in (*book.missing_rates, *convert.missing_rates())}
    for currency, day in missing.items():
        convert.note_missing(currency, day)
    return SpendingPatterns(start, end, total_expenses, top_categories, month_over_month, by_weekday,
                            unusual[:unusual_limit], missing_rates=convert.missing_rates())


__all__ = [
    "Totals", "CategoryTotal", "BudgetLine", "MonthlyReport", "PeriodTotals", "SpendingPatterns", "Period",
    "totals", "by_category", "budget_status", "monthly_report", "trend", "spending_patterns",
    "period_of", "periods_between", "month_period", "quarter_period", "year_period", "parse_month", "ratio",
]
