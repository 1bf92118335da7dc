"""Scheduled period summaries: which periods a run closes, the batches of users, the set-based
aggregate that stores one batch, and the run's record. The Durable activities in
blueprints/summaries/handlers.py and the local runner (scripts/run_summaries.py) call these same functions.

A run is for one closed calendar month ("2026-10"). It stores every user's month summary, plus the
quarter's when the month closes one (March, June, September, December) and the year's in December.
Storing is idempotent: a batch replaces its users' rows for (granularity, period) in one database
transaction (DELETE then INSERT … SELECT: the same statements on SQLite, PostgreSQL and SQL Server),
so running a period twice leaves the same rows once, and re-running a period picks up transactions
that arrived late. If two runs of the same batch ever overlap, the unique key (user, granularity,
period) refuses the second insert and the activity's retry simply replaces the rows again.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import (
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    not_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from shared.data.models import DailyTotal, MonthlyTotal, PeriodSummary, SummaryRun, SummarySkip, User
from shared.data.types import SummedMoney, UTCDateTime, utcnow
from shared.services.months import CalendarPeriod, month_period, quarter_period, year_period


class InvalidPeriod(ValueError):
    pass


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_closed_month(text: str, today: dt.date | None = None) -> CalendarPeriod:
    """A YYYY-MM month that has ended (before the current UTC month); InvalidPeriod otherwise."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-" or not _ascii_digits(text[:4] + text[5:]):
        raise InvalidPeriod("must be a month written YYYY-MM")
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or year < 1:
        raise InvalidPeriod("is not a real month (01 to 12)")
    today = today or utcnow().date()
    if (year, month) >= (today.year, today.month):
        raise InvalidPeriod("has not closed yet; summaries are made for months that have ended")
    return month_period(year, month)


