"""What reaches the log from a request: control characters escaped, so no client can write a line of its
own into it (log forging); and devhost logs at LOG_LEVEL (no access line per request at WARNING)."""
from __future__ import annotations

import http.client
import logging
import re
import tempfile
from pathlib import Path

import azure.functions as func
import pytest

from bench.harness import Devhost
from shared.web.http import loggable, public

FORGED = "2026-11-29 09:99:99,000 INFO devhost FORGED"
FORGING_PATH = "/api/nope%0a2026-11-29%2009:99:99,000%20INFO%20devhost%20FORGED"


def devhost_log(log_level: str, *paths: str) -> str:
    """devhost's log after GETting `paths` (each answered before the next), on a throw-away database."""
    folder = Path(tempfile.mkdtemp(prefix="devhost-logs-"))
    with Devhost(f"sqlite:///{folder}/logs.db", folder / "devhost.log", env={"LOG_LEVEL": log_level}) as server:
        for path in paths:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
    return (folder / "devhost.log").read_text(errors="replace")  # all of it: devhost has stopped


@pytest.mark.slow
def test_a_path_with_a_newline_does_not_forge_a_log_line():
    text = devhost_log("INFO", FORGING_PATH, "/api/health")
    lines = text.splitlines()
    assert not [line for line in lines if line.startswith("2026-11-29 09:99:99")], text
    (access,) = [line for line in lines if "FORGED" in line]
    assert "/api/nope\\n2026-11-29 09:99:99,000 INFO devhost FORGED 404" in access
    assert re.search(r"^\S+ \S+ INFO devhost \S+ GET /api/health 200 ", text, re.M), text


@pytest.mark.slow
def test_devhost_at_warning_logs_no_line_per_request():
    text = devhost_log("WARNING", "/api/health", "/api/health", "/api/nope")
    assert " INFO " not in text, text
    assert "/api/health" not in text and "/api/nope" not in text


@pytest.mark.parametrize("raw, shown", [
    ("a\nb", "a\\nb"), ("a\r\nb", "a\\r\\nb"), ("\x1b[31mred", "\\x1b[31mred"), ("tab\there", "tab\\there"),
    ("a\u2028b", "a\\u2028b"), ("a\x85b", "a\\x85b"), ("plain /api/crème 1", "plain /api/crème 1"),
])
def test_loggable_escapes_control_characters_and_keeps_the_rest(raw, shown):
    assert loggable(raw) == shown


def test_the_edges_error_log_escapes_the_path(caplog):
    @public()
    def explode(ctx):
        raise RuntimeError("boom")

    request = func.HttpRequest("GET", "http://localhost/api/x\n" + FORGED, headers={}, body=b"")
    with caplog.at_level(logging.ERROR, logger="finance.http"):
        assert explode(request).status_code == 500
    (record,) = [r for r in caplog.records if r.name == "finance.http"]
    assert "\n" not in record.getMessage() and "/api/x\\n" + FORGED in record.getMessage()
