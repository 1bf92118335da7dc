"""Builders for the recurring tests (through the public API, like a client), and the timer run for
one user on a chosen day (the job itself, shared/services/posting.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from tests.conftest import Client
from tests.money.conftest import created


def new_schedule(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "Rent", "type": "expense", "amount": "100.00", "frequency": "monthly",
            "start_date": dt.date.today().isoformat(), **fields}
    return created(client.post("/api/recurring", json=body))


def created_on(day: dt.date):
    """Make schedules as if today were `day` (a schedule never posts days before it was made)."""
    return mock.patch("shared.services.recurring.current_day", return_value=day)


def run_timer(user_id: int, day: dt.date):
    from shared.services.posting import post_due

    return post_due(day, user_id=user_id)


def posted(client: Client, schedule_id: int) -> list[dict[str, Any]]:
    from tests.money.conftest import all_items

    return sorted((t for t in all_items(client, "/api/transactions") if t["recurring_id"] == schedule_id),
                  key=lambda t: t["date"])
