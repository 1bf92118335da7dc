"""The daily reference-rates fetch against a local server that serves the ECB's eurofxref format:
stored once however often it runs, and a fault (HTTP error, timeout, bad XML) leaves the stored
rates exactly as they were."""
from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from scripts import fetch_fx_rates
from shared.data.db import new_session
from shared.data.models import ReferenceFxRate
from shared.services.fx_rates import FetchFailed, fetch_reference_rates, parse_ecb
from tests.fx.conftest import forget_reference_rates

DAILY = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time='2040-11-27'>
      <Cube currency='USD' rate='1.0550'/>
      <Cube currency='JPY' rate='160.12'/>
      <Cube currency='GBP' rate='0.83215'/>
    </Cube>
  </Cube>
</gesmes:Envelope>"""

NINETY_DAYS = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2040-11-27"><Cube currency="USD" rate="1.0550"/><Cube currency="GBP" rate="0.83215"/></Cube>
    <Cube time="2040-11-26"><Cube currency="USD" rate="1.0500"/><Cube currency="GBP" rate="0.83000"/></Cube>
    <Cube time="2040-11-25"><Cube currency="USD" rate="1.0480"/><Cube currency="GBP" rate="0.82900"/></Cube>
  </Cube>
</gesmes:Envelope>"""


class FakeECB(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes, float]] = {}

    def do_GET(self):  # noqa: N802 - the standard library's name
        status, body, delay = self.routes.get(self.path, (404, b"not found", 0))
        if delay:
            time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # the client that timed out hung up: expected
        pass


@pytest.fixture(scope="module")
def ecb():
    server = QuietServer(("127.0.0.1", 0), FakeECB)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeECB.routes = {
        "/daily.xml": (200, DAILY, 0),
        "/hist-90d.xml": (200, NINETY_DAYS, 0),
        "/broken.xml": (200, DAILY[:200], 0),
        "/html.xml": (200, b"<html><body>Maintenance</body></html>", 0),
        "/error.xml": (503, b"unavailable", 0),
        "/slow.xml": (200, DAILY, 2.0),
        "/bad-rate.xml": (200, DAILY.replace(b"1.0550", b"-3"), 0),
    }
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    forget_reference_rates(dt.date(2040, 1, 1), dt.date(2040, 12, 31))


def stored() -> dict[tuple[str, str, str], Decimal]:
    session = new_session()
    try:
        rows = session.execute(select(ReferenceFxRate.date, ReferenceFxRate.base, ReferenceFxRate.quote,
                                      ReferenceFxRate.rate).where(ReferenceFxRate.date >= dt.date(2040, 1, 1)))
        return {(r.date.isoformat(), r.base, r.quote): r.rate for r in rows}
    finally:
        session.close()


def test_the_daily_file_is_stored_as_euro_rates(ecb):
    result = fetch_reference_rates(f"{ecb}/daily.xml")
    assert (result.days, result.rates) == (1, 3)
    rates = stored()
    assert rates[("2040-11-27", "EUR", "USD")] == Decimal("1.0550")
    assert rates[("2040-11-27", "EUR", "JPY")] == Decimal("160.12")
    assert rates[("2040-11-27", "EUR", "GBP")] == Decimal("0.83215")


def test_the_90_day_file_stores_every_day_and_running_twice_stores_once(ecb):
    fetch_reference_rates(f"{ecb}/hist-90d.xml")
    before = stored()
    fetch_reference_rates(f"{ecb}/hist-90d.xml")
    assert stored() == before
    assert before[("2040-11-25", "EUR", "GBP")] == Decimal("0.829")
    session = new_session()
    try:
        count = session.execute(select(func.count()).select_from(ReferenceFxRate)
                                .where(ReferenceFxRate.date == dt.date(2040, 11, 26))).scalar_one()
    finally:
        session.close()
    assert count == 2


@pytest.mark.parametrize("path", ["/broken.xml", "/html.xml", "/error.xml", "/bad-rate.xml", "/missing.xml"])
def test_a_fault_leaves_the_stored_rates_untouched(ecb, path):
    fetch_reference_rates(f"{ecb}/daily.xml")
    before = stored()
    with pytest.raises(FetchFailed):
        fetch_reference_rates(f"{ecb}{path}")
    assert stored() == before


def test_a_timeout_leaves_the_stored_rates_untouched(ecb):
    fetch_reference_rates(f"{ecb}/daily.xml")
    before = stored()
    with pytest.raises(FetchFailed):
        fetch_reference_rates(f"{ecb}/slow.xml", timeout=0.3)
    assert stored() == before


def test_an_unreachable_server_is_a_fetch_failure():
    with pytest.raises(FetchFailed):
        fetch_reference_rates("http://127.0.0.1:9/daily.xml", timeout=0.5)
    with pytest.raises(FetchFailed):
        fetch_reference_rates("file:///etc/passwd")


def test_a_document_with_entities_is_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(FetchFailed):
        parse_ecb(evil)


def test_the_script_runs_the_same_fetch(ecb, capsys):
    assert fetch_fx_rates.main([f"{ecb}/daily.xml"]) == 0
    assert "stored 3 rates for 1 day(s)" in capsys.readouterr().out
    assert fetch_fx_rates.main([f"{ecb}/error.xml"]) == 1
