"""The one median and percentile every benchmark figure uses."""
from __future__ import annotations

import statistics


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float, empty: float = float("nan")) -> float:
    """Nearest-rank percentile (q in 0..1) of the values; `empty` when there are none."""
    if not values:
        return empty
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
