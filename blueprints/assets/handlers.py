"""Routes of the assets in a portfolio (/api/portfolios/{id}/assets, /api/assets/{id}) and of each
asset's price history (/api/assets/{id}/prices). Rules in shared/investments.py."""

from shared.schemas import PageQuery
from shared.schemas.investments import (
    AssetIn,
    AssetOut,
    PriceAnswer,
    PriceBatchOut,
    PriceIn,
    PriceOut,
    PriceQuery,
)
from shared.services.investments import Assets, Prices
from shared.web.auth import authenticated
from shared.web.http import Context, Reply, page_of
from shared.web.routes import ListOf, resource_handlers

assets = Assets()
prices = Prices(assets)
# GET, PATCH, DELETE /api/assets/{id}; list and create are below, under the portfolio
handlers = resource_handlers(assets, "assets", collection=False)


def _page(rows, total: int, params, schema) -> dict:
    return page_of([schema.model_validate(r).model_dump(mode="json") for r in rows], params.page,
                   params.page_size, total)


@authenticated(query=PageQuery, response=ListOf(AssetOut))
def list_assets(ctx: Context):
    """The assets of one of your portfolios, a page at a time."""
    rows, total = assets.list_in(ctx.session, ctx.user, ctx.route_int(), ctx.params)
    items = [a.model_dump(mode="json") for a in assets.to_out(ctx.session, ctx.user, rows)]
    return page_of(items, ctx.params.page, ctx.params.page_size, total)


@authenticated(body=AssetIn, response=AssetOut, status=201)
def create_asset(ctx: Context) -> AssetOut:
    """Add an asset to one of your portfolios. Its quantity, amount_invested and purchase_date are its
    first buy, recorded as its first trade (`initial: true`); patching them changes that trade."""
    row = assets.create_in(ctx.session, ctx.user, ctx.route_int(), ctx.data)
    return assets.to_out(ctx.session, ctx.user, [row])[0]


@authenticated(query=PriceQuery, response=ListOf(PriceOut))
def list_asset_prices(ctx: Context):
    """An asset's price history (date_from and date_to inclusive; newest first unless sort=date)."""
    rows, total = prices.list(ctx.session, ctx.user, ctx.route_int(), ctx.params)
    return _page(rows, total, ctx.params, PriceOut)


@authenticated(body=PriceIn, body_is_list=PriceIn, response=PriceAnswer, status=201)
def add_asset_prices(ctx: Context):
    """Record a price `{"date", "price"}` (201, the price), or a JSON array of up to 1,000
    (201, `{"items", "count"}`), in one statement. One price per asset and date: a price for a date
    that already has one replaces it. An array naming the same date twice is refused (422)."""
    if isinstance(ctx.data, list):
        stored = prices.put(ctx.session, ctx.user, ctx.route_int(), ctx.data)
        items = [PriceOut.model_validate(row) for row in stored]
        return Reply(PriceBatchOut(items=items, count=len(items)), 201)
    return PriceOut.model_validate(prices.put(ctx.session, ctx.user, ctx.route_int(), [ctx.data])[0])
