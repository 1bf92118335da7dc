"""Passwordless Azure SQL without a server: token packing, caching and refresh, the connection
string the driver receives, and the URLs for SQLite, PostgreSQL and Azure SQL."""
from __future__ import annotations

import struct
import subprocess
import sys
import types

import pytest
from sqlalchemy.engine import make_url

from shared.data import azure_sql
from shared.data.azure_sql import (
    AZURE_SQL_SCOPE,
    SQL_COPT_SS_ACCESS_TOKEN,
    AccessTokenCache,
    create_mssql_engine,
    pack_access_token,
)
from shared.data.urls import (
    azure_sql_url,
    odbc_connection_string,
    postgresql_url,
    sqlite_url,
    with_azure_sql_defaults,
)

SERVER_URL = "mssql+pyodbc://sql-finance.database.windows.net/finance?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes"


class FakeCredential:
    """Hands out token-1, token-2, … each valid for `lifetime` seconds from the fake clock."""

    def __init__(self, clock, lifetime: float = 3600):
        self.clock = clock
        self.lifetime = lifetime
        self.scopes: list[str] = []

    def get_token(self, scope: str):
        self.scopes.append(scope)
        return types.SimpleNamespace(token=f"token-{len(self.scopes)}", expires_on=int(self.clock() + self.lifetime))


class FakeClock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class ConnectCalled(Exception):
    pass


def fake_pyodbc():
    """Just enough of the pyodbc module for SQLAlchemy's dialect; connect() records and stops."""
    calls: list[tuple[tuple, dict]] = []

    def connect(*args, **kwargs):
        calls.append((args, kwargs))
        raise ConnectCalled

    module = types.SimpleNamespace(
        paramstyle="qmark", version="5.5.0", connect=connect, Cursor=type("Cursor", (), {"nextset": None}),
        Error=Exception, DatabaseError=Exception, OperationalError=Exception, InterfaceError=Exception,
        pooling=True,
    )
    return module, calls


def first_connect(engine):
    with pytest.raises(ConnectCalled):
        engine.raw_connection()


# --- token packing ---------------------------------------------------------------------------

def test_token_is_packed_as_length_prefixed_utf16le():
    packed = pack_access_token("eyJ0")
    assert packed == b"\x08\x00\x00\x00" + "eyJ0".encode("utf-16-le")
    assert packed == struct.pack("<I", 8) + b"e\x00y\x00J\x000\x00"


def test_packed_length_counts_bytes_not_characters():
    token = "a" * 1500
    packed = pack_access_token(token)
    (length,) = struct.unpack("<I", packed[:4])
    assert length == 3000 == len(packed) - 4
    assert packed[4:].decode("utf-16-le") == token


# --- caching and refresh ---------------------------------------------------------------------

def test_token_is_requested_for_the_azure_sql_scope_and_cached():
    clock = FakeClock()
    credential = FakeCredential(clock)
    cache = AccessTokenCache(credential, clock=clock)
    first = cache.packed_token()
    clock.now += 600
    assert cache.packed_token() == first
    assert credential.scopes == [AZURE_SQL_SCOPE]
    assert AZURE_SQL_SCOPE == "https://database.windows.net/.default"


def test_token_is_refreshed_a_few_minutes_before_it_expires():
    clock = FakeClock()
    credential = FakeCredential(clock, lifetime=3600)
    cache = AccessTokenCache(credential, margin_seconds=300, clock=clock)
    assert cache.packed_token() == pack_access_token("token-1")
    clock.now += 3600 - 301  # still more than the margin left
    assert cache.packed_token() == pack_access_token("token-1")
    clock.now += 1  # now inside the margin: fetch a new one before the old one dies
    assert cache.packed_token() == pack_access_token("token-2")
    assert len(credential.scopes) == 2


def test_an_expired_token_is_never_reused():
    clock = FakeClock()
    credential = FakeCredential(clock, lifetime=60)  # shorter than the margin
    cache = AccessTokenCache(credential, clock=clock)
    cache.packed_token()
    cache.packed_token()
    assert len(credential.scopes) == 2


# --- the engine ------------------------------------------------------------------------------

def test_passwordless_url_connects_with_the_token_attribute_and_no_credentials():
    clock = FakeClock()
    module, calls = fake_pyodbc()
    engine = create_mssql_engine(SERVER_URL, credential=FakeCredential(clock), module=module)
    first_connect(engine)
    (args, kwargs), = calls
    assert kwargs["attrs_before"] == {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token("token-1")}
    assert SQL_COPT_SS_ACCESS_TOKEN == 1256
    connection_string = args[0]
    assert "Driver={ODBC Driver 18 for SQL Server};" in connection_string
    assert "Server=tcp:sql-finance.database.windows.net,1433;" in connection_string
    assert "Database=finance;" in connection_string and "Encrypt=yes;" in connection_string
    for forbidden in ("Trusted_Connection", "UID=", "PWD=", "Authentication="):
        assert forbidden.lower() not in connection_string.lower()


def test_each_new_connection_gets_the_current_token():
    clock = FakeClock()
    module, calls = fake_pyodbc()
    engine = create_mssql_engine(SERVER_URL, credential=FakeCredential(clock, lifetime=3600), module=module)
    first_connect(engine)
    clock.now += 3600
    first_connect(engine)
    assert [kw["attrs_before"][1256] for _, kw in calls] == [pack_access_token("token-1"), pack_access_token("token-2")]


