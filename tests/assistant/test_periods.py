"""Periods resolved against a fixed today: boundaries of weeks, months, years and leap days."""
from __future__ import annotations

import datetime as dt

import pytest

from shared.services.assistant.periods import default_period, find_period, nth_of_month

D = dt.date


def period(text: str, today: dt.date) -> tuple[dt.date, dt.date]:
    found = find_period(text.lower(), today)
    assert found is not None, text
    return found.period.start, found.period.end


def test_last_month_in_january_is_december_of_the_year_before():
    assert period("last month", D(2026, 1, 15)) == (D(2025, 12, 1), D(2025, 12, 31))


def test_last_month_in_march_of_a_leap_year_ends_on_february_29():
    assert period("last month", D(2024, 3, 31)) == (D(2024, 2, 1), D(2024, 2, 29))


def test_this_month_runs_from_the_first_to_today():
    assert period("this month", D(2026, 11, 25)) == (D(2026, 11, 1), D(2026, 11, 25))


def test_default_period_is_this_month_so_far():
    p = default_period(D(2026, 2, 10))
    assert (p.start, p.end, p.label) == (D(2026, 2, 1), D(2026, 2, 10), "this month")


def test_last_week_on_a_monday_is_the_whole_previous_monday_to_sunday():
    assert period("last week", D(2026, 11, 23)) == (D(2026, 11, 16), D(2026, 11, 22))


def test_this_week_on_a_monday_is_just_today():
    assert period("this week", D(2026, 11, 23)) == (D(2026, 11, 23), D(2026, 11, 23))


def test_last_week_across_a_year_boundary():
    assert period("last week", D(2026, 1, 2)) == (D(2025, 12, 22), D(2025, 12, 28))


def test_last_year_and_this_year():
    assert period("last year", D(2026, 1, 1)) == (D(2025, 1, 1), D(2025, 12, 31))
    assert period("this year", D(2026, 1, 1)) == (D(2026, 1, 1), D(2026, 1, 1))


def test_in_march_when_today_is_in_february_is_last_years_march():
    assert period("in march", D(2026, 2, 14)) == (D(2025, 3, 1), D(2025, 3, 31))


def test_in_february_during_february_ends_today():
    assert period("in february", D(2026, 2, 14)) == (D(2026, 2, 1), D(2026, 2, 14))


def test_month_with_year_is_the_whole_month_even_in_a_leap_year():
    assert period("in february 2024", D(2026, 11, 25)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert period("in october 2026", D(2026, 11, 25)) == (D(2026, 10, 1), D(2026, 10, 31))


def test_the_last_3_months_are_the_three_full_months_before_this_one():
    assert period("the last 3 months", D(2026, 11, 25)) == (D(2026, 8, 1), D(2026, 10, 31))
    assert period("past three months", D(2026, 2, 1)) == (D(2025, 11, 1), D(2026, 1, 31))


def test_the_last_n_days_are_rolling_and_include_today():
    assert period("the last 7 days", D(2026, 3, 2)) == (D(2026, 2, 24), D(2026, 3, 2))


def test_since_an_iso_date_runs_to_today():
    assert period("since 2026-01-01", D(2026, 11, 25)) == (D(2026, 1, 1), D(2026, 11, 25))


def test_since_a_day_in_the_future_is_not_a_period():
    assert find_period("since 2027-01-01", D(2026, 11, 25)) is None


def test_between_two_month_day_dates_in_either_order():
    today = D(2026, 11, 25)
    assert period("between march 1 and march 15", today) == (D(2026, 3, 1), D(2026, 3, 15))
    assert period("between 2026-10-15 and 2026-10-01", today) == (D(2026, 10, 1), D(2026, 10, 15))


def test_between_december_and_january_crosses_into_the_next_year():
    assert period("between december 20 and january 5", D(2026, 2, 1)) == (D(2025, 12, 20), D(2026, 1, 5))


def test_quarters():
    today = D(2026, 11, 25)
    assert period("in q3", today) == (D(2026, 7, 1), D(2026, 9, 30))
    assert period("last quarter", today) == (D(2026, 7, 1), D(2026, 9, 30))
    assert period("this quarter", today) == (D(2026, 10, 1), D(2026, 11, 25))
    assert period("q1 2025", today) == (D(2025, 1, 1), D(2025, 3, 31))


def test_invalid_dates_are_not_periods():
    assert find_period("on 2026-02-30", D(2026, 11, 25)) is None


def test_february_29_without_a_year_is_the_most_recent_leap_day():
    assert period("on february 29", D(2026, 11, 25)) == (D(2024, 2, 29), D(2024, 2, 29))


@pytest.mark.parametrize("today, day, expected", [
    (D(2026, 11, 25), 1, D(2026, 11, 1)),
    (D(2026, 11, 25), 30, D(2026, 10, 30)),   # still to come this month: last month's
    (D(2026, 12, 5), 31, D(2026, 10, 31)),    # November has no 31st
    (D(2026, 3, 10), 29, D(2026, 1, 29)),     # February 2026 has no 29th
    (D(2026, 1, 3), 15, D(2025, 12, 15)),     # across the year
])
def test_the_nth_is_the_most_recent_such_day(today, day, expected):
    assert nth_of_month(day, today) == expected


def test_weekday_is_the_most_recent_one_and_last_weekday_excludes_today():
    wednesday = D(2026, 11, 25)
    assert period("on wednesday", wednesday) == (wednesday, wednesday)
    assert period("last wednesday", wednesday) == (D(2026, 11, 18), D(2026, 11, 18))
    assert period("on saturday", wednesday) == (D(2026, 11, 21), D(2026, 11, 21))
