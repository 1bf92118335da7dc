"""The scheduled summaries answer in the user's currency: each amount at its own date's rate."""
from __future__ import annotations

import json

from tests.conftest import make_user
from tests.money.conftest import created, new_account, ok
from tests.summaries.conftest import app_function, clean_runs, stored  # noqa: F401 - fixture


def test_a_users_summary_converts_foreign_amounts(clean_runs):  # noqa: F811
    user = make_user(currency="GBP")
    c = user.client
    ok(c.post("/api/fx-rates", json=[{"date": "2025-06-01", "base": "EUR", "quote": "GBP", "rate": "0.85"},
                                     {"date": "2025-06-16", "base": "GBP", "quote": "EUR", "rate": "1.25"}]), 201)
    euros, pounds = new_account(c, currency="EUR"), new_account(c)
    post = lambda **b: created(c.post("/api/transactions", json=b))  # noqa: E731
    post(type="income", amount="1000.00", date="2025-06-02", account_id=pounds["id"])
    post(type="expense", amount="100.00", date="2025-06-10", account_id=euros["id"])  # 85.00 GBP
    post(type="expense", amount="100.00", date="2025-06-20", account_id=euros["id"])  # inverse of 1.25: 80.00 GBP
    app_function("summaries_batch")(json.dumps({"period": "2025-06", "low": user.id, "high": user.id}))
    assert stored(user.id) == {("month", "2025-06"): ("1000.00", "165.00", "835.00", "savings"),
                               ("quarter", "2025-Q2"): ("1000.00", "165.00", "835.00", "savings")}
