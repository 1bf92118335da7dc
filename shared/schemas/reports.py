"""Query strings and answers of /api/reports/* and /api/summaries (figures from shared/reports.py)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from shared.schemas import Date, FractionOut, Input, MoneyOut, Month, Output, PageQuery, Query, Timestamp
from shared.schemas.fx import MissingRates

CurrencyOut = Annotated[str, Field(description="the caller's currency (ISO 4217): every money figure is in it")]

MAX_RANGE_MONTHS = 1200  # 100 years of monthly buckets: enough for any history, bounded for the server
MAX_PATTERN_MONTHS = 36  # month-over-month lists one entry per category and month

GranularityParam = Literal["month", "quarter", "year"]


class _Range(Query):
    date_from: Date | None = Field(
        default=None, description="First day included (YYYY-MM-DD). Default: the first day of the month eleven "
                                  "months before date_to's month (the last 12 calendar months), but not before "
                                  "your first transaction or registration")
    date_to: Date | None = Field(default=None, description="Last day included (YYYY-MM-DD), on or after date_from. "
                                                           "Default: today (UTC)")
    max_months: ClassVar[int] = MAX_RANGE_MONTHS


# --- monthly ------------------------------------------------------------------------------------

class MonthlyQuery(Query):
    month: Month | None = Field(default=None, description="The calendar month reported, YYYY-MM. Default: the "
                                                          "current month (UTC)")


class CategoryTotalOut(Output):
    category_id: int | None = Field(description="null for transactions without a category")
    name: str = Field(description="the category's name, or \"Uncategorized\"")
    kind: Literal["income", "expense"]
    total: MoneyOut


class BudgetLineOut(Output):
    category_id: int
    name: str
    budgeted: MoneyOut = Field(description="the budget's amount for the month")
    actual: MoneyOut = Field(description="expenses in the category during the month")
    remaining: MoneyOut = Field(description="budgeted − actual; negative when over budget")
    over_budget: bool = Field(description="actual > budgeted (spending exactly the budget is not over)")


class MonthlyReportOut(Output):
    month: str
    total_income: MoneyOut
    total_expenses: MoneyOut
    net_savings: MoneyOut = Field(description="total_income − total_expenses (transfers are neither)")
    savings_rate: FractionOut | None = Field(
        description="net_savings / total_income as a fraction with 4 digits (\"0.2500\" = 25 %; negative when "
                    "spending exceeds income); null when the month has no income")
    by_category: list[CategoryTotalOut] = Field(
        description="totals per category that had transactions this month: expense categories first, then "
                    "income, each largest first")
    budgets: list[BudgetLineOut] = Field(description="every budget set for this month, by category name")
    currency: CurrencyOut
    missing_rates: MissingRates


# --- summary ------------------------------------------------------------------------------------

class SummaryQuery(_Range):
    """The range may span at most 1,200 calendar months."""

    tag: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        default=None, description="only transactions with this tag (any case)")


class SummaryOut(Output):
    date_from: dt.date
    date_to: dt.date
    total_income: MoneyOut
    total_expenses: MoneyOut
    net_savings: MoneyOut = Field(description="total_income − total_expenses")
    transaction_count: int = Field(description="every transaction in the range, transfers included")
    currency: CurrencyOut
    missing_rates: MissingRates


# --- trend --------------------------------------------------------------------------------------

class TrendQuery(_Range):
    granularity: GranularityParam = Field(
        default="month", description="month (default), quarter or year. Calendar periods: quarters start in "
                                     "January, April, July and October")


class TrendItemOut(Output):
    period: str = Field(description="\"2026-10\", \"2026-Q4\" or \"2026\"")
    income: MoneyOut
    expenses: MoneyOut
    net: MoneyOut = Field(description="income − expenses")
    outcome: Literal["savings", "loss"] = Field(description="savings when net ≥ 0, else loss")


class TrendOut(Output):
    granularity: GranularityParam
    date_from: dt.date
    date_to: dt.date
    items: list[TrendItemOut] = Field(
        description="every period overlapping the range, oldest first, empty ones as zeros; the first and last "
                    "period count only the days inside the range, so the items add up to /reports/summary "
                    "over the same dates")
    currency: CurrencyOut
    missing_rates: MissingRates


# --- spending patterns --------------------------------------------------------------------------

class PatternsQuery(_Range):
    """At most 36 calendar months (one month-over-month entry per category and month)."""

    max_months: ClassVar[int] = MAX_PATTERN_MONTHS
    top: Annotated[int, Field(ge=1, le=50, description="how many top categories (default 5)")] = 5


class TopCategoryOut(Output):
    category_id: int | None = Field(description="null for expenses without a category")
    name: str
    total: MoneyOut
    count: int = Field(description="number of expenses")
    share: FractionOut | None = Field(description="total / all expenses in the range, a fraction with 4 digits")


class MonthChangeOut(Output):
    month: str
    total: MoneyOut = Field(description="expenses of the category in the month (the edge months count only "
                                        "days inside the range)")
    change: MoneyOut | None = Field(description="total − the previous month's total; null for the first month")
    change_rate: FractionOut | None = Field(
        description="change / the previous month's total, a fraction (\"0.5000\" = +50 %); null for the first "
                    "month or when the previous month was zero")


class CategoryMonthsOut(Output):
    category_id: int | None
    name: str
    months: list[MonthChangeOut] = Field(description="every calendar month of the range, oldest first")


class WeekdayOut(Output):
    weekday: int = Field(description="ISO order: 0 = Monday … 6 = Sunday")
    name: str
    total: MoneyOut
    count: int


class UnusualExpenseOut(Output):
    transaction_id: int
    date: dt.date
    category_id: int | None
    name: str = Field(description="the category's name, or \"Uncategorized\"")
    amount: MoneyOut
    description: str | None
    category_median: FractionOut = Field(description="median expense of the category in the range")
    category_mad: FractionOut = Field(description="median absolute deviation of those expenses")
    threshold: FractionOut = Field(description="category_median + 3 × category_mad; amount is above it")


class SpendingPatternsOut(Output):
    """Where the money went in the range, expenses only (income and transfers are left out)."""

    date_from: dt.date
    date_to: dt.date
    total_expenses: MoneyOut
    top_categories: list[TopCategoryOut] = Field(description="the largest expense categories, largest first")
    month_over_month: list[CategoryMonthsOut] = Field(
        description="for each category with expenses in the range (largest first): its total per calendar month "
                    "and the change from the month before")
    by_weekday: list[WeekdayOut] = Field(description="expenses per day of the week, all seven days, Monday first")
    unusual_expenses: list[UnusualExpenseOut] = Field(
        description="at most 20 expenses, largest first, whose amount exceeds their category's median + 3 × MAD "
                    "(median absolute deviation) over that category's expenses in the range; judged only for "
                    "categories with at least 5 expenses in the range; uncategorized expenses form one group. "
                    "MAD resists outliers, unlike a standard deviation. When most expenses of a category are the "
                    "same amount (MAD 0), any larger one is unusual. Amounts are compared within their own "
                    "currency (a category's euro expenses with its euro expenses), then answered converted "
                    "at the expense's date, with its median, MAD and threshold")
    unusual_rule: str = Field(description="the rule above, in words")
    currency: CurrencyOut
    missing_rates: MissingRates


# --- stored summaries ---------------------------------------------------------------------------

class SummaryListQuery(PageQuery):
    granularity: GranularityParam = Field(default="month", description="month (default), quarter or year")


class StoredSummaryOut(Output):
    granularity: str
    period: str = Field(description="\"2026-10\", \"2026-Q4\" or \"2026\"")
    income: MoneyOut
    expenses: MoneyOut
    net: MoneyOut
    outcome: Literal["savings", "loss"]
    generated_at: Timestamp


class StoredSummaryPage(Output):
    items: list[StoredSummaryOut] = Field(description="newest period first")
    page: int
    page_size: int
    total: int


class RunSummariesIn(Input):
    period: Month = Field(description="a closed calendar month, YYYY-MM (before the current UTC month). The "
                                      "month's summaries are stored, and its quarter's and year's when it closes "
                                      "them (March, June, September, December)")


class RunAcceptedOut(Output):
    id: str = Field(description="the run's instance id")
    statusQueryGetUri: str = Field(description="GET it to follow the run (also in the Location header)")  # noqa: N815


class SkippedUserOut(Output):
    user_id: int
    reason: str
    recorded_at: Timestamp


class RunStatusOut(Output):
    id: str = Field(description="the run's id (the Durable instance id under the Functions host)")
    instance_id: str = Field(description="the same as id (kept for older clients)")
    period: str
    status: Literal["pending", "running", "completed", "failed"]
    manual: bool = Field(description="started by an admin or the CLI rather than the timer")
    batches: int
    users: int
    rows_written: int = Field(description="summary rows stored (month, plus quarter and year when they close)")
    started_at: Timestamp
    finished_at: Timestamp | None
    skipped_count: int = Field(description="users of this period whose summary could not be stored (figures past "
                                           "what a summary holds); the rest were stored")
    skipped: list[SkippedUserOut] = Field(description="the first 100 of them, by user id, with the reason")
