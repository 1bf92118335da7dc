"""The bare floor: a stdlib HTTP server answering the benchmark's requests with one SQL statement
each, through the bare driver (psycopg on PostgreSQL, sqlite3 on SQLite), on the app's own database.

No framework, no validation, no authentication, no ledger: it is what one round trip to the database
and a `json.dumps` cost over HTTP/1.1 keep-alive, the figure the app's requests are compared with
(bench/sidebyside.py). The caller's user id comes from the `X-User` header.

    python -m bench.floor --port 8081 --database-url postgresql+psycopg://...   (run by sidebyside.py)
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

_COLUMNS = ("id, type, amount, date, description, category_id, account_id, credit_card_id, to_account_id, "
            "to_credit_card_id, income_source_id, created_at, updated_at")
_NAMES = [c.strip() for c in _COLUMNS.split(",")]
# The same statement for both drivers: "?" becomes psycopg's "%s".
_SQL = {
    "create": f"INSERT INTO transactions (user_id, type, amount, date, description, category_id, account_id, "
              f"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
    "get": f"SELECT {_COLUMNS} FROM transactions WHERE user_id = ? AND id = ?",
    "list": f"SELECT {_COLUMNS} FROM transactions WHERE user_id = ? ORDER BY date DESC, id DESC LIMIT ?",
    "monthly": "SELECT type, category_key, total, count FROM monthly_totals WHERE user_id = ? AND month = ?",
}
_ONE = re.compile(r"^/api/transactions/(\d+)$")


def _default(value):
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def connect(database_url: str):
    """(connection, paramstyle fix) for the URL's driver, autocommit (one statement is its own transaction)."""
    if database_url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None, check_same_thread=False,
                               detect_types=0)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn, lambda sql: sql
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True), lambda sql: sql.replace("?", "%s")


def make_handler(conn, fix):
    sql = {name: fix(text) for name, text in _SQL.items()}

    class Floor(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once, as devhost sends them

        def log_message(self, *args) -> None:  # the floor logs nothing
            pass

        def _answer(self, status: int, data) -> None:
            body = json.dumps(data, default=_default, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _rows(self, statement: str, params: tuple) -> list[dict]:
            cur = conn.execute(statement, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

        def do_GET(self) -> None:
            user = int(self.headers["X-User"])
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            one = _ONE.match(parts.path)
            if one:
                rows = self._rows(sql["get"], (user, int(one.group(1))))
                self._answer(200 if rows else 404, rows[0] if rows else {"status": 404})
            elif parts.path == "/api/transactions":
                size = int(query.get("page_size", 20))
                self._answer(200, {"items": self._rows(sql["list"], (user, size)), "page": 1, "page_size": size})
            elif parts.path == "/api/reports/monthly":
                first = dt.date.fromisoformat(query["month"] + "-01")
                self._answer(200, {"month": query["month"],
                                   "lines": self._rows(sql["monthly"], (user, first.isoformat()))})
            else:
                self._answer(404, {"status": 404})

        def do_POST(self) -> None:
            user = int(self.headers["X-User"])
            data = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)), parse_float=Decimal)
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
            params = (user, data["type"], str(Decimal(data["amount"])), data["date"], data.get("description"),
                      data.get("category_id"), data.get("account_id"), now, now)
            self._answer(201, self._rows(sql["create"], params)[0])

    return Floor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    conn, fix = connect(args.database_url)
    server = HTTPServer(("127.0.0.1", args.port), make_handler(conn, fix))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
