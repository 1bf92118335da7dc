"""Judging a load run: what happened (samples, faults, audit) and whether it passed, with the figures
the report shows."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.client import Sample
from bench.load import Anomaly
from bench.stats import percentile

OUTAGE_MAX_LATENCY = 3.0  # seconds: while the database is down every answer comes faster than this
FAULT_GRACE = 2.0  # seconds after a fault during which 503s are expected


@dataclass
class FaultEvent:
    kind: str  # "kill" or "outage"
    at: float
    until: float
    detail: str = ""


@dataclass
class LoadResult:
    clients: int
    users: int
    duration: float
    bcrypt_rounds: int
    samples: list[Sample]
    faults: list[FaultEvent]
    anomalies: list[Anomaly]
    checks: list[tuple[str, bool, str]]
    log_findings: list[str]
    replays: int
    unknown_outcomes: int
    failures: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def evaluate(result: LoadResult) -> None:
    """Fill in `result.failures` (empty when the run passed) and the figures the report shows."""
    windows = [(f.at, f.until + FAULT_GRACE) for f in result.faults]

    def in_fault(s: Sample) -> bool:
        end = s.started + s.latency
        return any(s.started <= b and end >= a for a, b in windows)

    steady = [s for s in result.samples if not in_fault(s)]
    faulty = [s for s in result.samples if in_fault(s)]
    fails = result.failures
    fails.extend(_answer_failures(result.samples, steady))
    during: list[Sample] = []
    recovered = None
    outage = next((f for f in result.faults if f.kind == "outage"), None)
    if outage is not None:
        # Requests sent while the database was down (after the in-flight ones were cut off): each answers
        # fast; those answered before it came back are 503s (later ones may succeed: retried in time).
        sent = [s for s in result.samples if outage.at + 0.3 <= s.started <= outage.until]
        during = [s for s in sent if s.started + s.latency <= outage.until]
        recovered = _recovery(result.samples, outage)
        fails.extend(_outage_failures(sent, during, recovered))
    fails.extend(f"client anomaly: {a.what}: {a.detail}" for a in result.anomalies)
    fails.extend(f"audit failed: {name}: {detail}" for name, ok, detail in result.checks if not ok)
    fails.extend(f"server log: {f}" for f in result.log_findings)
    result.figures = _figures(result, steady, faulty, during, recovered)


def _failed(s: Sample) -> bool:
    return s.status is None or s.status >= 500


def _answer_failures(samples: list[Sample], steady: list[Sample]) -> list[str]:
    """What is wrong with the answers themselves, whenever they came."""
    fails = []
    non_503 = [s for s in samples if s.status is not None and s.status >= 500 and s.status != 503]
    if non_503:
        fails.append(f"{len(non_503)} answers were 5xx other than 503: {Counter(s.status for s in non_503)}")
    steady_5xx = [s for s in steady if _failed(s)]
    if steady_5xx:
        fails.append(f"{len(steady_5xx)} requests outside the fault windows failed (5xx or no answer): "
                     f"{Counter((s.op, s.status) for s in steady_5xx).most_common(5)}")
    no_answer = [s for s in samples if s.status is None]
    if no_answer:
        fails.append(f"{len(no_answer)} requests got no HTTP answer at all (connection error or timeout)")
    not_problem = [s for s in samples if s.status is not None and s.status >= 400 and not s.problem]
    if not_problem:
        fails.append(f"{len(not_problem)} error answers were not application/problem+json")
    traces = [s for s in samples if s.leaked_trace]
    if traces:
        fails.append(f"{len(traces)} answers contained traceback text")
    return fails


def _recovery(samples: list[Sample], outage: FaultEvent) -> float | None:
    """Seconds from the database's return to the first answer that succeeded after it."""
    after = sorted((s for s in samples if s.started >= outage.until and s.status is not None and s.status < 500),
                   key=lambda s: s.started)
    return (after[0].started + after[0].latency - outage.until) if after else None


def _outage_failures(sent: list[Sample], during: list[Sample], recovered: float | None) -> list[str]:
    fails = []
    slow = [s for s in sent if s.latency >= OUTAGE_MAX_LATENCY]
    if not during:
        fails.append("no request was answered while the database was down")
    if slow:
        fails.append(f"{len(slow)} requests sent during the outage took ≥ {OUTAGE_MAX_LATENCY} s "
                     f"(max {max(s.latency for s in slow):.2f} s)")
    wrong = [s for s in during if s.status != 503]
    if wrong:
        fails.append(f"{len(wrong)} requests during the outage were not 503: {Counter(s.status for s in wrong)}")
    if recovered is None:
        fails.append("no request succeeded after the outage")
    return fails


def _figures(result: LoadResult, steady: list[Sample], faulty: list[Sample], during: list[Sample],
             recovered: float | None) -> dict[str, Any]:
    lat = [s.latency for s in steady if s.status is not None]
    by_op: dict[str, list[float]] = defaultdict(list)
    for s in steady:
        if s.status is not None:
            by_op[s.op].append(s.latency)
    return {
        "requests": len(result.samples),
        "throughput": len(result.samples) / result.duration if result.duration else 0,
        "steady_requests": len(steady),
        "p50_ms": percentile(lat, 0.50, 0.0) * 1000, "p95_ms": percentile(lat, 0.95, 0.0) * 1000,
        "p99_ms": percentile(lat, 0.99, 0.0) * 1000, "max_ms": max(lat, default=0) * 1000,
        "by_op": {op: (len(v), percentile(v, 0.5, 0.0) * 1000, percentile(v, 0.99, 0.0) * 1000)
                  for op, v in sorted(by_op.items())},
        "statuses": Counter(s.status for s in result.samples),
        "steady_5xx": sum(1 for s in steady if _failed(s)),
        "fault_requests": len(faulty),
        "fault_503": sum(1 for s in faulty if s.status == 503),
        "outage_requests": len(during),
        "outage_max_latency_ms": max((s.latency for s in during), default=0) * 1000,
        "outage_p50_latency_ms": percentile([s.latency for s in during], 0.5, 0.0) * 1000,
        "recovery_s": recovered,
    }
