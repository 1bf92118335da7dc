"""Bank file imports on PostgreSQL: one request importing a 10,000-line OFX statement (about 2.5 MiB)
with 20 active rules, the same file again (every line a duplicate), and the undo.

Run: `.venv/bin/python -m bench.imports [--lines 10000] [--rules 20]` (PostgreSQL from
BENCH_POSTGRES_SERVER, default postgresql://postgres@127.0.0.1:5432/postgres; a throw-away database).
It runs the app in a child process (settings are read once), through devhost's router as devhost
serves it, counts SQL statements at the driver boundary, and writes bench/IMPORTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
          "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0"
          "<SEVERITY>INFO</STATUS><DTSERVER>20261031120000.000[-5:EST]<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\r\n"
          "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD"
          "<BANKACCTFROM><BANKID>111000614<ACCTID>000123456789<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
          "<BANKTRANLIST><DTSTART>20260101<DTEND>20261231\r\n")
LINE = ("<STMTTRN>\r\n<TRNTYPE>{kind}\r\n<DTPOSTED>2026{month:02d}{day:02d}120000.000[-5:EST]\r\n<TRNAMT>{amount}\r\n"
        "<FITID>2026{n:010d}\r\n<NAME>{payee}\r\n<MEMO>POS PURCHASE CARD 4821 REF {n:08d} {memo}\r\n</STMTTRN>\r\n")
FOOTER = ("</BANKTRANLIST><LEDGERBAL><BALAMT>0.00<DTASOF>20261231</LEDGERBAL></STMTRS></STMTTRNRS>"
          "</BANKMSGSRSV1></OFX>\r\n")
PAYEES = ["WHOLE FOODS MARKET #10", "STARBUCKS STORE 0420", "SHELL OIL 5744", "AMAZON MKTPL*2X4", "UBER *TRIP",
          "NETFLIX.COM", "TRADER JOE'S #552", "CVS/PHARMACY #1234", "ACME CORP PAYROLL", "CITY OF SPRINGFIELD"]


def statement(lines: int) -> str:
    body = []
    for n in range(lines):
        income = n % 10 == 8
        amount = f"{2000 + n % 7}.00" if income else f"-{n % 250 + 1}.{n % 100:02d}"
        body.append(LINE.format(kind="CREDIT" if income else "DEBIT", month=n % 12 + 1, day=n % 28 + 1,
                                amount=amount, n=n, payee=PAYEES[n % 10], memo="ONLINE" if n % 3 else "IN STORE"))
    return HEADER + "".join(body) + FOOTER


def child(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from shared.data.db import get_engine
    from shared.data.migrate import upgrade_to_head

    engine = get_engine()
    upgrade_to_head(engine)
    import function_app
    from devhost import Dispatcher

    dispatcher = Dispatcher(function_app.app)
    statements: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

    def call(method: str, path: str, body=None, token=None):
        headers = {"x-forwarded-for": "127.0.0.1", "content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        raw = json.dumps(body).encode() if body is not None else b""
        headers["content-length"] = str(len(raw))
        route, _, query = path.partition("?")
        status, _, out = dispatcher.handle(method, "/api/" + route, query, headers, raw, "http://bench/api/" + path)
        return status, (json.loads(out) if out else None)

    password = "bench-imports-password"
    call("POST", "register", {"username": "importer", "password": password, "first_name": "I", "last_name": "B"})
    token = call("POST", "login", {"username": "importer", "password": password})[1]["access_token"]
    account = call("POST", "accounts", {"name": "Checking", "type": "checking"}, token)[1]["id"]
    categories = [c for c in call("GET", "categories?page_size=100", token=token)[1]["items"] if c["kind"] == "expense"]
    for i in range(args.rules):
        condition = ({"field": "payee", "op": "regex", "value": f"^{PAYEES[i % 10].split()[0]}"} if i % 2 else
                     {"field": "payee", "op": "contains", "value": PAYEES[i % 10].split()[0].lower()})
        status, _ = call("POST", "rules", {
            "name": f"rule {i}", "priority": i, "conditions": [condition, {"field": "amount", "op": "lt", "value": "1000"}],
            "actions": [{"set": "category_id", "value": categories[i % len(categories)]["id"]},
                        {"add_tag": f"tag{i % 5}"}]}, token)
        assert status == 201, status
    content = statement(args.lines)
    body = {"format": "ofx", "content": content, "account_id": account}
    results = {"lines": args.lines, "rules": args.rules, "content_mib": round(len(content.encode()) / 2**20, 2),
               "load": round(os.getloadavg()[0], 1)}
    for name in ("first import", "same file again"):
        statements.clear()
        started, cpu = time.perf_counter(), time.process_time()
        status, answer = call("POST", "imports", body, token)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert status == 201, (status, answer)
        results[name] = {"seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2), "created": answer["created"],
                         "duplicates": answer["duplicates"], "sql_statements": len(statements)}
        if name == "first import":
            import_id = answer["id"]
    statements.clear()
    started = time.perf_counter()
    status, _ = call("DELETE", f"imports/{import_id}", token=token)
    assert status == 204, status
    results["undo"] = {"seconds": round(time.perf_counter() - started, 2), "sql_statements": len(statements)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print the figures, do not write bench/IMPORTS.md")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    from bench.pg import server_from_env, throwaway_database

    with throwaway_database(server_from_env(), "bench_imports") as url:
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "BCRYPT_ROUNDS": "4",
               "JWT_SECRET": "bench-imports-secret-that-is-long-enough-0123456789"}
        out = subprocess.run([sys.executable, "-m", "bench.imports", "--child", "--lines", str(args.lines),
                              "--rules", str(args.rules)], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    results = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(results, indent=2))
    if not args.no_write:
        (ROOT / "bench" / "IMPORTS.md").write_text(report(results))


def report(r: dict) -> str:
    first, again, undo = r["first import"], r["same file again"], r["undo"]
    return f"""# Bank file import on PostgreSQL (`python -m bench.imports`)

One request, in-process through devhost's router, on a throw-away PostgreSQL database; the machine is the
shared 2-core box of the other benchmarks. {r['lines']:,} OFX 1.x lines ({r['content_mib']} MiB) with {r['rules']}
active rules (half of them `regex` conditions).

| step | wall seconds | app CPU seconds | SQL statements | created | duplicates |
|---|---|---|---|---|---|
| first import | {first['seconds']} | {first['cpu_seconds']} | {first['sql_statements']} | {first['created']:,} | {first['duplicates']:,} |
| the same file again | {again['seconds']} | {again['cpu_seconds']} | {again['sql_statements']} | {again['created']:,} | {again['duplicates']:,} |
| undo (DELETE /api/imports/{{id}}) | {undo['seconds']} | | {undo['sql_statements']} | | |

Load average while measured: {r.get('load', '?')} on 2 cores (other engineers' test suites were running).

Target: under 10 s for the first import. Statements do not grow per line: rows are inserted with one
executemany per chunk of 5,000 (sent as multi-row INSERTs of 1,000 by the driver), keys are checked 500 per
query, and the ledger moves once per account, month and category.
"""


if __name__ == "__main__":
    main()
