"""/api/recurring (schedules, and suggestions found in history), GET /api/forecast, and the
timer that posts due occurrences."""
import azure.functions as func

from shared.data.config import timer_schedule
from shared.web.deferred import Handlers

recurring = Handlers("blueprints.recurring.handlers")
recurring.route("GET", "recurring/suggestions", "recurring_suggestions")
recurring.resource("recurring")
recurring.route("GET", "forecast", "get_forecast")


@recurring.bp.timer_trigger(arg_name="timer", schedule=timer_schedule("RECURRING_SCHEDULE"), run_on_startup=False)
@recurring.function
def recurring_timer(timer: func.TimerRequest) -> None:
    """Posts every due occurrence."""


bp = recurring.bp
