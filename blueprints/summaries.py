"""Scheduled summaries: the timer, the Durable orchestration (fan-out over batches of users, fan-in,
record the run), its activities, the admin route that starts a run, and GET /api/summaries.

Durable host vs. devhost/tests: the admin route takes the Durable client as an optional second
binding (`client`, a JSON string from the host). Under the Functions host it is always given and the
run is a real orchestration (202 + the Durable status URLs). devhost and the tests call HTTP functions
with `req` only; then `client` is None and the same job runs in-process, batch by batch, with the
same activity code (shared/summaries.py), and the 202 points at GET /api/admin/summaries/runs/{id}.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from sqlalchemy.orm import Session

from shared.services import summaries
from shared.web.auth import authenticated, current_user
from shared.data.config import get_settings
from shared.data.db import DatabaseUnavailable, run_unit_of_work
from shared.errors import NotFound, Unauthenticated, invalid
from shared.web.http import SECURITY_HEADERS, Context, Reply, handler, page_of
from shared.data.models import User
from shared.schemas import reports as s

log = logging.getLogger("finance.summaries")
bp = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)

ORCHESTRATOR = "summaries_orchestrator"
PLAN, BATCH, RECORD = "summaries_plan", "summaries_batch", "summaries_record"
# A batch that fails (a deadlock, a dropped connection) is retried twice, 5 s then 10 s later.
BATCH_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)
BATCH_RETRY.backoff_coefficient = 2


# --- timer --------------------------------------------------------------------------------------

@bp.timer_trigger(arg_name="timer", schedule=summaries.timer_schedule(), run_on_startup=False)
@bp.durable_client_input(client_name="client")
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

@bp.orchestration_trigger(context_name="context", orchestration=ORCHESTRATOR)
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


@bp.activity_trigger(input_name="job", activity=PLAN)
def summaries_plan(job: dict) -> dict:
    """Record the run and split the users into id ranges of SUMMARY_BATCH_SIZE."""
    job = _job(job)
    size = get_settings().summary_batch_size

    def work(session: Session) -> list[summaries.Batch]:
        summaries.start_run(session, job["instance_id"], job["period"], manual=bool(job.get("manual")))
        return summaries.user_batches(session, size)

    return {"batches": [[b.low, b.high, b.users] for b in run_unit_of_work(work)]}


@bp.activity_trigger(input_name="job", activity=BATCH)
def summaries_batch(job: dict) -> dict:
    """Store the summaries of one batch of users (one aggregate per period, one transaction)."""
    job = _job(job)
    return run_unit_of_work(lambda session: summaries.store_batch(session, job["period"], job["low"], job["high"]))


@bp.activity_trigger(input_name="job", activity=RECORD)
def summaries_record(job: dict) -> dict:
    job = _job(job)
    run_unit_of_work(lambda session: summaries.finish_run(
        session, job["instance_id"], status=job["status"], batches=job["batches"], users=job["users"],
        rows_written=job["rows_written"]))
    return job


# --- GET /api/summaries -------------------------------------------------------------------------

@bp.route(route="summaries", methods=["GET"])
@authenticated(query=s.SummaryListQuery, response=s.StoredSummaryPage)
def list_summaries(ctx: Context):
    """The period summaries the scheduled job stored for you, newest period first."""
    p = ctx.params
    rows, total = summaries.list_summaries(ctx.session, ctx.user.id, p.granularity, p.page, p.page_size)
    items = [s.StoredSummaryOut.model_validate(r).model_dump(mode="json") for r in rows]
    return page_of(items, p.page, p.page_size, total)


# --- admin --------------------------------------------------------------------------------------
# Everyone but an admin gets exactly what an unknown route gets (devhost's answer), so the route's
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
        user = current_user(req, session)
    except Unauthenticated:
        raise _Hidden() from None
    if user.role != "admin":
        raise _Hidden()
    return user


_starter: contextvars.ContextVar[str | None] = contextvars.ContextVar("durable_starter", default=None)


def _hidden_as_unknown_route(endpoint):
    """Turn the wrapped handler's 404 from admin_only into the unknown-route answer."""
    def http_function(req: func.HttpRequest) -> func.HttpResponse:
        try:
            with_session = run_unit_of_work(lambda session: _is_admin(req, session))
        except DatabaseUnavailable:
            with_session = True  # let the handler answer its 503
        if not with_session:
            return route_not_found()
        return endpoint(req)
    return http_function


def _is_admin(req: func.HttpRequest, session: Session) -> bool:
    try:
        admin_only(req, session)
        return True
    except _Hidden:
        return False


@handler(authenticate=admin_only, body=s.RunSummariesIn, response=s.RunAcceptedOut, status=202,
         extra_statuses=(404,))
def _start_run(ctx: Context):
    try:
        month = summaries.parse_closed_month(ctx.data.period).key
    except summaries.InvalidPeriod as exc:
        raise invalid("period", str(exc)) from None
    starter = _starter.get()
    if starter is not None:
        client = df.DurableOrchestrationClient(starter)
        instance_id = asyncio.run(client.start_new(ORCHESTRATOR, None, {"period": month, "manual": True}))
        log.info("admin %s started summaries for %s (%s)", ctx.user.id, month, instance_id)
        return client.create_check_status_response(ctx.req, instance_id)
    ctx.session.commit()  # the in-process job opens its own sessions
    result = summaries.run_locally(month, batch_size=get_settings().summary_batch_size, manual=True)
    status_url = _status_url(ctx.req, result.instance_id)
    return Reply({"id": result.instance_id, "statusQueryGetUri": status_url}, 202, {"Location": status_url})


def _status_url(req: func.HttpRequest, instance_id: str) -> str:
    base = (req.url or "").split("?", 1)[0]
    return base.rsplit("/summaries/run", 1)[0] + f"/summaries/runs/{instance_id}"


_start_run_visible = _hidden_as_unknown_route(_start_run)


def admin_run_summaries(req: func.HttpRequest, client: str = None) -> func.HttpResponse:  # type: ignore[assignment]
    """Start the summaries job for a closed month (admins only; 404 for everyone else)."""
    token = _starter.set(client)
    try:
        return _start_run_visible(req)
    finally:
        _starter.reset(token)


admin_run_summaries.spec = _start_run.spec  # type: ignore[attr-defined]  # what the OpenAPI builder reads
# The host passes the Durable client as `client` (a JSON string); devhost and tests pass only `req`.
bp.route(route="admin/summaries/run", methods=["POST"])(
    bp.generic_input_binding(arg_name="client", type="durableClient")(admin_run_summaries))


@handler(authenticate=admin_only, response=s.RunStatusOut)
def _run_status(ctx: Context):
    run = summaries.run_status(ctx.session, ctx.req.route_params.get("instance_id", ""))
    if run is None:
        raise NotFound("No such run.")
    return s.RunStatusOut.model_validate(run)


def admin_summary_run(req: func.HttpRequest) -> func.HttpResponse:
    """A run started in-process (no Durable host): its status and counts (admins only)."""
    return _run_status_visible(req)


_run_status_visible = _hidden_as_unknown_route(_run_status)
admin_summary_run.spec = _run_status.spec  # type: ignore[attr-defined]
bp.route(route="admin/summaries/runs/{instance_id}", methods=["GET"])(admin_summary_run)
