"""The assistant on investments: the figures in its reply and `data` are the performance routes' own."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.assistant.test_chat_intents import chat, shown
from tests.conftest import make_user
from tests.investments.helpers import add_prices, new_asset, new_portfolio

TODAY = dt.date.today()
JAN_1 = TODAY.replace(month=1, day=1)
FIGURES = ("start_value", "end_value", "net_contributions", "dividends", "fees", "realized_gain",
           "unrealized_gain", "twr", "xirr")


@pytest.fixture
def investor():
    user = make_user()
    c = user.client
    before = (JAN_1 - dt.timedelta(days=30)).isoformat()
    growth = new_portfolio(c, "Growth")
    a = new_asset(c, growth, quantity="10", amount_invested="1000.00", purchase_date=before)
    add_prices(c, a, {before: "100", JAN_1.isoformat(): "110", TODAY.isoformat(): "132"})
    assert c.post(f"/api/assets/{a}/trades", json={"type": "dividend", "date": TODAY.isoformat(),
                                                    "amount": "25"}).status == 201
    income = new_portfolio(c, "Income")
    b = new_asset(c, income, quantity="5", amount_invested="500.00", purchase_date=JAN_1.isoformat())
    add_prices(c, b, {JAN_1.isoformat(): "100", TODAY.isoformat(): "90"})
    return user, {"Growth": growth, "Income": income}


def rest(client, portfolio_id, **params):
    r = client.get(f"/api/portfolios/{portfolio_id}/performance", params=params or None)
    assert r.status == 200, r
    return {k: r.json()[k] for k in FIGURES}


def test_how_are_my_investments_doing_answers_the_routes_figures(investor):
    user, ids = investor
    body = chat(user.client, "How are my investments doing?")
    assert body["intent"] == "investments"
    data = body["data"]
    start = dt.date.fromisoformat(data["date_from"])
    assert data["date_to"] == TODAY.isoformat() and 365 <= (TODAY - start).days + 1 <= 366
    by_name = {p["name"]: p for p in data["portfolios"]}
    for name, portfolio_id in ids.items():
        assert {k: by_name[name][k] for k in FIGURES} == rest(user.client, portfolio_id)
    assert data["total"]["end_value"] == "1770.00"  # 10 × 132 + 5 × 90
    assert data["total"]["dividends"] == "25.00"
    assert shown("1770.00") in body["reply"] and f"{data['total']['twr']}%" in body["reply"]


def test_what_did_my_portfolio_return_this_year(investor):
    user, ids = investor
    body = chat(user.client, "What did my portfolio return this year?")
    assert body["intent"] == "investments"
    assert (body["data"]["date_from"], body["data"]["date_to"]) == (JAN_1.isoformat(), TODAY.isoformat())
    growth = rest(user.client, ids["Growth"], date_from=JAN_1.isoformat(), date_to=TODAY.isoformat())
    by_name = {p["name"]: p for p in body["data"]["portfolios"]}
    assert {k: by_name["Growth"][k] for k in FIGURES} == growth
    if TODAY != JAN_1:
        # Growth this year: 1,000 at the close of Dec 31 (the price of 110 is Jan 1's) → 1,320 + a 25
        # dividend today
        assert (growth["start_value"], growth["twr"]) == ("1000.00", "34.50")
        assert "Growth 34.50%" in body["reply"]
    assert body["reply"].startswith("This year")


def test_without_portfolios_it_says_so(user):
    body = chat(user.client, "how are my investments doing?")
    assert (body["intent"], body["reply"]) == ("investments", "You have no portfolios yet.")


def test_another_users_portfolios_never_count(investor, user):
    chat(user.client, "buy nothing")  # a user with nothing
    body = chat(user.client, "how is my portfolio performing?")
    assert body["data"]["portfolios"] == [] and body["data"]["total"] is None
