"""Portfolios and the assets in them: CRUD, validation, ownership, cascades."""
from __future__ import annotations

from sqlalchemy import func, select

from shared.data.models import Asset, AssetPrice, Portfolio
from tests.conftest import assert_problem, make_user
from tests.investments.helpers import add_prices, new_asset, new_portfolio

ASSET = {"name": "Acme Corp", "type": "stock", "symbol": "ACME", "quantity": "12.12345678",
         "amount_invested": "1500.50", "purchase_date": "2026-01-15"}


def test_portfolio_crud(api):
    created = api.post("/api/portfolios", json={"name": "Retirement"})
    assert created.status == 201
    body = created.json()
    assert set(body) == {"id", "name", "created_at", "updated_at"} and body["name"] == "Retirement"
    pid = body["id"]
    assert api.get(f"/api/portfolios/{pid}").json()["name"] == "Retirement"
    assert api.patch(f"/api/portfolios/{pid}", json={"name": "Pension"}).json()["name"] == "Pension"
    listed = api.get("/api/portfolios").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == pid and listed["page_size"] == 50
    assert api.delete(f"/api/portfolios/{pid}").status == 204
    assert_problem(api.get(f"/api/portfolios/{pid}"), 404)


def test_portfolio_refuses_bad_bodies(api):
    assert_problem(api.post("/api/portfolios", json={"name": ""}), 422, "name")
    assert_problem(api.post("/api/portfolios", json={"name": "x", "user_id": 1}), 422, "user_id")
    pid = new_portfolio(api)
    assert_problem(api.patch(f"/api/portfolios/{pid}", json={"name": None}), 422, "name")


def test_asset_crud_keeps_eight_digit_quantities(api):
    pid = new_portfolio(api)
    created = api.post(f"/api/portfolios/{pid}/assets", json=ASSET)
    assert created.status == 201, created
    asset = created.json()
    assert set(asset) == {"id", "portfolio_id", "name", "type", "symbol", "quantity", "amount_invested",
                          "purchase_date", "currency", "realized_gain", "dividends", "created_at", "updated_at"}
    assert asset["portfolio_id"] == pid and asset["quantity"] == "12.12345678"
    assert asset["amount_invested"] == "1500.50" and asset["purchase_date"] == "2026-01-15"
    aid = asset["id"]
    assert api.get(f"/api/assets/{aid}").json() == asset
    patched = api.patch(f"/api/assets/{aid}", json={"quantity": 3, "symbol": None})
    assert patched.status == 200
    assert patched.json()["quantity"] == "3" and patched.json()["symbol"] is None
    assert patched.json()["name"] == "Acme Corp"
    assert api.delete(f"/api/assets/{aid}").status == 204
    assert_problem(api.get(f"/api/assets/{aid}"), 404)


