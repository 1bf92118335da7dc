"""Scheduled summaries: the timer, the Durable orchestration (fan-out over batches of users, fan-in,
record the run), its activities, the admin routes that start and follow a run, and GET /api/summaries.

Durable host vs. devhost/tests: the functions that use the Durable client are `async def` and await
it on the worker's one event loop (azure-functions-durable keeps one aiohttp session per process,
bound to the loop it was first used on). POST /api/summaries/runs takes the client as an optional
binding: under the Functions host it is always given and the run is a real orchestration; devhost
passes it only when pointed at a Durable endpoint (`--durable-url`), and otherwise the same job runs
in-process, batch by batch, with the same activity code (shared/services/summaries.py). Either way
the run is recorded, the 202's Location is GET /api/summaries/runs/{id}, and that reads the record.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import uuid
from functools import partial
from typing import Any
from urllib.parse import quote

import azure.durable_functions as df
import azure.functions as func
from sqlalchemy.orm import Session

from shared.data.config import get_settings
from shared.data.db import DatabaseUnavailable, run_unit_of_work
from shared.data.models import User
from shared.errors import Forbidden, NotFound, Unauthenticated, invalid
from shared.schemas import reports as s
from shared.services import summaries
from shared.web.auth import authenticated, current_user
from shared.web.http import SECURITY_HEADERS, Context, Reply, declared, handler, page_of, problem_response

log = logging.getLogger("finance.summaries")

# The orchestration and its activities, by the names __init__.py declares them under.
ORCHESTRATOR = "summaries_orchestrator"
PLAN, BATCH, RECORD = "summaries_plan", "summaries_batch", "summaries_record"
# A batch that fails (a deadlock, a dropped connection) is tried up to 3 times, 5 s apart. Only these
# two numbers reach the Durable extension: the Python SDK's RetryOptions.to_json() sends
# firstRetryIntervalInMilliseconds and maxNumberOfAttempts and nothing else, so the extension's own
# defaults hold for the rest (backoff coefficient 1: every wait is the first interval).
BATCH_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)


# --- timer --------------------------------------------------------------------------------------

async def summaries_timer(timer: func.TimerRequest, client) -> None:
    """Start the orchestration for the month that just closed (one instance per month)."""
    period = summaries.last_closed_month()
    instance_id = f"summaries-{period}"
    status = await client.get_status(instance_id)
    if status and status.runtime_status in (df.OrchestrationRuntimeStatus.Running,
                                            df.OrchestrationRuntimeStatus.Pending):
        log.info("summaries for %s already running (%s)", period, instance_id)
        return
    await client.start_new(ORCHESTRATOR, instance_id, {"period": period, "manual": False})
    log.info("started summaries for %s (%s), past due: %s", period, instance_id, timer.past_due)


# --- orchestration ------------------------------------------------------------------------------

def summaries_orchestrator(context: df.DurableOrchestrationContext):
    """Plan the batches, fan out one activity per batch (each retried), fan in, record the run."""
    job = context.get_input() or {}
    if isinstance(job, str):
        job = json.loads(job)
    period = job["period"]
    plan = yield context.call_activity(PLAN, {"period": period, "instance_id": context.instance_id,
                                              "manual": bool(job.get("manual"))})
    batches = plan["batches"]
    record = {"instance_id": context.instance_id, "period": period, "batches": len(batches)}
    tasks = [context.call_activity_with_retry(BATCH, BATCH_RETRY, {"period": period, "low": low, "high": high})
             for low, high, _users in batches]
    try:
        results = (yield context.task_all(tasks)) if tasks else []
    except Exception:
        yield context.call_activity(RECORD, {**record, "status": "failed", "users": 0, "rows_written": 0})
        raise
    outcome = {**record, "status": "completed", "users": sum(r["users"] for r in results),
               "rows_written": sum(r["rows_written"] for r in results)}
    yield context.call_activity(RECORD, outcome)
    return outcome


def _job(raw: Any) -> dict:
    return json.loads(raw) if isinstance(raw, (str, bytes)) else raw


def summaries_plan(job: dict) -> dict:
    """Record the run and split the users into id ranges of SUMMARY_BATCH_SIZE."""
    job = _job(job)
    size = get_settings().summary_batch_size

    def work(session: Session) -> list[summaries.Batch]:
        summaries.start_run(session, job["instance_id"], job["period"], manual=bool(job.get("manual")))
        return summaries.user_batches(session, size)

    return {"batches": [[b.low, b.high, b.users] for b in run_unit_of_work(work)]}


def summaries_batch(job: dict) -> dict:
    """Store the summaries of one batch of users (one aggregate per period, one transaction)."""
    job = _job(job)
    return run_unit_of_work(lambda session: summaries.store_batch(session, job["period"], job["low"], job["high"]))


def summaries_record(job: dict) -> dict:
    job = _job(job)
    run_unit_of_work(lambda session: summaries.finish_run(
        session, job["instance_id"], status=job["status"], batches=job["batches"], users=job["users"],
        rows_written=job["rows_written"]))
    return job


# --- GET /api/summaries -------------------------------------------------------------------------

@authenticated(query=s.SummaryListQuery, response=s.StoredSummaryPage)
def list_summaries(ctx: Context):
    """The period summaries the scheduled job stored for you, newest period first."""
    p = ctx.params
    rows, total = summaries.list_summaries(ctx.session, ctx.user.id, p.granularity, p.page, p.page_size)
    items = [s.StoredSummaryOut.model_validate(r).model_dump(mode="json") for r in rows]
    return page_of(items, p.page, p.page_size, total)


# --- admin: POST /api/summaries/runs, GET /api/summaries/runs/{id} --------------------------------
# Everyone but an admin gets exactly what an unknown route gets (devhost's answer), so the routes'
# existence is not revealed: no 401, no 403, and the body is not even validated first.

ROUTE_NOT_FOUND = {"type": "about:blank", "title": "Not found", "status": 404,
                   "detail": "No route matches this method and path."}


def route_not_found() -> func.HttpResponse:
    return func.HttpResponse(json.dumps(ROUTE_NOT_FOUND), status_code=404,
                             mimetype="application/problem+json", charset="utf-8",
                             headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


class _Hidden(NotFound):
    def __init__(self):
        super().__init__(ROUTE_NOT_FOUND["detail"])


def admin_only(req: func.HttpRequest, session: Session) -> User:
    try:
        user = current_user(req, session, scope="identity")  # no personal access token reaches these
    except (Unauthenticated, Forbidden):
        raise _Hidden() from None
    if user.role != "admin":
        raise _Hidden()
    return user


def _is_admin(req: func.HttpRequest, session: Session) -> bool:
    try:
        admin_only(req, session)
        return True
    except _Hidden:
        return False


def admin_endpoint(**options: Any):
    """`handler(authenticate=admin_only, ...)` whose refusals answer like an unknown route."""
    def wrap(fn):
        endpoint = handler(fn, authenticate=admin_only, admin=True, **options)

        @declared(endpoint.spec)
        def http_function(req: func.HttpRequest) -> func.HttpResponse:
            try:
                allowed = run_unit_of_work(lambda session: _is_admin(req, session))
            except DatabaseUnavailable:
                allowed = True  # let the handler answer its 503
            return endpoint(req) if allowed else route_not_found()

        http_function.__name__ = http_function.__qualname__ = fn.__name__
        http_function.__doc__ = fn.__doc__
        return http_function
    return wrap


def _status_path(req: func.HttpRequest, instance_id: str) -> str:
    """`/api/summaries/runs/{id}`: this request's path (whatever the route prefix) and the run's id."""
    path = "/" + (req.url or "").split("?", 1)[0].split("://", 1)[-1].split("/", 1)[-1]
    return path.rstrip("/") + "/" + quote(instance_id, safe="")


# The runs this invocation accepted for a Durable host to start (None: no Durable client, run here).
_to_start: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar("summaries_to_start",
                                                                                         default=None)


@admin_endpoint(body=s.RunSummariesIn, response=s.RunAcceptedOut, status=202, extra_statuses=(404, 503))
def _accept_run(ctx: Context):
    """Start the summaries job for a closed month (admins only; 404 for everyone else).

    Answers 202 with `Location: /api/summaries/runs/{id}`. Under the Functions host the run is a
    Durable orchestration; without one (devhost, the tests) the same job runs in this process first."""
    try:
        month = summaries.parse_closed_month(ctx.data.period).key
    except summaries.InvalidPeriod as exc:
        raise invalid("period", str(exc)) from None
    to_start = _to_start.get()
    if to_start is not None:
        instance_id = f"summaries-{month}-{uuid.uuid4().hex}"
        summaries.start_run(ctx.session, instance_id, month, manual=True, status="pending")
        to_start.append((instance_id, month))
    else:
        ctx.session.commit()  # the in-process job opens its own sessions
        instance_id = summaries.run_locally(month, batch_size=get_settings().summary_batch_size,
                                            manual=True).instance_id
    status_url = _status_path(ctx.req, instance_id)
    return Reply({"id": instance_id, "statusQueryGetUri": status_url}, 202, {"Location": status_url})


@declared(_accept_run.spec)
async def start_summaries_run(req: func.HttpRequest, client: str | None = None) -> func.HttpResponse:
    """Start the summaries job for a closed month (admins only; 404 for everyone else).

    The host passes the Durable client binding as `client` (JSON); devhost passes it when it is given
    a Durable endpoint, else nothing, and the job runs in-process. The database work runs on a worker
    thread; the orchestration is started here, on the worker's event loop, after that work committed."""
    durable = df.DurableOrchestrationClient(client) if client else None
    to_start: list[tuple[str, str]] = []
    token = _to_start.set(to_start if durable is not None else None)
    try:
        response = await asyncio.to_thread(_accept_run, req)  # the context (and to_start) goes along
    finally:
        _to_start.reset(token)
    for instance_id, month in to_start:
        try:
            await durable.start_new(ORCHESTRATOR, instance_id, {"period": month, "manual": True})
        except Exception:
            log.exception("could not start the summaries orchestration %s", instance_id)
            await asyncio.to_thread(run_unit_of_work, partial(
                summaries.finish_run, instance_id=instance_id, status="failed", batches=0, users=0, rows_written=0))
            failed = problem_response(503, "The job could not be started right now; try again shortly.",
                                      headers={"Retry-After": "5"})
            failed.headers.update({**SECURITY_HEADERS, "Cache-Control": "no-store"})
            return failed
        log.info("summaries for %s started (%s)", month, instance_id)
    return response


@admin_endpoint(response=s.RunStatusOut)
def get_summaries_run(ctx: Context):
    """One run of the summaries job: its status and counts (admins only; 404 for everyone else)."""
    run = summaries.run_status(ctx.session, ctx.req.route_params.get("id", ""))
    if run is None:
        raise NotFound("No such run.")
    return s.RunStatusOut.model_validate({
        "id": run.instance_id, "instance_id": run.instance_id, "period": run.period, "status": run.status,
        "manual": run.manual, "batches": run.batches, "users": run.users, "rows_written": run.rows_written,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "skipped_count": summaries.skip_count(ctx.session, run.period),
        "skipped": summaries.skips(ctx.session, run.period, limit=100)})
