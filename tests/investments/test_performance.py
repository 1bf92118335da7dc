"""Performance of a portfolio and of an asset: textbook cases with known answers, XIRR against a
hand computation and an independent solver, and properties of TWR and XIRR."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.services.performance import measure, xirr
from shared.services.positions import Trade
from tests.conftest import assert_problem
from tests.investments.helpers import add_prices, new_asset, new_portfolio


def performance(api, path, **params):
    r = api.get(f"/api/{path}/performance", params=params)
    assert r.status == 200, r
    return r.json()


def npv(rate: float, flows: list[tuple[dt.date, float]]) -> float:
    first = flows[0][0]
    return sum(amount / (1 + rate) ** ((day - first).days / 365) for day, amount in flows)


def bisection_irr(flows: list[tuple[dt.date, float]]) -> float:
    """An independent XIRR: NPV falls as the rate rises (money in first, out last), so bisect."""
    low, high = -0.9999, 100.0
    for _ in range(200):
        mid = (low + high) / 2
        if npv(mid, flows) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


# --- textbook cases ---------------------------------------------------------------------------


def test_buy_and_hold_twr_is_the_price_return(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2025-01-01")
    add_prices(api, aid, {"2025-01-01": "100", "2025-06-30": "90", "2026-01-01": "120"})
    body = performance(api, f"portfolios/{pid}", date_from="2025-01-01", date_to="2026-01-01")
    assert {k: body[k] for k in ("start_value", "end_value", "net_contributions", "dividends", "fees",
                                 "realized_gain", "unrealized_gain", "twr", "xirr")} == {
        "start_value": "0.00", "end_value": "1200.00", "net_contributions": "1000.00", "dividends": "0.00",
        "fees": "0.00", "realized_gain": "0.00", "unrealized_gain": "200.00",
        "twr": "20.00",  # 120 / 100 − 1
        "xirr": "20.00",  # 1,200 / 1,000 over exactly 365 days
    }
    assert (body["portfolio_id"], body["asset_id"], body["date_from"], body["date_to"]) == \
        (pid, None, "2025-01-01", "2026-01-01")
    asset = performance(api, f"assets/{aid}", date_from="2025-01-01", date_to="2026-01-01")
    assert (asset["asset_id"], asset["twr"], asset["xirr"], asset["end_value"]) == (aid, "20.00", "20.00", "1200.00")


def test_a_range_inside_the_holding_starts_from_its_value(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2025-01-01")
    add_prices(api, aid, {"2025-01-01": "100", "2025-06-30": "110", "2026-01-01": "121"})
    body = performance(api, f"assets/{aid}", date_from="2025-07-01", date_to="2026-01-01")
    # start: the close of 06-30 (1,100); no flow in the range
    assert (body["start_value"], body["end_value"], body["net_contributions"], body["unrealized_gain"],
            body["twr"]) == ("1100.00", "1210.00", "0.00", "110.00", "10.00")
    # XIRR: 10% over the 185 days from the close of 06-30, annualised: 1.1^(365/185) − 1 = 20.69%
    assert body["xirr"] == "20.69"


def test_a_deposit_right_before_a_crash(api):
    """1 unit at 100, it doubles; 9 more at 200 right before it halves. The investment (TWR) went
    +100% then −50%: 0%. The investor (XIRR) put 1,900 in and has 1,000: deeply negative."""
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="1", amount_invested="100.00", purchase_date="2025-01-01")
    add_prices(api, aid, {"2025-01-01": "100", "2025-07-01": "200", "2026-01-01": "100"})
    r = api.post(f"/api/assets/{aid}/trades", json={"type": "buy", "date": "2025-07-01", "quantity": "9",
                                                     "price": "200"})
    assert r.status == 201, r
    body = performance(api, f"portfolios/{pid}", date_from="2025-01-01", date_to="2026-01-01")
    assert (body["net_contributions"], body["end_value"], body["unrealized_gain"], body["twr"]) == \
        ("1900.00", "1000.00", "-900.00", "0.00")
    flows = [(dt.date(2025, 1, 1), -100.0), (dt.date(2025, 7, 1), -1800.0), (dt.date(2026, 1, 1), 1000.0)]
    expected = bisection_irr(flows)
    assert expected < -0.5  # the known direction: money-weighted far below time-weighted
    assert Decimal(body["xirr"]) == (Decimal(repr(expected)) * 100).quantize(Decimal("0.01"))


def test_dividends_are_counted_once(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2025-01-01")
    add_prices(api, aid, {"2025-01-01": "100"})
    r = api.post(f"/api/assets/{aid}/trades", json={"type": "dividend", "date": "2025-07-02", "amount": "50"})
    assert r.status == 201, r
    body = performance(api, f"assets/{aid}", date_from="2025-01-01", date_to="2026-01-01")
    # the price never moved: the whole return is the dividend, once (not also as value or gain)
    assert (body["end_value"], body["dividends"], body["realized_gain"], body["unrealized_gain"], body["twr"]) == \
        ("1000.00", "50.00", "0.00", "0.00", "5.00")
    flows = [(dt.date(2025, 1, 1), -1000.0), (dt.date(2025, 7, 2), 50.0), (dt.date(2026, 1, 1), 1000.0)]
    assert Decimal(body["xirr"]) == (Decimal(repr(bisection_irr(flows))) * 100).quantize(Decimal("0.01"))
    assert Decimal("5.00") < Decimal(body["xirr"]) < Decimal("5.20")  # paid mid-year: a little above 5%
    assert api.get(f"/api/assets/{aid}").json()["dividends"] == "50.00"


def test_a_two_for_one_split_changes_quantity_not_value(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2025-01-01")
    add_prices(api, aid, {"2025-01-01": "100", "2025-06-01": "50", "2026-01-01": "55"})
    r = api.post(f"/api/assets/{aid}/trades", json={"type": "split", "date": "2025-06-01", "quantity": "2"})
    assert r.status == 201, r
    body = performance(api, f"assets/{aid}", date_from="2025-01-01", date_to="2026-01-01")
    assert (body["end_value"], body["net_contributions"], body["twr"]) == ("1100.00", "1000.00", "10.00")
    valuation = api.get(f"/api/portfolios/{pid}/valuation", params={"date": "2025-06-01"}).json()["assets"][0]
    assert (valuation["quantity"], valuation["market_value"], valuation["amount_invested"]) == \
        ("20", "1000.00", "1000.00")


def test_sells_fees_and_the_identity_of_the_figures(api):
    pid = new_portfolio(api)
    aid = new_asset(api, pid, quantity="10", amount_invested="1000.00", purchase_date="2025-01-01")
    add_prices(api, aid, {"2025-01-01": "100", "2025-03-01": "150", "2025-12-31": "160"})
    for body in ({"type": "sell", "date": "2025-03-01", "quantity": "4", "price": "150", "fee": "10"},
                 {"type": "fee", "date": "2025-06-01", "amount": "7.50"}):
        assert api.post(f"/api/assets/{aid}/trades", json=body).status == 201
    body = performance(api, f"portfolios/{pid}", date_from="2025-01-01", date_to="2025-12-31")
    # the sell: proceeds 590, cost out 400, realized 190; 6 units left cost 600, worth 960
    assert (body["net_contributions"], body["realized_gain"], body["fees"], body["end_value"],
            body["unrealized_gain"]) == ("410.00", "190.00", "7.50", "960.00", "360.00")
    figures = {k: Decimal(body[k]) for k in body if k not in ("portfolio_id", "asset_id", "date_from", "date_to",
                                                               "currency", "missing_rates", "twr", "xirr")}
    assert figures["end_value"] - figures["start_value"] == \
        figures["net_contributions"] + figures["realized_gain"] + figures["unrealized_gain"]
    # TWR by hand: buy day (1000 → 1000 at 100): 1; sell day: (1500 − (−590)) ... i.e. (900 + 590) / 1000;
    # fee day: (6 × 150 − 7.50) / 900; to the end: 960 / 900
    by_hand = Decimal(1490) / 1000 * (Decimal("892.50") / 900) * (Decimal(960) / 900) - 1
    assert body["twr"] == format((by_hand * 100).quantize(Decimal("0.01")), "f")


def test_defaults_are_the_last_twelve_months(api):
    pid = new_portfolio(api)
    body = performance(api, f"portfolios/{pid}")
    today = dt.date.today()
    assert body["date_to"] == today.isoformat()
    start = dt.date.fromisoformat(body["date_from"])
    assert 365 <= (today - start).days + 1 <= 366
    assert (body["start_value"], body["end_value"], body["twr"], body["xirr"]) == ("0.00", "0.00", None, None)


def test_bad_ranges_and_other_users_are_refused(api, other_user):
    pid = new_portfolio(api)
    aid = new_asset(api, pid)
    for path in (f"portfolios/{pid}", f"assets/{aid}"):
        assert_problem(api.get(f"/api/{path}/performance", params={"date_from": "2026-02-01",
                                                                   "date_to": "2026-01-01"}), 422, "date_to")
        assert_problem(api.get(f"/api/{path}/performance", params={"date_from": "2026-13-01"}), 422, "date_from")
        assert_problem(api.get(f"/api/{path}/performance", params={"since": "2026-01-01"}), 422)
        assert other_user.client.get(f"/api/{path}/performance").status == 404
    assert_problem(api.get(f"/api/portfolios/{pid}/performance", params={"date_from": "0001-01-01"}), 422,
                   "date_from")
    assert_problem(api.get(f"/api/portfolios/{pid}/performance", params={"date_to": "0001-06-01"}), 422, "date_to")
    r = api.get(f"/api/portfolios/{pid}/performance", params={"date_from": "0001-01-03", "date_to": "9999-12-31"})
    assert r.status == 200, r


# --- XIRR against a hand computation ------------------------------------------------------------


def test_xirr_of_one_year_is_the_simple_return():
    assert xirr({dt.date(2025, 1, 1): Decimal(-1000), dt.date(2026, 1, 1): Decimal(1100)}).quantize(
        Decimal("0.000001")) == Decimal("0.100000")


def test_xirr_of_two_years_compounds():
    # 1,000 grows to 1,210 in 730 days: (1.21)^(365/730) − 1 = 10%
    assert xirr({dt.date(2025, 1, 1): Decimal(-1000), dt.date(2027, 1, 1): Decimal(1210)}).quantize(
        Decimal("0.000001")) == Decimal("0.100000")


def test_xirr_is_none_without_flows_both_ways():
    assert xirr({dt.date(2025, 1, 1): Decimal(-1000), dt.date(2026, 1, 1): Decimal(-10)}) is None
    assert xirr({dt.date(2025, 1, 1): Decimal(0)}) is None


# --- properties ---------------------------------------------------------------------------------

DAY0 = dt.date(2024, 1, 1)
prices_strategy = st.lists(st.integers(min_value=100, max_value=100_000), min_size=3, max_size=30)  # cents


def _trades_and_prices(cent_prices, buys, first_quantity):
    prices = [(1, DAY0 + dt.timedelta(days=i), Decimal(c) / 100) for i, c in enumerate(cent_prices)]
    price_of = {day: price for _, day, price in prices}
    trades = [Trade(id=1, type="buy", date=DAY0, quantity=Decimal(first_quantity),
                    amount=Decimal(first_quantity) * price_of[DAY0], initial=True, asset_id=1)]
    for index, (offset, quantity) in enumerate(buys):
        day = DAY0 + dt.timedelta(days=offset % len(cent_prices))
        trades.append(Trade(id=index + 2, type="buy", date=day, quantity=Decimal(quantity),
                            price=price_of[day], amount=Decimal(quantity) * price_of[day], asset_id=1))
    return trades, prices


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cent_prices=prices_strategy,
       days=st.lists(st.integers(min_value=1, max_value=29), max_size=5),
       sizes=st.data())
def test_twr_does_not_depend_on_the_size_of_flows_at_valuation_points(cent_prices, days, sizes):
    """Buys at the day's price: whatever their sizes, TWR is the price return over the range."""
    small = [(d, sizes.draw(st.integers(1, 5))) for d in days]
    large = [(d, sizes.draw(st.integers(100, 10_000))) for d in days]
    end = DAY0 + dt.timedelta(days=len(cent_prices) - 1)
    answers = []
    for buys, first in ((small, 1), (large, 1000)):
        trades, prices = _trades_and_prices(cent_prices, buys, first)
        answers.append(measure(trades, prices, DAY0, end).twr)
    price_return = (Decimal(cent_prices[-1]) / cent_prices[0] - 1) * 100
    assert abs(answers[0] - price_return) < Decimal("1e-20")
    assert abs(answers[1] - price_return) < Decimal("1e-20")


@settings(max_examples=60, deadline=None)
@given(flows=st.lists(st.tuples(st.integers(min_value=1, max_value=2000),
                                st.integers(min_value=-100_000, max_value=100_000)), min_size=1, max_size=8),
       first=st.integers(min_value=1, max_value=100_000), last=st.integers(min_value=1, max_value=200_000))
def test_xirr_npv_at_the_answer_is_zero(flows, first, last):
    dated = {DAY0: Decimal(-first)}
    for offset, amount in flows:
        day = DAY0 + dt.timedelta(days=offset)
        dated[day] = dated.get(day, Decimal(0)) + Decimal(amount)
    end = max(dated) + dt.timedelta(days=1)
    dated[end] = Decimal(last)
    rate = xirr(dated)
    if rate is None:
        return
    cash = [(day, float(amount)) for day, amount in sorted(dated.items())]
    scale = sum(abs(a) for _, a in cash)
    assert abs(npv(float(rate), cash)) <= 1e-6 * scale
