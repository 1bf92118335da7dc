"""Bank file imports on PostgreSQL: one request importing a 10,000-line OFX statement (about 2.5 MiB)
with 20 active rules, the same file again (every line a duplicate), and the undo; beside the floor.

Run: `.venv/bin/python -m bench.imports [--lines 10000] [--rules 20] [--runs 5] [--write-results]`
(PostgreSQL from BENCH_POSTGRES_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres; a
throw-away database). The app runs in a child process (settings are read once), through devhost's
router as devhost serves it; SQL statements are counted at the driver boundary.

Each round imports the file into the same account, imports it again, undoes the first import, and
then runs the floor: the least any import of this file must do, with no rules, no duplicate check,
no ledger and no tags: the file's <STMTTRN> fields read with one regular expression, and the same
rows (as the app stored them) inserted through the bare driver (psycopg executemany, pipelined) into
the same table with its indexes, in one transaction. Rounds interleave app and floor; the figures are
medians. Statements per chunk: the import at one chunk of lines and at `--lines`, the difference
divided by the extra chunks. `python -m bench.run` runs it too (1,000 lines with --quick). With
--write-results the figures replace the import section of bench/RESULTS.md, and only it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Bank file import (POST /api/imports, PostgreSQL)"
TARGET_SECONDS = 10
HEADER = ("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
          "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0"
          "<SEVERITY>INFO</STATUS><DTSERVER>20261031120000.000[-5:EST]<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\r\n"
          "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD"
          "<BANKACCTFROM><BANKID>111000614<ACCTID>000123456789<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
          "<BANKTRANLIST><DTSTART>20260101<DTEND>20261231\r\n")
LINE = ("<STMTTRN>\r\n<TRNTYPE>{kind}\r\n<DTPOSTED>2026{month:02d}{day:02d}120000.000[-5:EST]\r\n"
        "<DTUSER>2026{month:02d}{day:02d}093000.000[-5:EST]\r\n<TRNAMT>{amount}\r\n<FITID>2026{n:010d}\r\n"
        "<REFNUM>{n:012d}\r\n<SIC>{sic}\r\n<NAME>{payee}\r\n<MEMO>POS PURCHASE CARD 4821 REF {n:08d} {memo}\r\n"
        "</STMTTRN>\r\n")
FOOTER = ("</BANKTRANLIST><LEDGERBAL><BALAMT>0.00<DTASOF>20261231</LEDGERBAL></STMTRS></STMTTRNRS>"
          "</BANKMSGSRSV1></OFX>\r\n")
PAYEES = ["WHOLE FOODS MARKET #10", "STARBUCKS STORE 0420", "SHELL OIL 5744", "AMAZON MKTPL*2X4", "UBER *TRIP",
          "NETFLIX.COM", "TRADER JOE'S #552", "CVS/PHARMACY #1234", "ACME CORP PAYROLL", "CITY OF SPRINGFIELD"]
SICS = ["5411", "5814", "5541", "5942", "4121", "4899", "5411", "5912", "6011", "9399"]
FIELD = re.compile(r"<(TRNTYPE|DTPOSTED|TRNAMT|FITID|NAME|MEMO)>([^\r\n<]*)")


def statement(lines: int) -> str:
    body = []
    for n in range(lines):
        income = n % 10 == 8
        amount = f"{2000 + n % 7}.00" if income else f"-{n % 250 + 1}.{n % 100:02d}"
        body.append(LINE.format(kind="CREDIT" if income else "DEBIT", month=n % 12 + 1, day=n % 28 + 1,
                                amount=amount, n=n, sic=SICS[n % 10], payee=PAYEES[n % 10],
                                memo="ONLINE" if n % 3 else "IN STORE"))
    return HEADER + "".join(body) + FOOTER


def _kind(sql: str) -> str:
    """A statement by what it does: its first words, CTEs named by what they change."""
    words = sql.split()
    if words and words[0].upper() == "WITH":
        return "WITH ... (data-modifying CTEs: the ledger)"
    return " ".join(words[:3])[:60]


def _floor_read(content: str) -> list[dict[str, str]]:
    """The least a reader of this file does: each <STMTTRN>'s fields by one regular expression."""
    return [dict(FIELD.findall(block)) for block in content.split("<STMTTRN>")[1:]]


