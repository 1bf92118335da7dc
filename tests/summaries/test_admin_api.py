"""POST /api/summaries/runs, GET /api/summaries/runs/{id} and GET /api/summaries through the HTTP layer
(devhost's router: no Durable host, so the run happens in-process with the same activity code)."""
from __future__ import annotations

import pytest

from shared.services.summaries import last_closed_month
from tests.conftest import Client, assert_problem, make_user
from tests.reports.helpers import add
from tests.summaries.conftest import make_admin, stored

RUN = "/api/summaries/runs"


@pytest.fixture
def admin():
    user = make_user()
    make_admin(user)
    return user


def _unknown_route(client: Client):
    return client.post("/api/no-such-thing", json={"period": "2026-10"})


@pytest.mark.parametrize("who", ["user", "anonymous", "bad token"])
def test_everyone_but_an_admin_gets_the_unknown_route_404(who):
    client = {"user": lambda: make_user().client, "anonymous": lambda: Client(),
              "bad token": lambda: Client(token="not-a-token")}[who]()
    for body in ({"period": "2026-10"}, {"period": "2026-13"}, {"nonsense": True}):
        refused, unknown = client.post(RUN, json=body), _unknown_route(client)
        assert_problem(refused, 404)
        assert refused.json() == unknown.json()
        assert refused.content_type == unknown.content_type
    assert client.get("/api/summaries/runs/x").json() == client.get("/api/no-such-thing").json()


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "26-10", "", "2999-01"])
def test_an_invalid_or_unclosed_period_is_422(admin, period):
    assert_problem(admin.client.post(RUN, json={"period": period}), 422, "period")


def test_the_current_month_has_not_closed(admin):
    from shared.data.types import utcnow

    assert_problem(admin.client.post(RUN, json={"period": utcnow().strftime("%Y-%m")}), 422, "period")


def test_unknown_fields_are_422(admin):
    assert_problem(admin.client.post(RUN, json={"period": "2026-10", "all": True}), 422)


def test_an_admin_run_answers_202_with_a_status_url_and_stores_summaries(admin, clean_runs):
    saver = make_user()
    month = last_closed_month()
    add(saver.client, "income", "100.00", f"{month}-01")
    add(saver.client, "expense", "30.50", f"{month}-02")
    r = admin.client.post(RUN, json={"period": month})
    assert r.status == 202, r
    body = r.json()
    assert body["statusQueryGetUri"] == r.header("location") == f"/api/summaries/runs/{body['id']}"
    status = admin.client.get(r.header("location"))
    assert status.status == 200, status
    info = status.json()
    assert info["id"] == body["id"] and info["status"] == "completed" and info["period"] == month
    assert info["manual"] is True
    assert info["users"] >= 2 and info["rows_written"] >= info["users"]
    assert stored(saver.id)[("month", month)] == ("100.00", "30.50", "69.50", "savings")

    page = saver.client.get("/api/summaries", params={"granularity": "month"}).json()
    assert page["total"] == 1 and page["page"] == 1 and page["page_size"] == 50
    item = page["items"][0]
    assert {k: item[k] for k in ("granularity", "period", "income", "expenses", "net", "outcome")} == {
        "granularity": "month", "period": month, "income": "100.00", "expenses": "30.50", "net": "69.50",
        "outcome": "savings"}
    assert item["generated_at"].endswith("Z")


def test_summaries_are_paginated_newest_first_and_only_the_callers(clean_runs):
    from shared.data.db import run_unit_of_work
    from shared.services.summaries import store_batch

    user, other = make_user(), make_user()
    add(user.client, "expense", "5.00", "2025-03-03")
    for month in ("2025-01", "2025-02", "2025-03"):
        run_unit_of_work(lambda s, m=month: store_batch(s, m, user.id, other.id))
    first = user.client.get("/api/summaries", params={"page_size": 2}).json()
    assert [i["period"] for i in first["items"]] == ["2025-03", "2025-02"] and first["total"] == 3
    assert first["items"][0]["outcome"] == "loss"
    second = user.client.get("/api/summaries", params={"page_size": 2, "page": 2}).json()
    assert [i["period"] for i in second["items"]] == ["2025-01"]
    quarters = user.client.get("/api/summaries", params={"granularity": "quarter"}).json()
    assert [i["period"] for i in quarters["items"]] == ["2025-Q1"]
    assert_problem(user.client.get("/api/summaries", params={"granularity": "week"}), 422, "granularity")
    assert_problem(Client().get("/api/summaries"), 401)