def test_password_url_never_asks_for_a_token():
    class NoTokens:
        def get_token(self, scope):
            raise AssertionError("a password URL must not fetch a token")

    module, calls = fake_pyodbc()
    engine = create_mssql_engine("mssql+pyodbc://app:s3cret@localhost:1433/finance", credential=NoTokens(),
                                 module=module)
    first_connect(engine)
    (args, kwargs), = calls
    assert "attrs_before" not in kwargs
    assert "UID=app" in args[0] and "PWD=s3cret" in args[0]
    assert "ODBC Driver 18 for SQL Server" in args[0]


def test_without_a_credential_the_managed_identity_from_settings_is_used(monkeypatch):
    from shared.data.config import Settings

    seen = []
    monkeypatch.setattr("shared.data.config.get_settings", lambda: Settings(azure_sql_client_id="1111-uami"))
    monkeypatch.setattr(azure_sql, "default_credential",
                        lambda client_id: seen.append(client_id) or FakeCredential(FakeClock()))
    module, _ = fake_pyodbc()
    create_mssql_engine(SERVER_URL, module=module)
    assert seen == ["1111-uami"]


def test_default_credential_is_the_user_assigned_identity_when_a_client_id_is_set():
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    assert isinstance(azure_sql.default_credential("00000000-0000-0000-0000-000000000001"), ManagedIdentityCredential)
    assert isinstance(azure_sql.default_credential(""), DefaultAzureCredential)


def test_azure_identity_is_not_imported_until_a_token_is_needed():
    code = "import sys, shared.data.db, shared.data.azure_sql; print('azure.identity' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- URLs and connection strings -------------------------------------------------------------

def test_sqlite_url_is_an_absolute_file_path(tmp_path):
    url = sqlite_url(tmp_path / "finance.db")
    assert url.drivername == "sqlite" and url.database == str(tmp_path / "finance.db")
    assert str(url) == f"sqlite:///{tmp_path}/finance.db"


def test_postgresql_url_uses_psycopg3_and_escapes_the_password():
    url = postgresql_url("db.example.com", "finance", "app", "p@ss/word", sslmode="require")
    rendered = url.render_as_string(hide_password=False)
    assert rendered == "postgresql+psycopg://app:p%40ss%2Fword@db.example.com:5432/finance?sslmode=require"
    assert make_url(rendered).password == "p@ss/word"


def test_azure_sql_url_is_passwordless_with_driver_18_and_encryption():
    url = azure_sql_url("sql-finance", "finance")
    assert url.drivername == "mssql+pyodbc"
    assert url.host == "sql-finance.database.windows.net" and url.database == "finance"
    assert url.username is None and url.password is None
    assert url.query == {"driver": "ODBC Driver 18 for SQL Server", "Encrypt": "yes"}
    assert azure_sql_url("sql-finance.database.windows.net", "finance") == url
    assert with_azure_sql_defaults(SERVER_URL) == url


def test_defaults_do_not_override_what_the_url_says():
    url = with_azure_sql_defaults("mssql://host/db?driver=ODBC+Driver+17+for+SQL+Server&Encrypt=no")
    assert url.drivername == "mssql+pyodbc"
    assert url.query["driver"] == "ODBC Driver 17 for SQL Server" and url.query["Encrypt"] == "no"


def test_odbc_connection_string_for_azure_sql():
    assert odbc_connection_string(SERVER_URL) == (
        "Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql-finance.database.windows.net,1433;"
        "Database=finance;Encrypt=yes;TrustServerCertificate=no;Connection Timeout=30;"
    )


def test_odbc_connection_string_keeps_extra_options_and_braces_unsafe_values():
    text = odbc_connection_string(
        "mssql+pyodbc://h:14330/d?ApplicationIntent=ReadOnly&Connection+Timeout=60&APP=a;b"
    )
    assert "Server=tcp:h,14330;" in text and "Connection Timeout=60;" in text
    assert "ApplicationIntent=ReadOnly;" in text and "APP={a;b};" in text


def test_odbc_connection_string_needs_a_server_and_a_database():
    with pytest.raises(ValueError):
        odbc_connection_string("mssql+pyodbc:///finance")


# --- the postprovision script's T-SQL ----------------------------------------------------------

def test_setup_grants_the_identity_read_write_only_and_can_run_twice():
    from scripts.azure_sql_setup import grant_statements

    statements = grant_statements("id-abc123")
    assert statements[0] == ("IF DATABASE_PRINCIPAL_ID(N'id-abc123') IS NULL "
                             "CREATE USER [id-abc123] FROM EXTERNAL PROVIDER")
    assert [s.rsplit(" ", 1)[-1] for s in statements[1:]] == ["[id-abc123]", "[id-abc123]"]
    assert "db_datareader" in statements[1] and "db_datawriter" in statements[2]
    assert not any("db_owner" in s or "db_ddladmin" in s for s in statements)


@pytest.mark.parametrize("name", ["x]; DROP TABLE users; --", "a'b", "", "id abc"])
def test_setup_refuses_a_name_that_could_break_out_of_the_brackets(name):
    from scripts.azure_sql_setup import grant_statements

    with pytest.raises(ValueError):
        grant_statements(name)


def test_no_boolean_column_is_compared_with_is_true_or_false():
    """`column.is_(True)` renders `IS 1` in the mssql dialect, which T-SQL refuses (a syntax error on
    Azure SQL); `column == true()` renders `= 1` there and `= true` on PostgreSQL. Found in the rules,
    the recurring posting and the asset trades on 2026-11-30."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [f"{path.relative_to(root)}:{number}" for path in sorted((root / "shared").rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\.(is_|is_not|isnot)\((True|False)\)", line)]
    assert offenders == []
