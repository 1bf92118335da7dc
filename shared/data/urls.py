"""Database URLs for the three places the app runs: a SQLite file, PostgreSQL, Azure SQL: the one
place that knows the driver names (`normalize` reads a DATABASE_URL the way the engine needs it).

The builders give the exact DATABASE_URL each place expects (the Bicep writes the Azure SQL one by
the same rule); `odbc_connection_string` is what the ODBC driver receives for a passwordless Azure
SQL URL. Pure string work, no driver imported.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

POSTGRESQL_DRIVER = "postgresql+psycopg"  # psycopg 3
SQL_SERVER_DRIVER = "mssql+pyodbc"
ODBC_DRIVER = "ODBC Driver 18 for SQL Server"
AZURE_SQL_SUFFIX = ".database.windows.net"
AZURE_SQL_PORT = 1433


def normalize(url: URL | str) -> URL:
    """A DATABASE_URL with its driver: `postgresql://` (or `postgres://`) means psycopg 3 here,
    `mssql://` means pyodbc; anything else is kept as written."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        return parsed.set(drivername=POSTGRESQL_DRIVER)
    if parsed.drivername == "mssql":
        return parsed.set(drivername=SQL_SERVER_DRIVER)
    return parsed


def sqlite_url(path: str | Path) -> URL:
    return URL.create("sqlite", database=str(Path(path).resolve()))


def postgresql_url(host: str, database: str, username: str, password: str | None = None, *,
                   port: int = 5432, sslmode: str | None = None) -> URL:
    query = {"sslmode": sslmode} if sslmode else {}
    return URL.create(POSTGRESQL_DRIVER, username=username, password=password, host=host, port=port,
                      database=database, query=query)


def azure_sql_url(server: str, database: str) -> URL:
    """Passwordless: no user, no password; the app signs in with its managed identity."""
    host = server if "." in server else server + AZURE_SQL_SUFFIX
    return with_azure_sql_defaults(URL.create(SQL_SERVER_DRIVER, host=host, database=database))


def with_azure_sql_defaults(url: URL | str) -> URL:
    """ODBC Driver 18 and an encrypted connection unless the URL says otherwise."""
    url = make_url(url)
    query = dict(url.query)
    query.setdefault("driver", ODBC_DRIVER)
    query.setdefault("Encrypt", "yes")
    return url.set(drivername=SQL_SERVER_DRIVER, query=query)


def odbc_connection_string(url: URL | str) -> str:
    """The ODBC connection string for a token sign-in: no UID/PWD and no Trusted_Connection."""
    url = with_azure_sql_defaults(url)
    if not url.host or not url.database:
        raise ValueError("an Azure SQL URL needs a server and a database: mssql+pyodbc://<server>/<database>")
    query = dict(url.query)
    parts = {
        "Driver": "{" + query.pop("driver") + "}",
        "Server": f"tcp:{url.host},{url.port or AZURE_SQL_PORT}",
        "Database": url.database,
        "Encrypt": query.pop("Encrypt"),
        "TrustServerCertificate": query.pop("TrustServerCertificate", "no"),
        "Connection Timeout": query.pop("Connection Timeout", "30"),
    }
    for key, value in sorted(query.items()):
        parts[key] = value if isinstance(value, str) else value[-1]
    return "".join(f"{key}={_odbc_value(value)};" for key, value in parts.items())


def _odbc_value(value: str) -> str:
    if value.startswith("{") or not any(c in value for c in ";{}="):
        return value
    return "{" + value.replace("}", "}}") + "}"
