"""Reliability suite: writes its counts to $RELIABILITY_STATS (bench/reliability.py puts them in
docs/reliability.md)."""
from __future__ import annotations

import json
import os

import pytest

from tests.reliability import _stats


@pytest.fixture(scope="session", autouse=True)
def _write_stats():
    yield
    target = os.environ.get("RELIABILITY_STATS")
    if target:
        with open(target, "w") as fh:
            json.dump(_stats.as_json(), fh, indent=1, sort_keys=True)