def child(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT))
    import psycopg
    from sqlalchemy import event

    from bench.pg import url_parts
    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head
    from shared.services.bulk_transactions import CHUNK

    engine = get_engine()
    upgrade_to_head(engine)
    import function_app
    from devhost import Dispatcher

    dispatcher = Dispatcher(function_app.app)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, *a: statements.append(sql))

    def call(method: str, path: str, body=None, token=None):
        headers = {"x-forwarded-for": "127.0.0.1", "content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        raw = json.dumps(body).encode() if body is not None else b""
        headers["content-length"] = str(len(raw))
        route, _, query = path.partition("?")
        status, _, out = dispatcher.handle(method, "/api/" + route, query, headers, raw, "http://bench/api/" + path)
        return status, (json.loads(out) if out else None)

    def timed(method: str, path: str, body=None, token=None, expect=201) -> tuple[dict, dict | None]:
        statements.clear()
        started, cpu = time.perf_counter(), time.process_time()
        status, answer = call(method, path, body, token)
        figures = {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu,
                   "sql_statements": len(statements)}
        assert status == expect, (status, answer)
        return figures, answer

    password = "bench-imports-password"
    call("POST", "register", {"username": "importer", "password": password, "first_name": "I", "last_name": "B"})
    token = call("POST", "login", {"username": "importer", "password": password})[1]["access_token"]
    account = call("POST", "accounts", {"name": "Checking", "type": "checking"}, token)[1]["id"]
    categories = [c for c in call("GET", "categories?page_size=100", token=token)[1]["items"] if c["kind"] == "expense"]
    for i in range(args.rules):
        condition = ({"field": "payee", "op": "regex", "value": f"^{PAYEES[i % 10].split()[0]}"} if i % 2 else
                     {"field": "payee", "op": "contains", "value": PAYEES[i % 10].split()[0].lower()})
        status, _ = call("POST", "rules", {
            "name": f"rule {i}", "priority": i,
            "conditions": [condition, {"field": "amount", "op": "lt", "value": "1000"}],
            "actions": [{"set": "category_id", "value": categories[i % len(categories)]["id"]},
                        {"add_tag": f"tag{i % 5}"}]}, token)
        assert status == 201, status
    content = statement(args.lines)
    body = {"format": "ofx", "content": content, "account_id": account}

    # Statements per chunk: whole chunks of lines (one, then two) in another account, after a warm-up
    # import there (the first import ever also creates the rules' tags), each undone.
    sizes = [CHUNK, 2 * CHUNK] if args.lines >= 2 * CHUNK else [args.lines]
    spare = call("POST", "accounts", {"name": "Counting", "type": "checking"}, token)[1]["id"]
    counts, kinds = {}, {}
    for lines in [sizes[0], *sizes]:
        figures, answer = timed("POST", "imports", {"format": "ofx", "content": statement(lines), "account_id": spare},
                                token)
        counts[lines] = figures["sql_statements"]
        kinds[lines] = dict(Counter(_kind(sql) for sql in statements))
        timed("DELETE", f"imports/{answer['id']}", token=token, expect=204)
    per_chunk = counts[sizes[-1]] - counts[sizes[0]] if len(sizes) > 1 else None
    chunks = -(-args.lines // CHUNK)

    parts = url_parts(os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"))
    floor_conn = psycopg.connect(**{k: v for k, v in parts.items() if v is not None})
    rounds: dict[str, list[dict]] = {"first import": [], "same file again": [], "undo": [], "floor": []}
    columns = ["user_id", "type", "amount", "currency", "date", "description", "category_id", "account_id", "payee",
               "fitid", "import_key", "created_at", "updated_at"]
    insert = (f"INSERT INTO transactions ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})")
    loads = [os.getloadavg()[0]]
    for _ in range(args.runs):
        first, answer = timed("POST", "imports", body, token)
        assert answer["created"] == args.lines, answer["created"]
        again, repeat = timed("POST", "imports", body, token)
        assert repeat["created"] == 0 and repeat["duplicates"] == args.lines, repeat
        stored = floor_conn.execute(f"SELECT {', '.join(columns)} FROM transactions WHERE import_id = %s",
                                    [answer["id"]]).fetchall()
        floor_conn.rollback()
        undo, _ = timed("DELETE", f"imports/{answer['id']}", token=token, expect=204)
        started, cpu = time.perf_counter(), time.process_time()
        read = _floor_read(content)
        with floor_conn.transaction(), floor_conn.cursor() as cursor:
            cursor.executemany(insert, stored)
        floor = {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}
        assert len(read) == len(stored) == args.lines
        with floor_conn.transaction():
            floor_conn.execute("DELETE FROM transactions WHERE account_id = %s AND import_id IS NULL", [account])
        for name, figures in (("first import", first), ("same file again", again), ("undo", undo), ("floor", floor)):
            rounds[name].append(figures)
        loads.append(os.getloadavg()[0])
    floor_conn.close()

    def summary(runs: list[dict]) -> dict:
        out = {"seconds": round(statistics.median(r["seconds"] for r in runs), 2),
               "best_seconds": round(min(r["seconds"] for r in runs), 2),
               "cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 2)}
        if "sql_statements" in runs[0]:
            out["sql_statements"] = runs[0]["sql_statements"]
        return out

    results = {"lines": args.lines, "rules": args.rules, "runs": args.runs,
               "content_mib": round(len(content.encode()) / 2**20, 2), "chunk": CHUNK, "chunks": chunks,
               "statements_by_lines": counts, "statements_per_chunk": per_chunk, "statement_kinds": kinds,
               "load_min": round(min(loads), 1), "load_max": round(max(loads), 1),
               "date": dt.date.today().isoformat(), **{name: summary(runs) for name, runs in rounds.items()}}
    results["floor_ratio"] = round(results["first import"]["seconds"] / results["floor"]["seconds"], 1)
    return results


def imports_bench(lines: int, rules: int, runs: int, postgres_server: str) -> dict:
    from bench.pg import throwaway_database

    with throwaway_database(postgres_server, "bench_imports") as url:
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "BCRYPT_ROUNDS": "4",
               "JWT_SECRET": "bench-imports-secret-that-is-long-enough-0123456789"}
        out = subprocess.run([sys.executable, "-m", "bench.imports", "--child", "--lines", str(lines),
                              "--rules", str(rules), "--runs", str(runs)], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def section(r: dict | None) -> list[str]:
    """Lines for bench/RESULTS.md."""
    if not r:
        return []
    first, again, undo, floor = r["first import"], r["same file again"], r["undo"], r["floor"]
    counts = {int(k): v for k, v in r["statements_by_lines"].items()}
    smallest = min(counts)
    met = "met" if first["seconds"] < TARGET_SECONDS else "missed"
    per_chunk = ("one chunk only at this size" if r["statements_per_chunk"] is None else
                 f"{r['statements_per_chunk']} more for a second chunk of {r['chunk']:,} lines "
                 f"({', '.join(f'{n:,} lines: {c}' for n, c in sorted(counts.items()))})")
    return [
        HEADING, "",
        f"Generated by `python -m bench.imports` on {r['date']}: one request, in-process through devhost's router, "
        f"a throw-away database. {r['lines']:,} OFX 1.x lines ({r['content_mib']} MiB) with {r['rules']} active "
        f"rules (half of them `regex` conditions); medians of {r['runs']} rounds, each: the import, the same file "
        "again, the undo, then the floor (the file's fields read by one regular expression and the same rows "
        "inserted through the bare driver in one transaction: no rules, duplicate check, ledger or tags). "
        f"Load average {r['load_min']}–{r['load_max']} on 2 cores during the rounds.", "",
        "| step | wall s (median) | wall s (best) | app CPU s | SQL statements |",
        "|---|---:|---:|---:|---:|",
        f"| first import | {first['seconds']} | {first['best_seconds']} | {first['cpu_seconds']} | "
        f"{first['sql_statements']} |",
        f"| the same file again (all duplicates) | {again['seconds']} | {again['best_seconds']} | "
        f"{again['cpu_seconds']} | {again['sql_statements']} |",
        f"| undo (DELETE /api/imports/{{id}}) | {undo['seconds']} | {undo['best_seconds']} | {undo['cpu_seconds']} | "
        f"{undo['sql_statements']} |",
        f"| floor: regex read + bare executemany | {floor['seconds']} | {floor['best_seconds']} | "
        f"{floor['cpu_seconds']} | 1 |", "",
        f"**Target (under {TARGET_SECONDS} s for the first import): {met}** — median {first['seconds']} s; "
        f"**{r['floor_ratio']} × the floor**. SQL statements: {counts[smallest]} for the first chunk, "
        f"{per_chunk}: a constant number per chunk, whatever the lines. Each chunk's rows go in as one "
        "INSERT ... SELECT FROM unnest(one array per column) ON CONFLICT DO NOTHING (that is the statement a "
        "chunk adds); the file's keys are checked in one statement; the ledger (balances, monthly and daily "
        "totals) moves in one statement with its totals as arrays; tags are linked in one executemany; the rest "
        "is the caller, the target, the rules, the caller's categories and ids, and the import's record.", ""]


def main(argv: list[str] | None = None) -> None:
    from bench.pg import server_from_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write-results", action="store_true", help="replace the import section of RESULTS.md")
    parser.add_argument("--json", default=None, help="also write the raw figures here")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return
    results = imports_bench(args.lines, args.rules, args.runs, server_from_env())
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print("\n".join(section(results)))
    if args.write_results:
        from bench.sections import replace_section

        replace_section(section(results))


if __name__ == "__main__":
    main()
