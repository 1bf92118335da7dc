"""Where a request's CPU goes: cProfile over many requests of one kind through devhost's WSGI app,
in-process (the same host layer devhost serves), on the database in $DATABASE_URL.

    DATABASE_URL=postgresql+psycopg://... python -m bench.profile [--requests 500] [--top 25] [--only get]

Prints, per request kind, the CPU per request without the profiler (process time over the
requests) and the profile's top functions by cumulative and by own time.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class WsgiClient:
    """Calls a WSGI app as a WSGI server does, with a bearer token."""

    def __init__(self, wsgi, token: str | None = None):
        self.wsgi, self.token = wsgi, token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        path, _, query = path.partition("?")
        raw = json.dumps(body).encode() if body is not None else b""
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "7071", "wsgi.url_scheme": "http",
                   "HTTP_HOST": "127.0.0.1:7071", "wsgi.input": io.BytesIO(raw)}
        if raw:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(raw))
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        status: list[str] = []
        out = b"".join(self.wsgi(environ, lambda s, h: status.append(s)))
        return int(status[0].split()[0]), (json.loads(out) if out else None)


def setup(wsgi) -> tuple[WsgiClient, dict[str, tuple[str, str, Any]]]:
    """The side-by-side benchmark's user (an account, 120 transactions) and its four requests."""
    from bench.sidebyside import _requests, _setup

    fixture = _setup(0, lambda headers: WsgiClient(wsgi, headers.get("Authorization", "").removeprefix("Bearer ")
                                                   or None))
    names = dict(zip(("create a transaction", "get one", "list of 100", "monthly report"),
                     ("create", "get", "list", "monthly"), strict=True))
    return WsgiClient(wsgi, fixture["token"]), {names[op]: request for op, request in _requests(fixture).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default=None, help="comma-separated kinds: create,get,list,monthly")
    parser.add_argument("--sort", default="cumulative,tottime")
    args = parser.parse_args(argv)
    os.environ.setdefault("APP_ENV", "production")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("BCRYPT_ROUNDS", "4")
    os.environ.setdefault("JWT_SECRET", os.urandom(48).hex())
    sys.path.insert(0, str(ROOT))
    import logging

    logging.basicConfig(level=logging.WARNING)
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    engine = get_engine()
    if engine.dialect.name != "sqlite":
        upgrade_to_head(engine)
    import function_app
    from devhost import make_wsgi_app

    client, kinds = setup(make_wsgi_app(function_app.app))
    wanted = (args.only or ",".join(kinds)).split(",")
    for kind in wanted:
        method, path, body = kinds[kind]
        expect = 201 if method == "POST" else 200
        for _ in range(20):
            client.call(method, path, body)
        c0 = time.process_time()
        for _ in range(args.requests):
            status, data = client.call(method, path, body)
            if status != expect:
                raise RuntimeError(f"{kind}: {status} {data}")
        cpu = (time.process_time() - c0) / args.requests * 1000
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.requests):
            client.call(method, path, body)
        profiler.disable()
        print(f"\n===== {kind} ({engine.dialect.name}): {cpu:.3f} ms CPU per request, unprofiled =====")
        for key in args.sort.split(","):
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats(key).print_stats(args.top)
            print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:12000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
