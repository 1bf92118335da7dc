"""The calendar rules: month ends, leap days, intervals, end dates; and, for any schedule, the dates
the timer posts are exactly the rule's occurrences, each once, however the runs fall."""
from __future__ import annotations

import calendar
import datetime as dt
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from shared.services.calendar_rules import FREQUENCIES, Rule

D = dt.date


def dates(rule: Rule, last: dt.date, first: dt.date | None = None) -> list[dt.date]:
    return list(rule.occurrences(first=first, last=last))


def test_monthly_from_the_31st_falls_on_month_ends_and_returns_to_the_31st():
    assert dates(Rule("monthly", D(2027, 1, 31)), D(2027, 5, 31)) == [
        D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31), D(2027, 4, 30), D(2027, 5, 31)]


def test_monthly_from_the_30th_takes_february_29_in_a_leap_year():
    assert dates(Rule("monthly", D(2028, 1, 30)), D(2028, 4, 1)) == [D(2028, 1, 30), D(2028, 2, 29), D(2028, 3, 30)]


def test_yearly_from_february_29_falls_on_the_28th_in_common_years():
    assert dates(Rule("yearly", D(2024, 2, 29)), D(2028, 12, 31)) == [
        D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29)]


def test_interval_multiplies_the_period():
    assert dates(Rule("weekly", D(2026, 1, 5), interval=2), D(2026, 2, 10)) == [
        D(2026, 1, 5), D(2026, 1, 19), D(2026, 2, 2)]
    assert dates(Rule("monthly", D(2026, 1, 31), interval=3), D(2026, 12, 31)) == [
        D(2026, 1, 31), D(2026, 4, 30), D(2026, 7, 31), D(2026, 10, 31)]
    assert dates(Rule("biweekly", D(2026, 1, 1)), D(2026, 1, 31)) == [D(2026, 1, 1), D(2026, 1, 15), D(2026, 1, 29)]
    assert dates(Rule("quarterly", D(2025, 11, 30)), D(2026, 6, 1)) == [D(2025, 11, 30), D(2026, 2, 28),
                                                                         D(2026, 5, 30)]


def test_end_date_is_the_last_day_it_may_fall_on():
    rule = Rule("daily", D(2026, 3, 1), end=D(2026, 3, 3))
    assert dates(rule, D(2030, 1, 1)) == [D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)]
    assert rule.next_on_or_after(D(2026, 3, 4)) is None


def test_walking_from_a_later_day_keeps_the_anchor_day():
    rule = Rule("monthly", D(2020, 1, 31))
    assert dates(rule, D(2026, 4, 30), first=D(2026, 2, 1)) == [D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]


def test_the_last_years_of_the_calendar_end_the_walk_instead_of_failing():
    assert dates(Rule("yearly", D(9998, 6, 1)), dt.date.max) == [D(9998, 6, 1), D(9999, 6, 1)]
    assert Rule("monthly", D(9999, 12, 31)).next_on_or_after(D(9999, 12, 31)) == D(9999, 12, 31)


# --- an independent reference: the calendar written out by hand ---------------------------------

def _months_later(start: dt.date, months: int) -> dt.date:
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return D(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def reference(frequency: str, start: dt.date, interval: int, end: dt.date | None, last: dt.date) -> list[dt.date]:
    out, n = [], 0
    while True:
        if frequency in ("daily", "weekly", "biweekly"):
            step = {"daily": 1, "weekly": 7, "biweekly": 14}[frequency] * interval
            day = start + dt.timedelta(days=step * n)
        else:
            day = _months_later(start, {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency] * interval * n)
        if day > last or (end is not None and day > end):
            return out
        out.append(day)
        n += 1


starts = st.dates(D(2023, 1, 1), D(2026, 12, 31)).map(
    lambda d: d.replace(day=min(calendar.monthrange(d.year, d.month)[1], 28 + d.day % 4)) if d.day > 20 else d)


@settings(max_examples=300, deadline=None)
@given(frequency=st.sampled_from(FREQUENCIES), start=starts, interval=st.integers(1, 4),
       span=st.integers(0, 1500), first=st.integers(0, 1500))
def test_the_rule_matches_the_calendar_written_by_hand(frequency, start, interval, span, first):
    last = start + dt.timedelta(days=span)
    walk_from = start + dt.timedelta(days=first)
    expected = [d for d in reference(frequency, start, interval, None, last) if d >= walk_from]
    assert dates(Rule(frequency, start, interval), last, first=walk_from) == expected


# --- posting: the dates the timer posts are the rule's, each once -------------------------------

@pytest.fixture(scope="module")
def poster():
    from tests.conftest import make_user
    from tests.money.conftest import new_account

    user = make_user()
    account = new_account(user.client, opening_balance="0")
    return user, account["id"]


# Days per step of the generated run offsets: every frequency sees a few dozen occurrences at most,
# across month ends and (for the longer ones) leap days.
_STRIDE = {"daily": 1, "weekly": 3, "biweekly": 5, "monthly": 16, "quarterly": 30, "yearly": 40}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frequency=st.sampled_from(FREQUENCIES), start=starts, interval=st.integers(1, 3),
       end_after=st.none() | st.integers(0, 60), runs=st.lists(st.integers(0, 60), min_size=1, max_size=5))
def test_posted_dates_are_the_rules_occurrences_each_once(poster, frequency, start, interval, end_after, runs):
    from shared.data.db import run_unit_of_work
    from shared.data.models import Transaction, User
    from shared.schemas.recurring import RecurringIn
    from shared.services import posting
    from shared.services.recurring import RecurringSchedules

    user, account_id = poster
    stride = _STRIDE[frequency]
    end = start + dt.timedelta(days=end_after * stride) if end_after is not None else None
    body = RecurringIn.model_validate({"name": "p", "type": "income", "amount": "1.00", "account_id": account_id,
                                       "frequency": frequency, "interval": interval,
                                       "start_date": start.isoformat(),
                                       "end_date": end.isoformat() if end else None})
    with mock.patch("shared.services.recurring.current_day", return_value=start):  # created on its start day
        schedule_id = run_unit_of_work(lambda s: RecurringSchedules().create(s, s.get(User, user.id), body).id)
    run_days = sorted(start + dt.timedelta(days=r * stride) for r in runs)
    for day in run_days + run_days[-1:]:  # the last run twice
        posting.post_due(day, user_id=user.id)
    posted = run_unit_of_work(lambda s: s.execute(select(Transaction.date).where(
        Transaction.recurring_id == schedule_id).order_by(Transaction.date)).scalars().all())
    assert posted == reference(frequency, start, interval, end, run_days[-1])
