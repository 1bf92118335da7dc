"""devhost's HTTP server over a real socket: keep-alive, chunked bodies, the body cap, bad lengths.
It stands in for the Functions host's front end, so it must not be kinder than it, nor lose the
connection's framing on odd input."""
from __future__ import annotations

import json
import socket
import threading

import pytest

import function_app
from devhost import MAX_BODY, Dispatcher, Server


@pytest.fixture(scope="module")
def port():
    server = Server(("127.0.0.1", 0), Dispatcher(function_app.app), threads=4)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def exchange(port: int, raw: bytes, answers: int = 1, timeout: float = 10) -> list[tuple[int, dict, bytes]]:
    """Send `raw` on one connection and read `answers` HTTP responses off it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        reader = sock.makefile("rb")
        out = []
        for _ in range(answers):
            status = int(reader.readline().split()[1])
            headers = {}
            while (line := reader.readline().strip()):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            out.append((status, headers, reader.read(int(headers.get("content-length", 0)))))
        return out


def login(body: bytes, extra: str = "") -> bytes:
    return (f"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def test_two_requests_on_one_keep_alive_connection(port):
    first, second = exchange(port, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n" * 2, answers=2)
    assert first[0] == second[0] == 200 and json.loads(second[2])["status"] == "ok"


def test_a_chunked_body_reaches_the_function(port):
    body = b'{"username": "nobody-here", "password": "wrong-password-1"}'
    chunked = (b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + f"{10:x}\r\n".encode() + body[:10] + b"\r\n"
               + f"{len(body) - 10:x}\r\n".encode() + body[10:] + b"\r\n0\r\n\r\n")
    ((status, _, answer),) = exchange(port, chunked + b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", answers=1)
    assert status == 401, answer  # the function read the credentials (wrong ones), not an empty body


def test_a_content_length_that_is_not_a_number_is_400_and_closes(port):
    ((status, headers, body),) = exchange(port, b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: ab\r\n\r\n{}")
    assert status == 400 and headers.get("connection") == "close"
    assert json.loads(body)["status"] == 400


def test_a_body_past_every_limit_is_413_and_the_rest_is_not_read_as_a_request(port):
    declared = MAX_BODY + 1024
    head = (f"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head + b" " * (MAX_BODY + 1))
        reader = sock.makefile("rb")
        status = int(reader.readline().split()[1])
        headers = {}
        while (line := reader.readline().strip()):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
    assert status == 413 and headers.get("connection") == "close"


def test_head_has_the_headers_and_no_body(port):
    ((status, headers, body),) = exchange(port, b"HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status in (200, 404) and body == b""


# --- the header block (read by devhost's own loop, not the email package) ------------------------

def test_header_names_are_read_in_any_case_and_repeated_ones_joined(port, monkeypatch):
    """The bearer token under any spelling of its name, and a repeated header reaching the function
    as one comma-joined value (the forwarded hops: the peer is added as the last)."""
    raw = (b"GET /api/health HTTP/1.1\r\nhOsT: x\r\nX-Forwarded-For: 203.0.113.9\r\n"
           b"x-forwarded-for: 198.51.100.7\r\naUtHoRiZaTiOn: Bearer nope\r\n\r\n")
    ((status, headers, _),) = exchange(port, raw)
    assert status == 200 and headers["content-type"].startswith("application/json")
    seen = {}
    original = Dispatcher.handle

    def spy(self, method, path, query, headers, body, url):
        seen.update(headers)
        return original(self, method, path, query, headers, body, url)

    monkeypatch.setattr(Dispatcher, "handle", spy)
    exchange(port, raw)
    assert seen["x-forwarded-for"] == "203.0.113.9, 198.51.100.7, 127.0.0.1"
    assert seen["authorization"] == "Bearer nope" and seen["host"] == "x"


@pytest.mark.parametrize("raw, status", [
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 100 + b"\r\n", 431),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Folded: one\r\n two\r\n\r\n", 400),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Space : 1\r\n\r\n", 400),
])
def test_a_header_block_the_host_refuses_is_answered_and_closed(port, raw, status):
    ((answered, headers, _),) = exchange(port, raw)
    assert answered == status
    assert headers.get("connection") == "close"


def test_ninety_nine_headers_and_a_long_value_are_accepted(port):
    raw = (b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 98
           + b"X-Long: " + b"a" * 60000 + b"\r\n\r\n")
    ((status, _, _),) = exchange(port, raw)
    assert status == 200


def test_connection_close_closes_after_the_answer(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200") and b"Connection: close" in data


def test_an_answer_is_one_write_with_the_stdlib_head(port, monkeypatch):
    """The status line, Server and Date first, the function's headers, Content-Length, then the body:
    the bytes the stdlib's send_response and send_header wrote, now sent in one write."""
    import devhost

    writes: list[bytes] = []
    real = devhost._Connection._send

    def spy(self, *args, **kwargs):
        write = self.wfile.write
        self.wfile.write = lambda data: (writes.append(bytes(data)), write(data))[1]
        try:
            return real(self, *args, **kwargs)
        finally:
            self.wfile.write = write

    monkeypatch.setattr(devhost._Connection, "_send", spy)
    ((status, headers, body),) = exchange(port, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert len(writes) == 1, writes
    head, _, sent = writes[0].partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK" and lines[1].rstrip() == "Server: devhost" and lines[2].startswith("Date: ")
    assert lines[-1] == f"Content-Length: {len(body)}" and sent == body
    assert headers["content-type"].startswith("application/json")


def test_an_http_0_9_request_gets_the_body_alone_as_from_the_stdlib(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /api/health\r\n\r\n")  # the stdlib reads a header block after it too
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert json.loads(answer)["status"] == "ok"
