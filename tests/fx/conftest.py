"""Shared reference rates are seen by every user: a test that stores some removes them afterwards,
so no other test's figures depend on the order the tests run in."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete

from shared.data.db import run_unit_of_work
from shared.data.models import ReferenceFxRate
from shared.services.fx_rates import store_reference_rates


def forget_reference_rates(start: dt.date, end: dt.date) -> None:
    run_unit_of_work(lambda s: s.execute(delete(ReferenceFxRate).where(ReferenceFxRate.date.between(start, end))))


def store_reference(*rates: tuple[str, str, str, str]) -> None:
    """Reference rates (date, base, quote, rate), as the daily fetch stores them."""
    run_unit_of_work(lambda s: store_reference_rates(
        s, [(dt.date.fromisoformat(d), b, q, Decimal(r)) for d, b, q, r in rates]))


@pytest.fixture
def reference_rates():
    """Store reference rates for one test; they are gone afterwards."""
    stored: list[dt.date] = []

    def store(*rates):
        store_reference(*rates)
        stored.extend(dt.date.fromisoformat(r[0]) for r in rates)

    yield store
    if stored:
        forget_reference_rates(min(stored), max(stored))
