"""The load-and-faults run of bench/reliability.py at CI size (8 clients for 10 s; the runner does 32
for 60 s): devhost on its own PostgreSQL database behind a proxy, connections killed and the
database down for a few seconds, then the audit against the clients' own log."""
from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
CLIENTS = int(os.environ.get("RELIABILITY_CI_CLIENTS", "8"))
DURATION = float(os.environ.get("RELIABILITY_CI_DURATION", "10"))


@pytest.fixture(scope="module")
def server_url() -> str:
    url = make_url(TEST_DATABASE_URL)
    if url.get_backend_name() != "postgresql":
        pytest.skip("the load-and-faults run needs TEST_DATABASE_URL on PostgreSQL (it makes its own database)")
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def test_load_and_faults_lose_nothing_and_write_nothing_twice(server_url, tmp_path):
    from bench.reliability import run_load

    result = run_load(server_url=server_url, clients=CLIENTS, duration=DURATION, outage_seconds=2.5,
                      bcrypt_rounds=4, work_dir=tmp_path, progress=lambda *_: None)
    figures = result.figures
    print(f"\nload: {figures['requests']} requests, p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, "
          f"outage max {figures['outage_max_latency_ms']:.0f} ms, recovered after {figures['recovery_s']}")
    assert result.ok, "\n".join(result.failures)
    assert figures["outage_requests"] > 0 and figures["steady_5xx"] == 0
    assert {f.kind for f in result.faults} == {"kill", "outage"}
    assert all(ok for _, ok, _ in result.checks) and len(result.checks) >= 8
