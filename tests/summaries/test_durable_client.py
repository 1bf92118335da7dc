"""The Durable client used as the worker uses it: many invocations in one process, every async function
on one long-lived event loop (devhost's, like the Python worker's), against a local fake of the Durable
extension's HTTP API. azure-functions-durable keeps one aiohttp session per process, bound to the loop
it first ran on: a function that made its own loop (asyncio.run) worked once, then failed every later
call with "Event loop is closed", the timer's start of the monthly job included."""
from __future__ import annotations

import json
import socket
from types import SimpleNamespace

import pytest

import function_app
from blueprints.summaries.handlers import ORCHESTRATOR
from devhost import Dispatcher, durable_client_binding, invoke
from shared.services.summaries import last_closed_month
from shared.web import route_table
from tests.conftest import make_user
from tests.summaries.conftest import make_admin
from tests.summaries.fake_durable import FakeDurable, Started


@pytest.fixture
def durable():
    fake = FakeDurable()
    yield fake
    fake.close()


@pytest.fixture
def admin():
    user = make_user()
    make_admin(user)
    return user


def started(s: Started) -> tuple[str, str, dict]:
    """What the orchestrator is started with (the client sends its input as a JSON string in the body)."""
    return s.name, s.instance_id, json.loads(s.input)


def call(dispatcher: Dispatcher, method: str, path: str, token: str, body: dict | None = None):
    raw = json.dumps(body).encode() if body is not None else b""
    headers = {"authorization": f"Bearer {token}", "x-forwarded-for": "192.0.2.9"}
    if raw:
        headers.update({"content-type": "application/json", "content-length": str(len(raw))})
    status, out_headers, out = dispatcher.handle(method, path, "", headers, raw, f"http://localhost:7071{path}")
    return status, {k.lower(): v for k, v in out_headers.items()}, json.loads(out) if out else None


def test_starts_a_run_again_and_again_in_one_process_then_the_timer_starts_its_month(durable, admin, clean_runs):
    dispatcher = Dispatcher(function_app.app, durable_url=durable.url)
    months = ["2026-07", "2026-08", "2026-09", "2026-07"]
    ids = []
    for month in months:
        status, headers, body = call(dispatcher, "POST", "/api/summaries/runs", admin.client.token, {"period": month})
        assert status == 202, body
        assert headers["location"] == body["statusQueryGetUri"] == f"/api/summaries/runs/{body['id']}"
        ids.append(body["id"])
        status, _, run = call(dispatcher, "GET", headers["location"], admin.client.token)
        assert status == 200 and run["status"] == "pending" and run["period"] == month, run
    assert [started(s) for s in durable.started] == [(ORCHESTRATOR, instance_id, {"period": month, "manual": True})
                                                     for instance_id, month in zip(ids, months, strict=True)]
    assert len(set(ids)) == len(months)

    timer = route_table.function_named(function_app.app, "summaries_timer")
    assert timer.is_async and timer.binding("durableClient") is not None
    invoke(timer.function, timer=SimpleNamespace(past_due=False), client=durable_client_binding(durable.url))
    month = last_closed_month()
    assert durable.status_queries[-1] == f"summaries-{month}"
    assert started(durable.started[-1]) == (ORCHESTRATOR, f"summaries-{month}", {"period": month, "manual": False})

    # The timer firing again while that month's run is going starts nothing new.
    invoke(timer.function, timer=SimpleNamespace(past_due=True), client=durable_client_binding(durable.url))
    assert len(durable.started) == len(months) + 1


def test_every_function_that_takes_the_durable_client_is_async():
    takers = [f for f in route_table.functions(function_app.app) if f.binding("durableClient")]
    assert {f.name for f in takers} >= {"summaries_timer", "start_summaries_run"}
    assert all(f.is_async for f in takers), [f.name for f in takers if not f.is_async]


def test_a_durable_extension_that_cannot_be_reached_is_a_503_and_the_run_is_recorded_failed(admin, clean_runs):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/runtime/webhooks/durabletask/"
    dispatcher = Dispatcher(function_app.app, durable_url=closed)
    status, headers, body = call(dispatcher, "POST", "/api/summaries/runs", admin.client.token, {"period": "2026-07"})
    assert status == 503 and headers["retry-after"] == "5", body
    from sqlalchemy import select

    from shared.data.db import run_unit_of_work
    from shared.data.models import SummaryRun

    runs = run_unit_of_work(lambda s: [(r.period, r.status) for r in s.execute(select(SummaryRun)).scalars()])
    assert runs == [("2026-07", "failed")]
