"""The Function App: every function the host indexes (its name, trigger, route and bindings) and the
blueprint module that serves it, wired together here and nothing else.

Indexing imports no blueprint: each module (with the models, schemas and services it uses) is imported
on the first call of one of its functions (shared/web/deferred.py), so a cold start costs the Functions
libraries and this table, and each route pays for its own code on its first request. Its route table
(shared/web/route_table.py) is what devhost serves and the OpenAPI document describes."""
import azure.durable_functions as df
import azure.functions as func

from shared.data.config import check_settings, timer_schedule

check_settings()  # a bad setting stops the app here, with one clear line saying which and why

from shared.web.deferred import Handlers  # noqa: E402

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

auth = Handlers("blueprints.auth")
auth.route("POST", "register", "register")
auth.route("POST", "login", "login")
auth.route("POST", "token/refresh", "refresh_token")
auth.route("POST", "logout", "logout")
auth.route("GET", "me", "get_me")
auth.route("PATCH", "me", "patch_me")
auth.route("POST", "me/password", "change_password")
auth.route("DELETE", "me", "delete_me")

health = Handlers("blueprints.health")
health.route("GET", "health", "health")


def documentation(app: func.FunctionApp) -> Handlers:
    """The documentation routes of `app`: its OpenAPI document, the Swagger UI page and the page's files."""
    docs = Handlers("blueprints.docs", lambda module: module.handlers_for(app))
    docs.route("GET", "openapi.json", "openapi_document")
    docs.route("GET", "docs", "docs_page")
    docs.route("GET", "docs/assets/{name}", "serve_docs_asset")
    return docs


docs = documentation(app)

accounts = Handlers("blueprints.accounts")
accounts.resource("accounts")

credit_cards = Handlers("blueprints.credit_cards")
credit_cards.resource("credit-cards")

income_sources = Handlers("blueprints.income_sources")
income_sources.resource("income-sources")

categories = Handlers("blueprints.categories")
categories.resource("categories")

transactions = Handlers("blueprints.transactions")
transactions.resource("transactions")

tags = Handlers("blueprints.tags")
tags.route("GET", "tags", "list_tags")

rules = Handlers("blueprints.rules")
rules.resource("rules")
rules.route("POST", "rules/{id:int}/run", "run_rule")

imports = Handlers("blueprints.imports")
imports.route("POST", "imports", "import_file")
imports.route("GET", "imports", "list_imports")
imports.route("GET", "imports/{id:int}", "get_import")
imports.route("DELETE", "imports/{id:int}", "undo_import")

export = Handlers("blueprints.export")
export.route("GET", "export", "export_data")

budgets = Handlers("blueprints.budgets")
budgets.resource("budgets")

goals = Handlers("blueprints.goals")
goals.resource("goals")
goals.route("POST", "goals/{id:int}/contributions", "contribute_to_goal")

portfolios = Handlers("blueprints.portfolios")
portfolios.resource("portfolios")
portfolios.route("GET", "portfolios/{id:int}/valuation", "portfolio_valuation")
portfolios.route("GET", "portfolios/{id:int}/history", "portfolio_history")

assets = Handlers("blueprints.assets")
assets.resource("assets", collection=False)
assets.route("GET", "portfolios/{id:int}/assets", "list_assets")
assets.route("POST", "portfolios/{id:int}/assets", "create_asset")
assets.route("GET", "assets/{id:int}/prices", "list_asset_prices")
assets.route("POST", "assets/{id:int}/prices", "add_asset_prices")

trades = Handlers("blueprints.trades")
trades.route("GET", "assets/{id:int}/trades", "list_asset_trades")
trades.route("POST", "assets/{id:int}/trades", "create_asset_trade")
trades.route("GET", "trades/{id:int}", "get_trade")
trades.route("DELETE", "trades/{id:int}", "delete_trade")
trades.route("GET", "portfolios/{id:int}/performance", "portfolio_performance_route")
trades.route("GET", "assets/{id:int}/performance", "asset_performance_route")

reports = Handlers("blueprints.reports")
reports.route("GET", "reports/monthly", "monthly_report")
reports.route("GET", "reports/summary", "summary_report")
reports.route("GET", "reports/trend", "trend_report")
reports.route("GET", "reports/spending-patterns", "spending_patterns")

recurring = Handlers("blueprints.recurring")
recurring.route("GET", "recurring/suggestions", "recurring_suggestions")
recurring.resource("recurring")
recurring.route("GET", "forecast", "get_forecast")


@recurring.bp.timer_trigger(arg_name="timer", schedule=timer_schedule("RECURRING_SCHEDULE"), run_on_startup=False)
@recurring.function
def recurring_timer(timer: func.TimerRequest) -> None:
    """Posts every due occurrence."""


fx_rates = Handlers("blueprints.fx_rates")
fx_rates.route("GET", "fx-rates", "list_fx_rates")
fx_rates.route("POST", "fx-rates", "add_fx_rates")


@fx_rates.bp.timer_trigger(arg_name="timer", schedule=timer_schedule("FX_RATES_SCHEDULE"), run_on_startup=False)
@fx_rates.function
def fx_rates_timer(timer: func.TimerRequest) -> None:
    """Fetches and stores the euro reference rates."""


net_worth = Handlers("blueprints.net_worth")
net_worth.route("GET", "net-worth", "get_net_worth")
net_worth.route("GET", "net-worth/history", "get_net_worth_history")

# The summaries job: a timer starts a Durable orchestration that fans out over batches of users.
summaries = Handlers("blueprints.summaries", bp=df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS))


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

chat = Handlers("blueprints.chat")
chat.route("POST", "chat", "chat")

tokens = Handlers("blueprints.tokens")
tokens.route("POST", "tokens", "create_token")
tokens.route("GET", "tokens", "list_tokens")
tokens.route("GET", "tokens/{id:int}", "get_token")
tokens.route("DELETE", "tokens/{id:int}", "delete_token")

mcp = Handlers("blueprints.mcp")
mcp.route("POST", "mcp", "mcp_endpoint")
mcp.route("GET", "mcp", "mcp_stream")
mcp.route("DELETE", "mcp", "mcp_end_session")

for handlers in (auth, health, docs, accounts, credit_cards, income_sources, categories, transactions, tags, rules,
                 imports, export, budgets, goals, portfolios, assets, trades, reports, recurring, fx_rates,
                 net_worth, summaries, chat, tokens, mcp):
    app.register_functions(handlers.bp)
