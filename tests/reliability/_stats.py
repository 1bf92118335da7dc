"""Counts the reliability tests keep for bench/reliability.py's report (written when RELIABILITY_STATS
names a file; see conftest.py)."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

STATS: dict[str, Any] = defaultdict(Counter)
FUZZ: dict[str, dict[str, Counter]] = defaultdict(lambda: {"statuses": Counter(), "kinds": Counter()})


def bump(section: str, what: str, n: int = 1) -> None:
    STATS[section][what] += n


def fuzzed(route: str, kind: str, status: int) -> None:
    entry = FUZZ[route]
    entry["statuses"][str(status)] += 1
    entry["kinds"][kind] += 1


def as_json() -> dict[str, Any]:
    out: dict[str, Any] = {k: dict(v) for k, v in STATS.items()}
    out["fuzz"] = {route: {"tried": sum(v["statuses"].values()), "statuses": dict(v["statuses"]),
                           "kinds": dict(v["kinds"])} for route, v in FUZZ.items()}
    return out
