"""Fixtures: a fresh database (SQLite file, or TEST_DATABASE_URL), an in-process HTTP client that
goes through devhost's router to the real functions, and users made through the public API."""
from __future__ import annotations

import itertools
import json as jsonlib
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

_TMP = tempfile.mkdtemp(prefix="finance-tests-")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
os.environ.update({
    "APP_ENV": "development",
    "DATABASE_URL": TEST_DATABASE_URL,
    "JWT_SECRET": "test-secret-that-is-long-enough-for-hs256-0123456789",
    "BCRYPT_ROUNDS": "4",
    # The suite registers thousands of users from a handful of addresses in-process; the limit itself
    # is tested with a low value in tests/test_throttling.py.
    "REGISTRATION_LIMIT_PER_HOUR": "1000000",
})

from shared.data.config import get_settings  # noqa: E402

get_settings.cache_clear()


def _fresh_schema() -> None:
    from sqlalchemy import text

    from shared.data.db import build_engine, reset_engine
    from shared.data.migrate import upgrade_to_head
    from shared.data.models import Base

    engine = build_engine(TEST_DATABASE_URL)
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade_to_head(engine)
    engine.dispose()
    reset_engine()


_fresh_schema()

import function_app  # noqa: E402
from devhost import Dispatcher  # noqa: E402

_DISPATCHER = Dispatcher(function_app.app)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.header("content-type")

    def header(self, name: str) -> str:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return ""

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:300]!r}>"


@dataclass
class Client:
    """Calls the function app in-process, through the same routing table devhost serves."""

    token: str | None = None
    address: str = "127.0.0.1"
    default_headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, json: Any = None, data: bytes | str | None = None,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                token: str | None = None) -> Response:
        all_headers = {"x-forwarded-for": self.address, **self.default_headers}
        bearer = token if token is not None else self.token
        if bearer:
            all_headers["authorization"] = f"Bearer {bearer}"
        body = b""
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers["content-type"] = "application/json"
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        if body:
            all_headers["content-length"] = str(len(body))
        all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        path, _, query = path.partition("?")
        if params:
            query = "&".join(x for x in (query, urlencode(params, doseq=True)) if x)
        url = f"http://localhost:7071{path}" + (f"?{query}" if query else "")
        status, out_headers, out_body = _DISPATCHER.handle(method, path, query, all_headers, body, url)
        return Response(status, out_headers, out_body)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw) -> Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw) -> Response:
        return self.request("DELETE", path, **kw)


_counter = itertools.count(1)


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{next(_counter)}_{uuid.uuid4().hex[:6]}"


@dataclass
class User:
    client: Client
    username: str
    password: str
    id: int
    refresh_token: str
    profile: dict[str, Any]


def make_user(address: str | None = None, **overrides: Any) -> User:
    username = overrides.pop("username", None) or unique_name()
    password = overrides.pop("password", None) or "s3cret-Passw0rd"
    body = {"username": username, "password": password, "first_name": "Test", "last_name": "User", **overrides}
    anon = Client(address=address or f"10.{next(_counter) % 250}.{next(_counter) % 250}.1")
    created = anon.post("/api/register", json=body)
    assert created.status == 201, created
    login = anon.post("/api/login", json={"username": username, "password": password})
    assert login.status == 200, login
    tokens = login.json()
    client = Client(token=tokens["access_token"], address=anon.address)
    return User(client, username, password, created.json()["id"], tokens["refresh_token"], created.json())


@pytest.fixture
def anon() -> Client:
    return Client(address=f"192.0.2.{next(_counter) % 250 + 1}")


@pytest.fixture
def user() -> User:
    return make_user()


@pytest.fixture
def other_user() -> User:
    return make_user()


@pytest.fixture
def api(user: User) -> Client:
    """An authenticated client for a brand-new user."""
    return user.client


def assert_problem(response: Response, status: int, field_name: str | None = None) -> dict[str, Any]:
    assert response.status == status, response
    assert response.content_type.startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body and "type" in body
    if field_name is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field_name or f.startswith(field_name + ".") for f in fields), body
    return body


@pytest.fixture
def db_session():
    from shared.data.db import new_session

    session = new_session()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
