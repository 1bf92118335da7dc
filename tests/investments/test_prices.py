"""Price history: one price per asset and date, single or bulk POST, upserts, validation."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from shared.data.models import AssetPrice
from shared.services.investments import MSSQL_MERGE, _upsert_portable
from tests.conftest import assert_problem
from tests.investments.helpers import new_asset, new_portfolio


@pytest.fixture
def asset(api) -> int:
    return new_asset(api, new_portfolio(api))


def prices_of(api, asset_id: int, **params) -> list[tuple[str, str]]:
    items = api.get(f"/api/assets/{asset_id}/prices", params={"sort": "date", **params}).json()["items"]
    return [(p["date"], p["price"]) for p in items]


def test_one_price_is_created_with_eight_fraction_digits(api, asset):
    r = api.post(f"/api/assets/{asset}/prices", json={"date": "2026-03-02", "price": "123.45678901"})
    assert r.status == 201, r
    body = r.json()
    assert set(body) == {"id", "asset_id", "date", "price", "created_at", "updated_at"}
    assert body["asset_id"] == asset and body["date"] == "2026-03-02" and body["price"] == "123.45678901"


def test_a_second_price_for_a_date_replaces_the_first(api, asset):
    first = api.post(f"/api/assets/{asset}/prices", json={"date": "2026-03-02", "price": "10"}).json()
    second = api.post(f"/api/assets/{asset}/prices", json={"date": "2026-03-02", "price": 12.5})
    assert second.status == 201
    assert second.json()["id"] == first["id"] and second.json()["price"] == "12.5"
    assert second.json()["created_at"] == first["created_at"]
    assert prices_of(api, asset) == [("2026-03-02", "12.5")]


def test_bulk_post_stores_the_array_and_answers_it_in_order(api, asset):
    api.post(f"/api/assets/{asset}/prices", json={"date": "2026-03-02", "price": "10"})
    body = [{"date": "2026-03-03", "price": "11"}, {"date": "2026-03-01", "price": "9"},
            {"date": "2026-03-02", "price": "10.5"}]
    r = api.post(f"/api/assets/{asset}/prices", json=body)
    assert r.status == 201, r
    answer = r.json()
    assert answer["count"] == 3 and [(p["date"], p["price"]) for p in answer["items"]] == \
        [("2026-03-03", "11"), ("2026-03-01", "9"), ("2026-03-02", "10.5")]
    assert prices_of(api, asset) == [("2026-03-01", "9"), ("2026-03-02", "10.5"), ("2026-03-03", "11")]


def test_a_thousand_prices_in_one_request(api, asset):
    start = dt.date(2020, 1, 1)
    body = [{"date": (start + dt.timedelta(days=i)).isoformat(), "price": f"{i + 1}.00000001"} for i in range(1000)]
    r = api.post(f"/api/assets/{asset}/prices", json=body)
    assert r.status == 201 and r.json()["count"] == 1000
    page = api.get(f"/api/assets/{asset}/prices", params={"page_size": 1}).json()
    assert page["total"] == 1000 and page["items"][0]["price"] == "1000.00000001"


def test_more_than_a_thousand_prices_is_422(api, asset):
    start = dt.date(2020, 1, 1)
    body = [{"date": (start + dt.timedelta(days=i)).isoformat(), "price": "1"} for i in range(1001)]
    assert_problem(api.post(f"/api/assets/{asset}/prices", json=body), 422, "body")
    assert api.get(f"/api/assets/{asset}/prices").json()["total"] == 0


def test_the_same_date_twice_in_one_array_is_422(api, asset):
    body = [{"date": "2026-03-01", "price": "1"}, {"date": "2026-03-01", "price": "2"}]
    assert_problem(api.post(f"/api/assets/{asset}/prices", json=body), 422, "1.date")
    assert api.get(f"/api/assets/{asset}/prices").json()["total"] == 0


@pytest.mark.parametrize("price", ["-1", "0", "1.123456789", "abc", True, "NaN", "1e40"])
def test_bad_prices_are_422(api, asset, price):
    assert_problem(api.post(f"/api/assets/{asset}/prices", json={"date": "2026-03-01", "price": price}), 422, "price")


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "2026-3-1", "yesterday", None])
def test_impossible_dates_are_422(api, asset, day):
    assert_problem(api.post(f"/api/assets/{asset}/prices", json={"date": day, "price": "1"}), 422, "date")


def test_a_bad_item_in_an_array_names_its_index_and_nothing_is_stored(api, asset):
    body = [{"date": "2026-03-01", "price": "1"}, {"date": "2026-03-02", "price": "-1"},
            {"date": "2026-03-03", "price": "1", "currency": "USD"}]
    problem = assert_problem(api.post(f"/api/assets/{asset}/prices", json=body), 422)
    assert {e["field"] for e in problem["errors"]} == {"1.price", "2.currency"}
    assert_problem(api.post(f"/api/assets/{asset}/prices", json=[]), 422)
    assert api.get(f"/api/assets/{asset}/prices").json()["total"] == 0


def test_prices_are_listed_by_date_range_and_page(api, asset):
    api.post(f"/api/assets/{asset}/prices", json=[{"date": f"2026-03-{d:02d}", "price": str(d)} for d in range(1, 11)])
    assert prices_of(api, asset, date_from="2026-03-03", date_to="2026-03-05") == \
        [("2026-03-03", "3"), ("2026-03-04", "4"), ("2026-03-05", "5")]
    newest = api.get(f"/api/assets/{asset}/prices", params={"page": 2, "page_size": 3}).json()
    assert newest["total"] == 10 and [p["date"] for p in newest["items"]] == ["2026-03-07", "2026-03-06", "2026-03-05"]
    assert_problem(api.get(f"/api/assets/{asset}/prices", params={"date_from": "2026-03-05", "date_to": "2026-03-01"}),
                   422, "date_to")
    assert_problem(api.get(f"/api/assets/{asset}/prices", params={"date_from": "2026-02-30"}), 422, "date_from")
    assert_problem(api.get(f"/api/assets/{asset}/prices", params={"page_size": 101}), 422, "page_size")


def test_a_missing_asset_is_404(api):
    assert_problem(api.get("/api/assets/999999/prices"), 404)
    assert_problem(api.post("/api/assets/999999/prices", json={"date": "2026-03-01", "price": "1"}), 404)


def test_the_portable_upsert_inserts_and_replaces(api, asset, db_session):
    """The path for databases with neither ON CONFLICT nor MERGE, run here on the test database."""
    api.post(f"/api/assets/{asset}/prices", json={"date": "2026-03-01", "price": "1"})
    now = dt.datetime.now(dt.timezone.utc)
    _upsert_portable(db_session, asset, [(dt.date(2026, 3, 1), Decimal("2.5")), (dt.date(2026, 3, 2), Decimal("3"))],
                     now)
    rows = db_session.execute(select(AssetPrice.date, AssetPrice.price).where(AssetPrice.asset_id == asset)
                              .order_by(AssetPrice.date)).all()
    assert [(d.isoformat(), format(p.normalize(), "f")) for d, p in rows] == [
        ("2026-03-01", "2.5"), ("2026-03-02", "3")]


def test_the_sql_server_merge_is_valid_t_sql():
    sqlglot = pytest.importorskip("sqlglot")
    parsed = sqlglot.parse_one(MSSQL_MERGE.text.replace(":rows", "@rows").replace(":asset_id", "@asset_id")
                               .replace(":now", "@now"), read="tsql")
    assert parsed.key == "merge"