def test_assets_are_listed_per_portfolio_a_page_at_a_time(api):
    first, second = new_portfolio(api, "A"), new_portfolio(api, "B")
    ids = [new_asset(api, first, name=f"asset {i}") for i in range(3)]
    new_asset(api, second)
    page = api.get(f"/api/portfolios/{first}/assets", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 3 and page["page"] == 2 and [a["id"] for a in page["items"]] == ids[2:]
    assert api.get(f"/api/portfolios/{second}/assets").json()["total"] == 1


def test_asset_validation(api):
    pid = new_portfolio(api)
    url = f"/api/portfolios/{pid}/assets"
    assert_problem(api.post(url, json={**ASSET, "quantity": "1.123456789"}), 422, "quantity")
    assert_problem(api.post(url, json={**ASSET, "quantity": "0"}), 422, "quantity")
    assert_problem(api.post(url, json={**ASSET, "quantity": "-1"}), 422, "quantity")
    assert_problem(api.post(url, json={**ASSET, "amount_invested": "-0.01"}), 422, "amount_invested")
    assert_problem(api.post(url, json={**ASSET, "amount_invested": "1.001"}), 422, "amount_invested")
    assert_problem(api.post(url, json={**ASSET, "type": "tulips"}), 422, "type")
    assert_problem(api.post(url, json={**ASSET, "purchase_date": "2026-02-30"}), 422, "purchase_date")
    assert_problem(api.post(url, json={**ASSET, "portfolio_id": pid}), 422, "portfolio_id")
    assert_problem(api.post(url, json={k: v for k, v in ASSET.items() if k != "quantity"}), 422, "quantity")
    aid = new_asset(api, pid)
    assert_problem(api.patch(f"/api/assets/{aid}", json={"quantity": None}), 422, "quantity")
    assert_problem(api.patch(f"/api/assets/{aid}", json={"user_id": 7}), 422, "user_id")
    assert api.post(url, json={**ASSET, "amount_invested": 0}).status == 201


def test_other_users_get_404_everywhere(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid)
    add_prices(api, aid, {"2026-01-02": "10"})
    other = make_user().client
    for response in (
        other.get(f"/api/portfolios/{pid}"),
        other.patch(f"/api/portfolios/{pid}", json={"name": "mine"}),
        other.delete(f"/api/portfolios/{pid}"),
        other.get(f"/api/portfolios/{pid}/assets"),
        other.post(f"/api/portfolios/{pid}/assets", json=ASSET),
        other.get(f"/api/portfolios/{pid}/valuation"),
        other.get(f"/api/portfolios/{pid}/history"),
        other.get(f"/api/assets/{aid}"),
        other.patch(f"/api/assets/{aid}", json={"name": "mine"}),
        other.delete(f"/api/assets/{aid}"),
        other.get(f"/api/assets/{aid}/prices"),
        other.post(f"/api/assets/{aid}/prices", json={"date": "2026-01-02", "price": "1"}),
        other.post(f"/api/assets/{aid}/prices", json=[{"date": "2026-01-03", "price": "1"}]),
    ):
        assert_problem(response, 404)
    assert other.get("/api/portfolios").json()["total"] == 0
    # ...and nothing of the owner's changed.
    assert api.get(f"/api/assets/{aid}").json()["name"] == "Acme"
    assert api.get(f"/api/assets/{aid}/prices").json()["items"][0]["price"] == "10"


def test_deleting_a_portfolio_deletes_its_assets_and_prices(api, db_session):
    pid, kept = new_portfolio(api), new_portfolio(api, "kept")
    aid = new_asset(api, pid)
    kept_asset = new_asset(api, kept)
    add_prices(api, aid, {"2026-01-02": "10", "2026-01-03": "11"})
    add_prices(api, kept_asset, {"2026-01-02": "10"})
    assert api.delete(f"/api/portfolios/{pid}").status == 204
    assert_problem(api.get(f"/api/assets/{aid}"), 404)
    assert_problem(api.get(f"/api/assets/{aid}/prices"), 404)
    count = lambda stmt: db_session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()  # noqa: E731
    assert count(select(Asset.id).where(Asset.portfolio_id == pid)) == 0
    assert count(select(AssetPrice.id).where(AssetPrice.asset_id == aid)) == 0
    assert count(select(AssetPrice.id).where(AssetPrice.asset_id == kept_asset)) == 1


def test_deleting_an_asset_deletes_its_prices(api, db_session):
    aid = new_asset(api, new_portfolio(api))
    add_prices(api, aid, {"2026-01-02": "10"})
    assert api.delete(f"/api/assets/{aid}").status == 204
    assert db_session.execute(select(func.count()).where(AssetPrice.asset_id == aid)).scalar_one() == 0


def test_deleting_the_user_deletes_everything(db_session):
    owner = make_user()
    pid = new_portfolio(owner.client)
    aid = new_asset(owner.client, pid)
    add_prices(owner.client, aid, {"2026-01-02": "10"})
    assert owner.client.delete("/api/me", json={"password": owner.password}).status == 204
    assert db_session.execute(select(func.count()).where(Portfolio.user_id == owner.id)).scalar_one() == 0
    assert db_session.execute(select(func.count()).where(Asset.user_id == owner.id)).scalar_one() == 0
    assert db_session.execute(select(func.count()).where(AssetPrice.asset_id == aid)).scalar_one() == 0
