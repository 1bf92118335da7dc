"""The orchestration replayed by azure-functions-durable's own engine (see replay.py): fan-out,
fan-in, a failing activity retried, and an empty user table."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from blueprints.summaries.handlers import BATCH, BATCH_RETRY, ORCHESTRATOR, PLAN, RECORD
from shared.data.db import run_unit_of_work
from shared.data.models import SummaryRun
from tests.conftest import make_user
from tests.summaries.conftest import app_function
from tests.summaries.replay import run_orchestration

orchestrator = app_function(ORCHESTRATOR)


def fake_activities(batches, fail_times: dict[int, int] | None = None):
    """Activities answering like the real ones, without a database (the real ones are tested apart)."""
    failures = dict(fail_times or {})
    recorded = []

    def plan(raw):
        return {"batches": batches}

    def batch(raw):
        job = json.loads(raw)
        if failures.get(job["low"], 0) > 0:
            failures[job["low"]] -= 1
            raise RuntimeError(f"deadlock in batch {job['low']}")
        users = next(b[2] for b in batches if b[0] == job["low"])
        return {"low": job["low"], "high": job["high"], "users": users, "rows_written": users}

    def record(raw):
        recorded.append(json.loads(raw))
        return recorded[-1]

    return {PLAN: plan, BATCH: batch, RECORD: record}, recorded


def test_fans_out_one_activity_per_batch_and_fans_in():
    batches = [[1, 500, 500], [501, 1000, 500], [1001, 1200, 200]]
    activities, recorded = fake_activities(batches)
    replay = run_orchestration(orchestrator, {"period": "2026-10", "manual": False}, activities)
    assert replay.error is None
    names = [name for name, _ in replay.calls]
    assert names == [PLAN, BATCH, BATCH, BATCH, RECORD]
    assert replay.max_parallel == 3  # all batches scheduled together, before any completed
    assert sorted(job["low"] for name, job in replay.calls if name == BATCH) == [1, 501, 1001]
    assert replay.output == {"instance_id": "test-instance", "period": "2026-10", "batches": 3,
                             "status": "completed", "users": 1200, "rows_written": 1200}
    assert recorded == [replay.output]


def test_a_failing_batch_is_retried_and_the_run_still_completes():
    batches = [[1, 2, 2], [3, 4, 2]]
    activities, recorded = fake_activities(batches, fail_times={3: 1})
    replay = run_orchestration(orchestrator, {"period": "2026-10"}, activities)
    assert replay.error is None
    attempts = [job["low"] for name, job in replay.calls if name == BATCH]
    assert sorted(attempts) == [1, 3, 3]  # batch 3 failed once, then succeeded
    timers = [e for e in replay.history if e["EventType"] == 11]  # TimerFired: the wait before the retry
    assert len(timers) == 1
    assert replay.output["users"] == 4 and recorded[-1]["status"] == "completed"


def test_a_batch_failing_every_attempt_fails_the_run_and_records_it():
    activities, recorded = fake_activities([[1, 2, 2]], fail_times={1: 99})
    replay = run_orchestration(orchestrator, {"period": "2026-10"}, activities)
    assert replay.error is not None and "deadlock" in replay.error
    assert [job["low"] for name, job in replay.calls if name == BATCH] == [1] * BATCH_RETRY.max_number_of_attempts
    assert recorded[-1]["status"] == "failed"


def test_an_empty_user_table_schedules_no_batch():
    activities, recorded = fake_activities([])
    replay = run_orchestration(orchestrator, {"period": "2026-10"}, activities)
    assert [name for name, _ in replay.calls] == [PLAN, RECORD]
    assert replay.output == {"instance_id": "test-instance", "period": "2026-10", "batches": 0,
                             "status": "completed", "users": 0, "rows_written": 0}


@pytest.mark.usefixtures("clean_runs")
def test_the_orchestration_with_the_real_activities_and_database():
    make_user()

    real = {name: app_function(name) for name in (PLAN, BATCH, RECORD)}
    replay = run_orchestration(orchestrator, {"period": "2026-10", "manual": False}, real, instance_id="real-1")
    assert replay.error is None and replay.output["status"] == "completed"
    run = run_unit_of_work(lambda s: s.execute(select(SummaryRun).where(SummaryRun.instance_id == "real-1"))
                           .scalar_one())
    assert run.status == "completed" and run.users == replay.output["users"] > 0
    assert run.rows_written == run.users  # October closes nothing else
    run_unit_of_work(lambda s: s.execute(delete(SummaryRun).where(SummaryRun.instance_id == "real-1")))


def test_the_retry_policy_is_what_reaches_the_durable_extension():
    """RetryOptions.to_json() sends the first interval and the attempt count, nothing more: no backoff
    is claimed that the extension never receives (its default coefficient 1 keeps every wait 5 s)."""
    assert BATCH_RETRY.to_json() == {"firstRetryIntervalInMilliseconds": 5000, "maxNumberOfAttempts": 3}
    assert not hasattr(BATCH_RETRY, "backoff_coefficient")
