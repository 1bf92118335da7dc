"""/api/fx-rates (the caller's own exchange rates over the shared reference rates) and the
daily timer that stores the ECB's euro reference rates."""
import azure.functions as func

from shared.data.config import timer_schedule
from shared.web.deferred import Handlers

fx_rates = Handlers("blueprints.fx_rates.handlers")
fx_rates.route("GET", "fx-rates", "list_fx_rates")
fx_rates.route("POST", "fx-rates", "add_fx_rates")


@fx_rates.bp.timer_trigger(arg_name="timer", schedule=timer_schedule("FX_RATES_SCHEDULE"), run_on_startup=False)
@fx_rates.function
def fx_rates_timer(timer: func.TimerRequest) -> None:
    """Fetches and stores the euro reference rates."""


bp = fx_rates.bp
