"""PostgreSQL for a benchmark run: throw-away databases, and the kill switch for this run's own
connections. Everything goes through psycopg to a server URL with rights to create databases."""
from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import Any

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_from_env() -> str:
    return os.environ.get("BENCH_POSTGRES_SERVER") or os.environ.get("RELIABILITY_SERVER") or DEFAULT_SERVER


def url_parts(server_url: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    return {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres",
            "password": url.password, "dbname": url.database or "postgres"}


def admin_connect(server_url: str, dbname: str | None = None):
    import psycopg

    parts = url_parts(server_url)
    kwargs = {k: v for k, v in parts.items() if v is not None}
    if dbname:
        kwargs["dbname"] = dbname
    return psycopg.connect(**kwargs, autocommit=True, connect_timeout=5)


def reachable(server_url: str) -> str | None:
    """None when the server answers and lets us create databases, else why not (one line)."""
    try:
        with admin_connect(server_url) as conn:
            can = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return f"cannot connect to {server_url}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
    if not (can and can[0]):
        return f"the role in {server_url} may not create databases"
    return None


def create_database(server_url: str, prefix: str = "reliability") -> str:
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with admin_connect(server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server_url: str, name: str) -> None:
    with admin_connect(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_backends(server_url: str, application_name: str) -> int:
    """pg_terminate_backend on this run's own connections only (matched by application_name)."""
    with admin_connect(server_url) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()", (application_name,)).fetchall()
    return sum(1 for (ok,) in rows if ok)


def sqlalchemy_url(server_url: str, database: str, host: str | None = None, port: int | None = None) -> str:
    """The app's DATABASE_URL for `database` on that server (optionally through another host:port)."""
    parts = url_parts(server_url)
    credentials = parts["user"] + (f":{parts['password']}" if parts["password"] else "")
    return f"postgresql+psycopg://{credentials}@{host or parts['host']}:{port or parts['port']}/{database}"


@contextlib.contextmanager
def throwaway_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh database for the duration of the block (its SQLAlchemy URL), dropped afterwards."""
    name = create_database(server_url, prefix)
    try:
        yield sqlalchemy_url(server_url, name)
    finally:
        drop_database(server_url, name)
