"""Azure SQL over pyodbc, passwordless: each new connection signs in with an Entra access token.

A URL with a password connects the classic way. A URL without one (what the infrastructure sets:
`mssql+pyodbc://<server>.database.windows.net/<db>?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes`)
gets a token for Azure SQL from the managed identity (AZURE_SQL_CLIENT_ID) or, when no client id is
set, from DefaultAzureCredential (the developer's `az login`, for the deploy scripts). The token is
handed to the ODBC driver through the SQL_COPT_SS_ACCESS_TOKEN connection attribute, cached, and
replaced a few minutes before it expires. azure.identity is imported only here, only when needed.
"""
from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

from shared.data.urls import odbc_connection_string, with_azure_sql_defaults

SQL_COPT_SS_ACCESS_TOKEN = 1256  # msodbcsql.h: pass a pre-acquired Entra token instead of credentials
AZURE_SQL_SCOPE = "https://database.windows.net/.default"
REFRESH_MARGIN_SECONDS = 5 * 60


def pack_access_token(token: str) -> bytes:
    """The layout the ODBC driver expects: a little-endian 4-byte length, then the UTF-16-LE token."""
    raw = token.encode("utf-16-le")
    return struct.pack("<I", len(raw)) + raw


class AccessTokenCache:
    """One token for every connection of the process, fetched again shortly before it expires."""

    def __init__(self, credential: Any, *, scope: str = AZURE_SQL_SCOPE,
                 margin_seconds: float = REFRESH_MARGIN_SECONDS, clock: Callable[[], float] = time.time):
        self._credential = credential
        self._scope = scope
        self._margin = margin_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._packed: bytes | None = None
        self._expires_on = 0.0

    def packed_token(self) -> bytes:
        with self._lock:
            if self._packed is None or self._clock() >= self._expires_on - self._margin:
                access = self._credential.get_token(self._scope)
                self._packed = pack_access_token(access.token)
                self._expires_on = float(access.expires_on)
            return self._packed


def default_credential(client_id: str) -> Any:
    """The Function App's user-assigned identity, or the developer's own sign-in when none is named."""
    if client_id:
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=client_id)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def token_connect_handler(url: URL, tokens: AccessTokenCache):
    """A `do_connect` listener: our own connection string (no Trusted_Connection, which the driver
    refuses next to a token) plus the token as a pre-connect attribute."""
    connection_string = odbc_connection_string(url)

    def on_connect(_dialect, _record, cargs: list, cparams: dict) -> None:
        cargs[:] = [connection_string]
        cparams["attrs_before"] = {**cparams.get("attrs_before", {}), SQL_COPT_SS_ACCESS_TOKEN: tokens.packed_token()}

    return on_connect


def create_mssql_engine(url: str | URL, *, credential: Any = None, **engine_kwargs: Any) -> Engine:
    url = with_azure_sql_defaults(make_url(url))
    if url.password:
        return create_engine(url, **engine_kwargs)
    if credential is None:
        from shared.data.config import get_settings

        credential = default_credential(get_settings().azure_sql_client_id)
    engine = create_engine(url, **engine_kwargs)
    event.listen(engine, "do_connect", token_connect_handler(url, AccessTokenCache(credential)))
    return engine