def last_closed_month(now: dt.datetime | None = None) -> str:
    first = (now or utcnow()).date().replace(day=1)
    previous = first - dt.timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def closing_periods(month: str) -> list[CalendarPeriod]:
    """The month, and its quarter and year when this month is their last."""
    period = month_period(int(month[:4]), int(month[5:7]))
    year, number = period.start.year, period.start.month
    periods = [period]
    if number % 3 == 0:
        periods.append(quarter_period(year, number // 3))
    if number == 12:
        periods.append(year_period(year))
    return periods


# --- batches ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Batch:
    low: int  # user ids low..high, inclusive
    high: int
    users: int


def user_batches_query(batch_size: int):
    numbered = select(User.id, ((func.row_number().over(order_by=User.id) - 1) // batch_size).label("bucket")) \
        .subquery("numbered")
    return (
        select(func.min(numbered.c.id).label("low"), func.max(numbered.c.id).label("high"),
               func.count().label("users"))
        .group_by(numbered.c.bucket)
        .order_by(func.min(numbered.c.id))
    )


def user_batches(session: Session, batch_size: int) -> list[Batch]:
    """Consecutive id ranges of at most `batch_size` users, from one query (ROW_NUMBER over ids)."""
    rows = session.execute(user_batches_query(batch_size))
    return [Batch(int(r.low), int(r.high), int(r.users)) for r in rows]


# --- one batch ----------------------------------------------------------------------------------

# The largest income, expenses or net a stored summary holds, either sign (README "Limits"): what
# SQLite's exact 64-bit integer SUM can reach, so every database keeps the same figures (PostgreSQL
# and SQL Server hold them in NUMERIC(28, 2)). A user past it is skipped and recorded, not stored.
SUMMARY_LIMIT = Decimal("92233720368547758.07")


def _per_user(period: CalendarPeriod, low: int, high: int):
    """Every user of the batch with the period's income and expenses: one aggregate (users LEFT JOIN
    their monthly totals of the period, GROUP BY user), zeros for users without any. Periods are whole
    months, so the kept monthly totals (shared/services/balances.py) hold exactly the sums of the
    transactions, at a row per month and category instead of a row per transaction. Only amounts in the
    user's own currency are summed here; users with amounts in other currencies are then converted one
    by one (`convert_foreign`)."""
    t = MonthlyTotal
    return (
        select(
            User.id.label("user_id"),
            type_coerce(func.coalesce(func.sum(case((t.type == "income", t.total))), literal_column("0")),
                        SummedMoney()).label("income"),
            type_coerce(func.coalesce(func.sum(case((t.type == "expense", t.total))), literal_column("0")),
                        SummedMoney()).label("expenses"),
        )
        .select_from(User)
        .outerjoin(t, and_(t.user_id == User.id, t.month >= period.start, t.month <= period.end,
                           t.type.in_(["income", "expense"]), t.currency == User.currency))
        .where(User.id >= low, User.id <= high)
        .group_by(User.id)
        .subquery("per_user")
    )


def _storable(per_user):
    figures = (per_user.c.income, per_user.c.expenses, per_user.c.income - per_user.c.expenses)
    limit = literal(SUMMARY_LIMIT, SummedMoney())  # a scaled integer on SQLite, like the sums
    return and_(*(func.abs(figure) <= limit for figure in figures))


def summary_select(period: CalendarPeriod, low: int, high: int, now: dt.datetime):
    """The rows to store for users low..high: income, expenses, net and outcome of the period, for
    every user whose figures are within SUMMARY_LIMIT."""
    per_user = _per_user(period, low, high)
    return select(
        per_user.c.user_id,
        literal(period.granularity, String(8)),
        literal(period.key, String(7)),
        per_user.c.income,
        per_user.c.expenses,
        per_user.c.income - per_user.c.expenses,
        case((per_user.c.income >= per_user.c.expenses, literal("savings", String(8))),
             else_=literal("loss", String(8))),
        literal(now, UTCDateTime()),
    ).where(_storable(per_user))


def _unstorable(session: Session, period: CalendarPeriod, low: int, high: int) -> dict[int, str]:
    per_user = _per_user(period, low, high)
    rows = session.execute(select(per_user.c.user_id, per_user.c.income, per_user.c.expenses)
                           .where(not_(_storable(per_user)))).all()
    return {row.user_id: _too_large(period, f"income {row.income}, expenses {row.expenses}") for row in rows}


def _too_large(period: CalendarPeriod, figures: str) -> str:
    return (f"{period.key}: {figures}; a stored summary holds at most ±{SUMMARY_LIMIT}"
            " (income, expenses and net)")[:200]


_COLUMNS = ["user_id", "granularity", "period", "income", "expenses", "net", "outcome", "generated_at"]


def _store_users(session: Session, periods: list[CalendarPeriod], low: int, high: int,
                 now: dt.datetime) -> dict[int, str]:
    """Replace the summaries of users low..high; the users it could not store, with the reason."""
    skipped: dict[int, str] = {}
    for period in periods:
        session.execute(delete(PeriodSummary).where(
            PeriodSummary.user_id >= low, PeriodSummary.user_id <= high,
            PeriodSummary.granularity == period.granularity, PeriodSummary.period == period.key))
        session.execute(insert(PeriodSummary.__table__).from_select(_COLUMNS, summary_select(period, low, high, now)))
        for user_id, reason in convert_foreign(session, period, low, high).items():
            skipped.setdefault(user_id, reason)
        for user_id, reason in _unstorable(session, period, low, high).items():
            skipped.setdefault(user_id, reason)
    if skipped:  # a user is stored for every period of the run or for none
        session.execute(delete(PeriodSummary).where(
            PeriodSummary.user_id.in_(list(skipped)),
            PeriodSummary.period.in_([p.key for p in periods])))
    return skipped


def foreign_users_query(period: CalendarPeriod, low: int, high: int):
    """The users of the batch with income or expenses in another currency than theirs in the period."""
    d = DailyTotal
    return (select(User).where(User.id >= low, User.id <= high, exists().where(
        d.user_id == User.id, d.currency != User.currency, d.day >= period.start, d.day <= period.end,
        d.type.in_(["income", "expense"]))).order_by(User.id))


def convert_foreign(session: Session, period: CalendarPeriod, low: int, high: int) -> dict[int, str]:
    """Replace the figures of users with foreign-currency amounts by the converted ones, each amount
    at the rate of its own date (shared/services/reports.py; amounts without a rate are left out).
    A converted figure past SUMMARY_LIMIT is not written (on SQLite it would not even fit the column,
    and every database keeps the same figures): those users are returned with the reason."""
    from shared.services import reports

    too_large: dict[int, str] = {}
    for user in session.execute(foreign_users_query(period, low, high)).scalars():
        t = reports.totals(session, user, period.start, period.end)
        if any(abs(figure) > SUMMARY_LIMIT for figure in (t.income, t.expenses, t.net)):
            too_large[user.id] = _too_large(period, f"income {t.income}, expenses {t.expenses} in {user.currency}")
            continue
        session.execute(update(PeriodSummary).where(
            PeriodSummary.user_id == user.id, PeriodSummary.granularity == period.granularity,
            PeriodSummary.period == period.key,
        ).values(income=t.income, expenses=t.expenses, net=t.net, outcome="savings" if t.net >= 0 else "loss"))
    return too_large


def _cannot_store(exc: DBAPIError) -> bool:
    """The database refused a figure (PostgreSQL/SQL Server out of range, SQLite's SUM overflowing
    64 bits): one user's data, not the database failing."""
    return isinstance(exc, DataError) or (isinstance(exc, OperationalError) and "overflow" in str(exc.orig).lower())


def store_batch(session: Session, month: str, low: int, high: int, now: dt.datetime | None = None) -> dict:
    """Store the summaries of users low..high for `month` (and the quarter/year it closes).

    One set-based statement per period for the whole batch. A user whose figures are past what a
    summary holds is skipped and recorded (summary_skips, with the reason) while the rest are stored;
    if the database itself cannot add up some user's figures, the batch is redone user by user so
    only that user is skipped."""
    now = now or utcnow()
    user_ids = session.execute(select(User.id).where(User.id >= low, User.id <= high)).scalars().all()
    periods = closing_periods(month)
    try:
        with session.begin_nested():
            skipped = _store_users(session, periods, low, high, now)
    except DBAPIError as exc:
        if not _cannot_store(exc):
            raise
        skipped = {}
        for user_id in user_ids:
            try:
                with session.begin_nested():
                    skipped.update(_store_users(session, periods, user_id, user_id, now))
            except DBAPIError as one:
                if not _cannot_store(one):
                    raise
                skipped[user_id] = f"{month}: the database could not add up this user's figures ({one.orig})"[:200]
    _record_skips(session, month, low, high, skipped, now)
    stored = len(user_ids) - len(skipped)
    # One row per stored user and period by construction (users LEFT JOIN transactions); the drivers do
    # not all report a row count for INSERT … SELECT (psycopg answers 0 here).
    return {"low": low, "high": high, "users": len(user_ids), "rows_written": stored * len(periods),
            "skipped": len(skipped)}


def _record_skips(session: Session, month: str, low: int, high: int, skipped: dict[int, str],
                  now: dt.datetime) -> None:
    """This run's skips for the batch replace the last run's (a user fixed since is no longer listed)."""
    session.execute(delete(SummarySkip).where(SummarySkip.user_id >= low, SummarySkip.user_id <= high,
                                              SummarySkip.period == month))
    session.add_all(SummarySkip(user_id=user_id, period=month, reason=reason, recorded_at=now)
                    for user_id, reason in sorted(skipped.items()))
    session.flush()


def skips(session: Session, month: str, limit: int | None = None) -> list[SummarySkip]:
    """The users the job could not store for `month`, and why (the first `limit` by user id)."""
    return list(session.execute(select(SummarySkip).where(SummarySkip.period == month)
                                .order_by(SummarySkip.user_id).limit(limit)).scalars())


def skip_count(session: Session, month: str) -> int:
    return session.execute(select(func.count()).select_from(SummarySkip)
                           .where(SummarySkip.period == month)).scalar_one()


# --- the run's record ---------------------------------------------------------------------------

def start_run(session: Session, instance_id: str, month: str, *, manual: bool, status: str = "running") -> None:
    """Record the run as running, or as pending when it is only accepted (once per instance id: an
    activity retried, or the start of a run accepted earlier, does not add another)."""
    existing = session.execute(select(SummaryRun).where(SummaryRun.instance_id == instance_id)).scalar_one_or_none()
    if existing is None:
        session.add(SummaryRun(instance_id=instance_id, period=month, status=status, manual=manual,
                               started_at=utcnow()))
    else:
        existing.status, existing.finished_at = status, None
    session.flush()


def finish_run(session: Session, instance_id: str, *, status: str, batches: int, users: int,
               rows_written: int) -> None:
    session.execute(update(SummaryRun).where(SummaryRun.instance_id == instance_id).values(
        status=status, batches=batches, users=users, rows_written=rows_written, finished_at=utcnow()))


@dataclass(frozen=True)
class RunResult:
    instance_id: str
    period: str
    status: str
    batches: int
    users: int
    rows_written: int

    def as_dict(self) -> dict:
        return asdict(self)


def run_locally(month: str, *, batch_size: int, manual: bool = True, instance_id: str | None = None,
                progress: Callable[[Iterable[Batch], int], Iterable[Batch]] | None = None) -> RunResult:
    """The whole job in this process, batch by batch, with the same code the activities run
    (used by `python -m scripts.run_summaries` and, without a Durable host, by the admin route)."""
    from shared.data.db import run_unit_of_work

    instance_id = instance_id or f"local-{uuid.uuid4().hex}"
    batches = run_unit_of_work(lambda s: (start_run(s, instance_id, month, manual=manual),
                                          user_batches(s, batch_size))[1])
    users = rows = 0
    status = "failed"
    try:
        for batch in (progress(batches, len(batches)) if progress else batches):
            done = run_unit_of_work(lambda s, b=batch: store_batch(s, month, b.low, b.high))
            users += done["users"]
            rows += done["rows_written"]
        status = "completed"
    finally:
        run_unit_of_work(lambda s: finish_run(s, instance_id, status=status, batches=len(batches), users=users,
                                              rows_written=rows))
    return RunResult(instance_id, month, status, len(batches), users, rows)


def list_summaries(session: Session, user_id: int, granularity: str, page: int, page_size: int):
    owned = select(PeriodSummary).where(PeriodSummary.user_id == user_id, PeriodSummary.granularity == granularity)
    total = session.execute(select(func.count()).select_from(owned.subquery())).scalar_one()
    rows = session.execute(owned.order_by(PeriodSummary.period.desc()).limit(page_size)
                           .offset((page - 1) * page_size)).scalars().all()
    return list(rows), int(total)


def run_status(session: Session, instance_id: str) -> SummaryRun | None:
    return session.execute(select(SummaryRun).where(SummaryRun.instance_id == instance_id)).scalar_one_or_none()
