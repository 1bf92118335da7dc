from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

import function_app
from shared.data.db import run_unit_of_work
from shared.data.models import PeriodSummary, SummaryRun, User
from shared.web import route_table


def app_function(name: str):
    """A function of the app as the host would call it (from the app's route table)."""
    return route_table.function_named(function_app.app, name).function


def make_admin(user) -> None:
    run_unit_of_work(lambda s: s.execute(update(User).where(User.id == user.id).values(role="admin")))


def stored(user_id: int) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    def work(s):
        rows = s.execute(select(PeriodSummary).where(PeriodSummary.user_id == user_id)).scalars().all()
        return {(r.granularity, r.period): (format(r.income, "f"), format(r.expenses, "f"), format(r.net, "f"),
                                            r.outcome) for r in rows}
    return run_unit_of_work(work)


def all_user_ids() -> list[int]:
    return run_unit_of_work(lambda s: list(s.execute(select(User.id).order_by(User.id)).scalars()))


@pytest.fixture
def clean_runs():
    run_unit_of_work(lambda s: (s.execute(delete(SummaryRun)), s.execute(delete(PeriodSummary))))
    yield
