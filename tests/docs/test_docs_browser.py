"""A real browser on the docs page: devhost serves the app, headless Chromium (Debian's package) opens
/api/docs with every host but this one unresolvable (as if the network were cut off), and a person's
steps are played through Swagger UI: register and log in with "Try it out", "Authorize" with the
access token, list transactions. A screenshot lands in tests/artifacts/ (git-ignored).

Driven over the Chrome DevTools Protocol with `websocket-client` (one small pure-Python package;
selenium would need a chromedriver binary matching the browser)."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from base64 import b64decode
from pathlib import Path

import pytest

from bench.harness import Devhost

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
DEADLINE = 30.0

pytestmark = pytest.mark.slow


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine: install Debian's `chromium` (.ci/extra-docs does) to run the "
                "browser test of /api/docs")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def server():
    """devhost on a free port, on its own throw-away SQLite file."""
    tmp = Path(tempfile.mkdtemp(prefix="finance-docs-"))
    try:
        with Devhost(f"sqlite:///{tmp}/docs.db", tmp / "devhost.log", threads=4,
                     jwt_secret="browser-test-secret-that-is-long-enough-0123456789") as devhost:
            yield f"http://127.0.0.1:{devhost.port}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Page:
    """The few Chrome DevTools Protocol calls this test needs, over one websocket."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=DEADLINE, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, what: str, timeout: float = DEADLINE):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        self.screenshot("docs-browser-failure.png")
        raise AssertionError(f"timed out waiting for {what}")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path = ARTIFACTS / name
        path.write_bytes(b64decode(data))
        return path


@pytest.fixture(scope="module")
def browser(server):
    chromium = _chromium()
    profile = tempfile.mkdtemp(prefix="finance-chromium-")
    process = subprocess.Popen([
        chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
        "--window-size=1280,1600",
        # Nothing but this machine resolves: the page must need no CDN, no font host, no validator.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "about:blank",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        active = Path(profile) / "DevToolsActivePort"
        end = time.monotonic() + DEADLINE
        while not active.exists() or not active.read_text().strip():
            if process.poll() is not None or time.monotonic() > end:
                pytest.fail(f"Chromium did not start (exit code {process.poll()})")
            time.sleep(0.1)
        port = active.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
            targets = json.load(response)
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        yield page
        page.ws.close()
    finally:
        _stop(process)
        shutil.rmtree(profile, ignore_errors=True)


# Swagger UI is React: set a field through the native setter and announce it, as typing would.
HELPERS = r"""
window.__t = {
  op(id) { return document.getElementById(id); },
  open(id) {
    const op = this.op(id);
    if (!op.classList.contains('is-open')) op.querySelector('button.opblock-summary-control').click();
  },
  type(el, text) {
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, text);
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  },
  status(id) {
    const cell = this.op(id).querySelector('.live-responses-table .response .response-col_status');
    return cell ? cell.textContent.trim() : '';
  },
  body(id) {
    const code = this.op(id).querySelector('.live-responses-table .response-col_description pre');
    return code ? code.textContent : '';
  },
};
true
"""


def _try_it_out(page: Page, op_id: str, body: dict | None = None) -> tuple[str, str]:
    page.wait(f"!!document.getElementById('{op_id}')", f"operation {op_id}")
    page.js(f"__t.open('{op_id}')")
    page.wait(f"!!__t.op('{op_id}').querySelector('.try-out__btn')", f"Try it out on {op_id}")
    page.js(f"__t.op('{op_id}').querySelector('.try-out__btn').click()")
    if body is not None:
        page.wait(f"!!__t.op('{op_id}').querySelector('textarea.body-param__text')", f"body editor of {op_id}")
        field = f"__t.op('{op_id}').querySelector('textarea.body-param__text')"
        page.js(f"__t.type({field}, {json.dumps(json.dumps(body))})")
    page.wait(f"!!__t.op('{op_id}').querySelector('.execute')", f"Execute on {op_id}")
    page.js(f"__t.op('{op_id}').querySelector('.execute').click()")
    status = page.wait(f"__t.status('{op_id}')", f"the answer of {op_id}")
    return status, page.js(f"__t.body('{op_id}')")


def test_register_login_authorize_and_list_transactions_in_swagger_ui(server, browser):
    page = browser
    page.send("Page.navigate", url=f"{server}/api/docs")
    page.wait("document.readyState === 'complete' && document.querySelectorAll('.opblock').length > 20",
              "Swagger UI to render the operations")
    page.js(HELPERS)
    assert "Personal Finance API" in page.js("document.querySelector('.info .title').textContent")

    username = f"docs_{uuid.uuid4().hex[:8]}"
    password = "a long browser passphrase"
    status, _ = _try_it_out(page, "operations-auth-register", {
        "username": username, "password": password, "first_name": "Dora", "last_name": "Docs"})
    assert status == "201"

    status, body = _try_it_out(page, "operations-auth-login", {"username": username, "password": password})
    assert status == "200", body
    token = json.loads(body)["access_token"]

    # One transaction to list, made through the API itself.
    request = urllib.request.Request(f"{server}/api/transactions", method="POST", data=json.dumps({
        "type": "expense", "amount": "12.50", "date": "2026-10-31", "description": "coffee in the docs"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as created:
        assert created.status == 201

    page.js("document.querySelector('.auth-wrapper .authorize').click()")
    page.wait("!!document.querySelector('.modal-ux input')", "the Authorize dialog")
    page.js(f"__t.type(document.querySelector('.modal-ux input'), {json.dumps(token)})")
    page.js("document.querySelector('.modal-ux .auth-btn-wrapper .authorize').click()")
    page.wait("!!document.querySelector('.modal-ux .auth-btn-wrapper .btn-done')", "the authorized state")
    page.js("document.querySelector('.modal-ux .auth-btn-wrapper .btn-done').click()")
    page.wait("document.querySelector('.auth-wrapper .authorize').classList.contains('locked')",
              "the Authorize button to show the lock")

    status, body = _try_it_out(page, "operations-transactions-list_transactions")
    assert status == "200", body
    listed = json.loads(body)
    assert listed["total"] == 1 and listed["items"][0]["description"] == "coffee in the docs"
    curl = page.js("__t.op('operations-transactions-list_transactions').querySelector('.curl-command').textContent")
    assert "Authorization: Bearer " in curl

    page.js("__t.op('operations-transactions-list_transactions').scrollIntoView()")
    shot = page.screenshot("docs-browser.png")
    assert shot.stat().st_size > 10_000

    requested = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
    assert requested and all(url.startswith(server) or url.startswith("data:") for url in requested), requested
    problems = [e["params"]["entry"]["text"] for e in page.events
                if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
    assert not problems, problems  # CSP violations and failed loads show up here
