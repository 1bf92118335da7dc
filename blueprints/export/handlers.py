"""Route of /api/export: all of the caller's data as a zip (one CSV per resource and data.json)."""
import datetime as dt

import azure.functions as func

from shared.services.export import export_zip
from shared.web.auth import authenticated
from shared.web.http import Context
from shared.web.openapi import Raw


@authenticated(response=Raw({"application/zip": {"type": "string", "format": "binary"}},
                             "A zip of one CSV per resource and data.json"))
def export_data(ctx: Context) -> func.HttpResponse:
    """Everything you own, as a zip: one CSV per resource and data.json with all of it.

    transactions.csv, accounts.csv, credit_cards.csv, categories.csv, income_sources.csv, budgets.csv,
    goals.csv, portfolios.csv, assets.csv, prices.csv, trades.csv, rules.csv, recurring.csv, tags.csv,
    fx_rates.csv (your own rates) and imports.csv. Each resource's columns are the fields its GET
    answers, computed ones included (a card's available_credit, a budget's spent, a schedule's
    next_date); data.json holds the same rows as JSON objects under the same names.
    transactions.csv adds the bank's `fitid`, the `import_id` that created a row, tags (`a|b`) and
    `signed_amount` (negative for expenses and transfers out), so it imports back with
    {"date": "date", "amount": "signed_amount", ...}. Amounts are exact decimal strings. Rows are
    read and zipped page by page."""
    with export_zip(ctx.session, ctx.user) as spool:
        body = spool.read()
    name = f"finance-export-{dt.date.today().isoformat()}.zip"
    return func.HttpResponse(body, status_code=200, mimetype="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
