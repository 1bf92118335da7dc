"""Scheduled summaries: the timer, the Durable orchestration and its activities, the admin
routes that start and follow a run (/api/summaries/runs), and GET /api/summaries."""
import azure.durable_functions as df
import azure.functions as func

from shared.data.config import timer_schedule
from shared.web.deferred import Handlers

# The summaries job: a timer starts a Durable orchestration that fans out over batches of users.
summaries = Handlers("blueprints.summaries.handlers", bp=df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS))


@summaries.bp.timer_trigger(arg_name="timer", schedule=timer_schedule("SUMMARY_SCHEDULE"), run_on_startup=False)
@summaries.bp.durable_client_input(client_name="client")
@summaries.function
async def summaries_timer(timer: func.TimerRequest, client: str) -> None:
    """Starts the orchestration for the month that just closed (`client` arrives as the Durable client)."""


@summaries.bp.orchestration_trigger(context_name="context", orchestration="summaries_orchestrator")
@summaries.function
def summaries_orchestrator(context: df.DurableOrchestrationContext):
    """Plans the batches, fans out one activity per batch, fans in, records the run."""


@summaries.bp.activity_trigger(input_name="job", activity="summaries_plan")
@summaries.function
def summaries_plan(job: dict) -> dict:
    """Records the run and splits the users into batches."""


@summaries.bp.activity_trigger(input_name="job", activity="summaries_batch")
@summaries.function
def summaries_batch(job: dict) -> dict:
    """Stores the summaries of one batch of users."""


@summaries.bp.activity_trigger(input_name="job", activity="summaries_record")
@summaries.function
def summaries_record(job: dict) -> dict:
    """Records how the run ended."""


summaries.route("GET", "summaries", "list_summaries")


@summaries.bp.route(route="summaries/runs", methods=["POST"])
@summaries.bp.generic_input_binding(arg_name="client", type="durableClient")
@summaries.function
async def start_summaries_run(req: func.HttpRequest, client: str | None = None) -> func.HttpResponse:
    """Starts the summaries job for a closed month (admins only)."""


summaries.route("GET", "summaries/runs/{id}", "get_summaries_run")

bp = summaries.bp
