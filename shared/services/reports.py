"""Reports: every figure is one SQL aggregate (GROUP BY in the database), never a loop over rows.

This is the service the HTTP routes and the finance assistant both call, so no sum is written twice:

    totals(session, user_id, start, end, category_id=None) -> Totals(income, expenses, net, count)
    by_category(session, user_id, start, end, kind=None)   -> [CategoryTotal]
    budget_status(session, user_id, month)                  -> [BudgetLine]
    monthly_report(session, user_id, month)                 -> MonthlyReport
    trend(session, user_id, granularity, start, end)        -> [PeriodTotals]  (every period, zeros included)
    spending_patterns(session, user_id, start, end)         -> SpendingPatterns

Rules shared by every figure:
- Dates are inclusive and calendar dates: a transaction belongs to the month, quarter and year of its
  `date` (a date, not a timestamp, so "23:59 on the 31st, local time" is simply the 31st).
- Transfers move money between the user's own accounts: never income, never expense. They count in
  `Totals.count` only (the summary's `transaction_count` is every transaction in the range).
- Whole months are read from `monthly_totals` (kept in step with every write by shared/services/balances.py),
  and only the days of a partly covered first or last month from `transactions`: a report costs
  what its range holds, not what the user's whole history holds.
- Money stays exact: on SQLite the amount column is a scaled integer and SUM keeps it one, so nothing
  here multiplies or divides money inside SQL (ratios are taken in Python from exact aggregates).
- The SQL is portable (SQLite, PostgreSQL, SQL Server): periods come from EXTRACT (rendered per
  dialect by SQLAlchemy), buckets are labelled in a subquery and grouped in the outer query (SQL
  Server refuses a GROUP BY expression that repeats a bound parameter), the weekday is a small
  @compiles construct, and medians use ROW_NUMBER/COUNT windows instead of PERCENTILE_CONT.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from sqlalchemy import Date, Integer, and_, case, cast, extract, func, literal, literal_column, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from shared.data.models import Budget, Category, MonthlyTotal, Transaction
from shared.services.months import (
    CalendarPeriod,
    month_period,
    next_month_start,
    previous_month_start,
    parse_month,
    period_of,
    periods_between,
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


# --- portable SQL pieces ------------------------------------------------------------------------

class iso_weekday(FunctionElement):  # noqa: N801 - reads like an SQL function
    """0 = Monday … 6 = Sunday, the same on every database (SQL Server's DATEPART(weekday) depends
    on the session's DATEFIRST, so it counts days from a known Monday instead)."""

    type = Integer()
    inherit_cache = True
    name = "iso_weekday"


@compiles(iso_weekday)
def _weekday_default(element, compiler, **kw):  # PostgreSQL: ISODOW is 1 = Monday … 7 = Sunday
    (day,) = element.clauses
    return compiler.process(cast(extract("isodow", day), Integer) - 1, **kw)


@compiles(iso_weekday, "sqlite")
def _weekday_sqlite(element, compiler, **kw):  # %w is 0 = Sunday … 6 = Saturday
    (day,) = element.clauses
    return compiler.process((cast(func.strftime("%w", day), Integer) + 6) % 7, **kw)


@compiles(iso_weekday, "mssql")
def _weekday_mssql(element, compiler, **kw):  # 1900-01-01 was a Monday
    (day,) = element.clauses
    monday = literal_column("CAST('19000101' AS DATE)", Date)
    return compiler.process(func.datediff(literal_column("day"), monday, day) % 7, **kw)


def _money_sum(condition, amount=None):
    """SUM of the amounts matching `condition` (NULL when none: the caller reads it as zero)."""
    return func.sum(case((condition, Transaction.amount if amount is None else amount)))


def transactions_in_range(user_id: int, start: dt.date, end: dt.date):
    """The user's money movements between two dates (inclusive), as rows of
    (date, type, category_id, amount, n): whole months come pre-summed from monthly_totals (dated
    the 1st), the days of a partly covered first or last month come from transactions (n = 1).
    Bounds are inclusive so that nothing steps past the first or last day a date can name."""
    first_whole = start if start.day == 1 else next_month_start(start)
    end_is_month_end = end == month_period(end.year, end.month).end
    last_whole = end.replace(day=1) if end_is_month_end else previous_month_start(end)
    raw = select(Transaction.date.label("date"), Transaction.type.label("type"),
                 Transaction.category_id.label("category_id"), Transaction.amount.label("amount"),
                 literal(1, Integer).label("n"))
    if first_whole is None or last_whole is None or first_whole > last_whole:  # no whole month inside
        return raw.where(_owned_in_range(user_id, start, end)).subquery("ledger")
    last_whole_end = month_period(last_whole.year, last_whole.month).end
    whole = select(MonthlyTotal.month.label("date"), MonthlyTotal.type.label("type"),
                   func.nullif(MonthlyTotal.category_key, 0).label("category_id"), MonthlyTotal.total.label("amount"),
                   MonthlyTotal.count.label("n")).where(
        MonthlyTotal.user_id == user_id, MonthlyTotal.month >= first_whole, MonthlyTotal.month <= last_whole)
    edges = raw.where(Transaction.user_id == user_id, (
        and_(Transaction.date >= start, Transaction.date < first_whole)
        | and_(Transaction.date > last_whole_end, Transaction.date <= end)))
    return union_all(whole, edges).subquery("ledger")


def _dec(value) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(ZERO)


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


def totals_query(user_id: int, start: dt.date, end: dt.date, category_id: int | None = None,
                 tag: str | None = None):
    if tag is None:
        rows = transactions_in_range(user_id, start, end)
    else:  # tags are not kept in the monthly totals: the tagged transactions themselves
        from shared.services.tags import has_tag

        rows = select(Transaction.type.label("type"), Transaction.category_id.label("category_id"),
                      Transaction.amount.label("amount"), literal(1, Integer).label("n")).where(
            _owned_in_range(user_id, start, end), has_tag(tag)).subquery("tagged")
    stmt = select(
        _money_sum(rows.c.type == "income", rows.c.amount).label("income"),
        _money_sum(rows.c.type == "expense", rows.c.amount).label("expenses"),
        func.coalesce(func.sum(rows.c.n), 0).label("count"),
    )
    if category_id is not None:
        stmt = stmt.where(rows.c.category_id == category_id)
    return stmt


def totals(session: Session, user_id: int, start: dt.date, end: dt.date,
           category_id: int | None = None, tag: str | None = None) -> Totals:
    """Income, expenses, net and the number of transactions between two dates (inclusive)."""
    row = session.execute(totals_query(user_id, start, end, category_id, tag)).one()
    income, expenses = _dec(row.income), _dec(row.expenses)
    return Totals(income, expenses, income - expenses, int(row.count))


# --- by category --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryTotal:
    category_id: int | None  # None: transactions without a category
    name: str
    kind: str  # income | expense
    total: Decimal
    count: int


UNCATEGORIZED = "Uncategorized"


def by_category_query(user_id: int, start: dt.date, end: dt.date, kind: str | None = None):
    kinds = [kind] if kind else ["income", "expense"]
    rows = transactions_in_range(user_id, start, end)
    total = func.sum(rows.c.amount)
    return (
        select(rows.c.category_id, Category.name, rows.c.type, total.label("total"),
               func.sum(rows.c.n).label("count"))
        .select_from(rows)
        .outerjoin(Category, Category.id == rows.c.category_id)
        .where(rows.c.type.in_(kinds))
        .group_by(rows.c.category_id, Category.name, rows.c.type)
        .having(func.sum(rows.c.n) > 0)
        .order_by(rows.c.type, total.desc(), Category.name, rows.c.category_id)  # expense < income
    )


def by_category(session: Session, user_id: int, start: dt.date, end: dt.date,
                kind: str | None = None) -> list[CategoryTotal]:
    """Totals per category (income and expense, or one `kind`): expense first, largest first."""
    return [
        CategoryTotal(r.category_id, r.name or UNCATEGORIZED, r.type, _dec(r.total), int(r.count))
        for r in session.execute(by_category_query(user_id, start, end, kind))
    ]


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
    period = parse_month(month)
    rows = transactions_in_range(user_id, period.start, period.end)
    spent = func.sum(rows.c.amount)
    return (
        select(Budget.category_id, Category.name, Budget.amount, spent.label("actual"))
        .select_from(Budget)
        .join(Category, Category.id == Budget.category_id)
        .outerjoin(rows, and_(rows.c.category_id == Budget.category_id, rows.c.type == "expense"))
        .where(Budget.user_id == user_id, Budget.month == month)
        .group_by(Budget.id, Budget.category_id, Category.name, Budget.amount)
        .order_by(Category.name, Budget.category_id)
    )


def budget_status(session: Session, user_id: int, month: str) -> list[BudgetLine]:
    lines = []
    for r in session.execute(budget_query(user_id, month)):
        budgeted, actual = _dec(r.amount), _dec(r.actual)
        lines.append(BudgetLine(r.category_id, r.name, budgeted, actual, budgeted - actual, actual > budgeted))
    return lines


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


def monthly_report(session: Session, user_id: int, month: str) -> MonthlyReport:
    period = parse_month(month)
    t = totals(session, user_id, period.start, period.end)
    return MonthlyReport(
        month=period.key, total_income=t.income, total_expenses=t.expenses, net_savings=t.net,
        savings_rate=ratio(t.net, t.income), by_category=by_category(session, user_id, period.start, period.end),
        budgets=budget_status(session, user_id, period.key), transaction_count=t.count,
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


def _quarter_of(month_expr):
    return case((month_expr <= 3, 1), (month_expr <= 6, 2), (month_expr <= 9, 3), else_=4)


def trend_query(user_id: int, granularity: str, start: dt.date, end: dt.date):
    """(year, bucket, income, expenses) per period with activity; bucket is the month, the quarter, or 0."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    rows = transactions_in_range(user_id, start, end)
    month = extract("month", rows.c.date)
    bucket = {"month": month, "quarter": _quarter_of(month), "year": literal_column("0", Integer)}[granularity]
    labelled = (
        select(extract("year", rows.c.date).label("y"), bucket.label("b"), rows.c.type, rows.c.amount)
        .where(rows.c.type.in_(["income", "expense"]))
        .subquery("labelled")
    )
    return (
        select(labelled.c.y, labelled.c.b,
               _money_sum(labelled.c.type == "income", labelled.c.amount).label("income"),
               _money_sum(labelled.c.type == "expense", labelled.c.amount).label("expenses"))
        .group_by(labelled.c.y, labelled.c.b)
    )


def _key(granularity: str, year: int, bucket: int) -> str:
    if granularity == "month":
        return f"{year:04d}-{bucket:02d}"
    if granularity == "quarter":
        return f"{year:04d}-Q{bucket}"
    return f"{year:04d}"


def trend(session: Session, user_id: int, granularity: str, start: dt.date, end: dt.date) -> list[PeriodTotals]:
    """Income and expenses per period; every period overlapping the range is present (zeros when
    empty), and the first and last count only the days inside the range."""
    found = {
        _key(granularity, _int(r.y), _int(r.b)): (_dec(r.income), _dec(r.expenses))
        for r in session.execute(trend_query(user_id, granularity, start, end))
    }
    return [
        PeriodTotals(p.key, max(p.start, start), min(p.end, end), *found.get(p.key, (ZERO, ZERO)))
        for p in periods_between(start, end, granularity)
    ]


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
    unusual_rule: str = field(default=(
        f"an expense is unusual when its amount exceeds its category's median + {UNUSUAL_MADS} × MAD "
        f"(median absolute deviation) over the expenses of that category in the range, once the category "
        f"has at least {MIN_SAMPLE} of them; uncategorized expenses form one group"))


def category_month_query(user_id: int, start: dt.date, end: dt.date):
    labelled = (
        select(Transaction.category_id.label("c"), extract("year", Transaction.date).label("y"),
               extract("month", Transaction.date).label("m"), Transaction.amount)
        .where(_owned_in_range(user_id, start, end), Transaction.type == "expense")
        .subquery("labelled")
    )
    return (
        select(labelled.c.c, labelled.c.y, labelled.c.m, func.sum(labelled.c.amount).label("total"))
        .group_by(labelled.c.c, labelled.c.y, labelled.c.m)
    )


def weekday_query(user_id: int, start: dt.date, end: dt.date):
    labelled = (
        select(iso_weekday(Transaction.date).label("d"), Transaction.amount)
        .where(_owned_in_range(user_id, start, end), Transaction.type == "expense")
        .subquery("labelled")
    )
    return (
        select(labelled.c.d, func.sum(labelled.c.amount).label("total"), func.count().label("count"))
        .group_by(labelled.c.d)
    )


def unusual_query(user_id: int, start: dt.date, end: dt.date, limit: int = 20):
    """Expenses above their category's median + 3 × MAD, computed with window functions.

    Only additions and comparisons touch money (exact on every backend): with m the median,
    `med2` = 2m (the two middle amounts added), `dev2` = |2x − 2m|, and `mad4` = 4 × MAD (the two
    middle `dev2` added); then x > m + 3 MAD  ⇔  4(x − m) > 12 MAD  ⇔  2·(2x − 2m) > 3 · mad4.
    """
    t = Transaction
    group = func.coalesce(t.category_id, 0)
    e = (
        select(t.id, t.category_id, t.date, t.amount, t.description, group.label("g"),
               func.row_number().over(partition_by=group, order_by=(t.amount, t.id)).label("rn"),
               func.count().over(partition_by=group).label("n"))
        .where(_owned_in_range(user_id, start, end), t.type == "expense")
        .cte("e")
    )
    low, high = (e.c.n + 1) // 2, (e.c.n + 2) // 2  # the middle row numbers (equal when n is odd)
    med = (
        select(e.c.g, (func.max(case((e.c.rn == low, e.c.amount)))
                       + func.max(case((e.c.rn == high, e.c.amount)))).label("med2"))
        .group_by(e.c.g)
        .cte("med")
    )
    signed = e.c.amount + e.c.amount - med.c.med2
    spread = func.abs(signed, type_=t.amount.type)
    d = (
        select(e.c.id, e.c.g, e.c.n, signed.label("s2"), spread.label("dev2"), med.c.med2,
               func.row_number().over(partition_by=e.c.g, order_by=(spread, e.c.id)).label("rn"))
        .join_from(e, med, med.c.g == e.c.g)
        .cte("d")
    )
    d_low, d_high = (d.c.n + 1) // 2, (d.c.n + 2) // 2
    mad = (
        select(d.c.g, (func.max(case((d.c.rn == d_low, d.c.dev2)))
                       + func.max(case((d.c.rn == d_high, d.c.dev2)))).label("mad4"))
        .group_by(d.c.g)
        .cte("mad")
    )
    return (
        select(e.c.id, e.c.date, e.c.category_id, Category.name, e.c.amount, e.c.description,
               d.c.med2, mad.c.mad4)
        .select_from(e)
        .join(d, d.c.id == e.c.id)
        .join(mad, mad.c.g == e.c.g)
        .outerjoin(Category, Category.id == e.c.category_id)
        .where(e.c.n >= MIN_SAMPLE, d.c.s2 + d.c.s2 > mad.c.mad4 + mad.c.mad4 + mad.c.mad4)
        .order_by(e.c.amount.desc(), e.c.id)
        .limit(limit)
    )


def _names(session: Session, user_id: int) -> dict[int | None, str]:
    rows = session.execute(select(Category.id, Category.name).where(Category.user_id == user_id))
    return {None: UNCATEGORIZED, **{r.id: r.name for r in rows}}


def spending_patterns(session: Session, user_id: int, start: dt.date, end: dt.date, *, top: int = 5,
                      unusual_limit: int = 20) -> SpendingPatterns:
    expenses = by_category(session, user_id, start, end, "expense")
    total_expenses = sum((c.total for c in expenses), ZERO)
    top_categories = [TopCategory(c.category_id, c.name, c.total, c.count, ratio(c.total, total_expenses))
                      for c in expenses[:top]]

    names = _names(session, user_id)
    months = periods_between(start, end, "month")
    per_category: dict[int | None, dict[str, Decimal]] = {}
    for r in session.execute(category_month_query(user_id, start, end)):
        per_category.setdefault(r.c, {})[_key("month", _int(r.y), _int(r.m))] = _dec(r.total)
    order = [c.category_id for c in expenses]  # largest spending first
    month_over_month = []
    for category_id in order:
        totals_by_month = per_category.get(category_id, {})
        changes, previous = [], None
        for p in months:
            total = totals_by_month.get(p.key, ZERO)
            change = None if previous is None else total - previous
            changes.append(MonthChange(p.key, total, change, None if previous is None else ratio(change, previous)))
            previous = total
        month_over_month.append(CategoryMonths(category_id, names.get(category_id, UNCATEGORIZED), changes))

    weekdays = {int(r.d): (_dec(r.total), int(r.count)) for r in session.execute(weekday_query(user_id, start, end))}
    by_weekday = [WeekdaySpending(i, WEEKDAYS[i], *weekdays.get(i, (ZERO, 0))) for i in range(7)]

    unusual = []
    for r in session.execute(unusual_query(user_id, start, end, unusual_limit)):
        median = (Decimal(r.med2) / 2)
        mad = (Decimal(r.mad4) / 4)
        unusual.append(UnusualExpense(
            r.id, r.date, r.category_id, r.name or UNCATEGORIZED, _dec(r.amount), r.description,
            median.quantize(FRACTION), mad.quantize(FRACTION), (median + UNUSUAL_MADS * mad).quantize(FRACTION)))

    return SpendingPatterns(start, end, total_expenses, top_categories, month_over_month, by_weekday, unusual)


__all__ = [
    "Totals", "CategoryTotal", "BudgetLine", "MonthlyReport", "PeriodTotals", "SpendingPatterns", "CalendarPeriod",
    "totals", "by_category", "budget_status", "monthly_report", "trend", "spending_patterns",
    "period_of", "periods_between", "month_period", "quarter_period", "year_period", "parse_month", "ratio",
]
