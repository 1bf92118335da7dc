"""Properties over random multi-currency data: a report's total is the exact sum of each amount
converted at its own date's rate (rounded once), and net worth history ends at the net worth of its
last day."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.services.fx import RateTable
from tests.conftest import make_user
from tests.money.conftest import created, new_account, new_card, ok

CURRENCIES = ("USD", "EUR", "GBP", "JPY")  # the user is in USD; JPY sometimes has no rate at all
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
days = st.dates(min_value=dt.date(2037, 1, 1), max_value=dt.date(2037, 4, 30))
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=4)
pairs = st.sampled_from([("EUR", "USD"), ("USD", "EUR"), ("EUR", "GBP"), ("GBP", "USD"), ("JPY", "EUR")])
rate_rows = st.lists(st.tuples(pairs, days, rates), max_size=6, unique_by=lambda r: (r[0], r[1]))
movements = st.lists(st.tuples(st.sampled_from(["income", "expense"]), st.sampled_from(CURRENCIES), amounts, days),
                     max_size=10)


def post_rates(client, rows) -> RateTable:
    """Store the caller's rates; answer the table of every rate they see (shared reference rates too)."""
    if rows:
        ok(client.post("/api/fx-rates", json=[{"date": d.isoformat(), "base": b, "quote": q, "rate": str(r)}
                                              for (b, q), d, r in rows]), 201)
    seen, page = [], 1
    while True:
        body = ok(client.get("/api/fx-rates", params={"page": page, "page_size": 100}))
        seen += [(r["base"], r["quote"], dt.date.fromisoformat(r["date"]), Decimal(r["rate"]), r["source"] == "own")
                 for r in body["items"]]
        if page * 100 >= body["total"]:
            return RateTable("USD", seen)
        page += 1


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rate_list=rate_rows, rows=movements, window=st.tuples(days, days).map(sorted))
def test_a_reports_total_is_the_exact_sum_of_the_converted_amounts(rate_list, rows, window):
    user = make_user(currency="USD")
    c = user.client
    table = post_rates(c, rate_list)
    holders = {cur: new_account(c, name=cur, currency=cur)["id"] for cur in CURRENCIES}
    for kind, currency, amount, day in rows:
        created(c.post("/api/transactions", json={"type": kind, "amount": str(amount), "date": day.isoformat(),
                                                  "account_id": holders[currency]}))
    start, end = window
    inside = [r for r in rows if start <= r[3] <= end]
    expected, missing = {"income": Decimal(0), "expense": Decimal(0)}, {}
    for kind, currency, amount, day in inside:
        converted = table.convert(amount, currency, day)
        if converted is None:
            missing[currency] = min(day, missing.get(currency, day))
        else:
            expected[kind] += converted
    body = ok(c.get("/api/reports/summary", params={"date_from": start.isoformat(), "date_to": end.isoformat()}))
    assert Decimal(body["total_income"]) == cents(expected["income"])
    assert Decimal(body["total_expenses"]) == cents(expected["expense"])
    assert body["transaction_count"] == len(inside)
    assert body["missing_rates"] == [{"currency": k, "first_date": v.isoformat()} for k, v in sorted(missing.items())]
    trend = ok(c.get("/api/reports/trend", params={"date_from": start.isoformat(), "date_to": end.isoformat()}))
    assert trend["missing_rates"] == body["missing_rates"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rate_list=rate_rows, rows=movements, last=days, granularity=st.sampled_from(["day", "month"]))
def test_net_worth_history_ends_at_the_net_worth_of_its_last_day(rate_list, rows, last, granularity):
    user = make_user(currency="USD")
    c = user.client
    post_rates(c, rate_list)
    accounts = {cur: new_account(c, name=cur, currency=cur, opening_balance="100")["id"] for cur in CURRENCIES}
    card = new_card(c, currency="EUR")["id"]
    for index, (kind, currency, amount, day) in enumerate(rows):
        holder = {"credit_card_id": card} if index % 3 == 0 else {"account_id": accounts[currency]}
        created(c.post("/api/transactions", json={"type": kind, "amount": str(amount), "date": day.isoformat(),
                                                  **holder}))
    first = last - dt.timedelta(days=20) if granularity == "day" else dt.date(2037, 1, 1)
    history = ok(c.get("/api/net-worth/history", params={"granularity": granularity, "date_from": first.isoformat(),
                                                         "date_to": last.isoformat()}))
    on_last = ok(c.get("/api/net-worth", params={"date": last.isoformat()}))
    point = history["items"][-1]
    assert (point["total"], point["accounts"], point["investments"], point["credit_cards"]) == (
        on_last["total"], on_last["accounts"], on_last["investments"], on_last["credit_cards"])
