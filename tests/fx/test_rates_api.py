"""/api/fx-rates: the caller's own rates over the shared reference rates."""
from __future__ import annotations

from tests.conftest import assert_problem


def test_post_one_rate_answers_it(api):
    response = api.post("/api/fx-rates", json={"date": "2026-01-05", "base": "eur", "quote": "USD",
                                               "rate": "1.0850000001"})
    assert response.status == 201, response
    assert response.json() == {"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1.0850000001",
                               "source": "own"}


def test_post_an_array_upserts_per_date_and_pair(api):
    body = [{"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1.08"},
            {"date": "2026-01-06", "base": "EUR", "quote": "USD", "rate": 1.09}]
    response = api.post("/api/fx-rates", json=body)
    assert response.status == 201 and response.json()["count"] == 2
    api.post("/api/fx-rates", json={"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1.5"})
    listed = api.get("/api/fx-rates", params={"base": "EUR", "quote": "USD", "date_to": "2026-01-31"}).json()
    assert listed["total"] == 2
    assert [(r["date"], r["rate"]) for r in listed["items"]] == [("2026-01-06", "1.09"), ("2026-01-05", "1.5")]


def test_invalid_rates_are_refused(api):
    for body, field in [({"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "0"}, "rate"),
                        ({"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "-1"}, "rate"),
                        ({"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1.12345678901"}, "rate"),
                        ({"date": "2026-01-05", "base": "XXX", "quote": "USD", "rate": "1"}, "base"),
                        ({"date": "2026-02-30", "base": "EUR", "quote": "USD", "rate": "1"}, "date"),
                        ({"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1", "user_id": 1}, "user_id")]:
        assert_problem(api.post("/api/fx-rates", json=body), 422, field)
    assert_problem(api.post("/api/fx-rates", json={"date": "2026-01-05", "base": "EUR", "quote": "EUR",
                                                   "rate": "1"}), 422)
    same = {"date": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1"}
    assert_problem(api.post("/api/fx-rates", json=[same, same]), 422, "1.date")
    assert_problem(api.post("/api/fx-rates", json=[same] * 1001), 422)
    assert all(r["source"] == "reference" for r in api.get("/api/fx-rates").json()["items"])


def test_list_shows_reference_rates_and_own_ones_win(api, other_user, reference_rates):
    reference_rates(("2031-03-02", "EUR", "USD", "1.1"), ("2031-03-02", "EUR", "GBP", "0.85"),
              ("2031-03-03", "EUR", "USD", "1.2"))
    api.post("/api/fx-rates", json={"date": "2031-03-02", "base": "EUR", "quote": "USD", "rate": "2"})
    mine = api.get("/api/fx-rates", params={"date_from": "2031-03-02", "date_to": "2031-03-03"}).json()
    assert [(r["date"], r["base"], r["quote"], r["rate"], r["source"]) for r in mine["items"]] == [
        ("2031-03-03", "EUR", "USD", "1.2", "reference"),
        ("2031-03-02", "EUR", "GBP", "0.85", "reference"),
        ("2031-03-02", "EUR", "USD", "2", "own")]
    theirs = other_user.client.get("/api/fx-rates", params={"date_from": "2031-03-02", "date_to": "2031-12-31",
                                                               "quote": "USD"}).json()
    assert [(r["rate"], r["source"]) for r in theirs["items"]] == [("1.2", "reference"), ("1.1", "reference")]


def test_list_is_paginated_and_filters_are_checked(api):
    api.post("/api/fx-rates", json=[{"date": f"2032-01-{d:02d}", "base": "CHF", "quote": "SEK", "rate": d}
                                    for d in range(1, 8)])
    page = api.get("/api/fx-rates", params={"base": "CHF", "page_size": 3, "page": 2}).json()
    assert page["total"] == 7 and page["page"] == 2 and [r["date"] for r in page["items"]] == [
        "2032-01-04", "2032-01-03", "2032-01-02"]
    assert_problem(api.get("/api/fx-rates", params={"date_from": "2032-01-05", "date_to": "2032-01-01"}), 422)
    assert_problem(api.get("/api/fx-rates", params={"base": "usdx"}), 422, "base")


def test_reference_rates_are_stored_once(api, reference_rates):
    reference_rates(("2033-01-02", "EUR", "NOK", "11.5"))
    reference_rates(("2033-01-02", "EUR", "NOK", "11.6"))
    listed = api.get("/api/fx-rates", params={"quote": "NOK", "date_from": "2033-01-02", "date_to": "2033-01-02"})
    assert [(r["rate"], r["source"]) for r in listed.json()["items"]] == [("11.6", "reference")]
