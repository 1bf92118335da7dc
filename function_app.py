"""The Function App: one blueprint per resource, wired together here and nothing else.

Each blueprint (blueprints/<resource>/__init__.py) declares its functions next to the handlers serving
them and loads those on their first call (shared/web/deferred.py), so indexing the app imports no model,
schema or service. Its route table (shared/web/route_table.py) is what devhost serves and the OpenAPI
document describes."""
import azure.durable_functions as df
import azure.functions as func

from shared.data.config import check_settings

check_settings()  # a bad setting stops the app here, with one clear line saying which and why

from blueprints import (  # noqa: E402
    accounts,
    assets,
    auth,
    budgets,
    categories,
    chat,
    credit_cards,
    docs,
    export,
    fx_rates,
    goals,
    health,
    imports,
    income_sources,
    mcp,
    net_worth,
    portfolios,
    recurring,
    reports,
    rules,
    summaries,
    tags,
    tokens,
    trades,
    transactions,
)

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (
    auth.bp,
    health.bp,
    docs.blueprint_for(app),
    accounts.bp,
    credit_cards.bp,
    income_sources.bp,
    categories.bp,
    transactions.bp,
    tags.bp,
    rules.bp,
    imports.bp,
    export.bp,
    budgets.bp,
    goals.bp,
    portfolios.bp,
    assets.bp,
    trades.bp,
    reports.bp,
    recurring.bp,
    fx_rates.bp,
    net_worth.bp,
    summaries.bp,
    chat.bp,
    tokens.bp,
    mcp.bp,
):
    app.register_functions(blueprint)
