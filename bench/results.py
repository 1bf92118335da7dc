"""bench/RESULTS.md from the figures of one run: each section, then the targets met or missed."""
from __future__ import annotations

import datetime as dt
import itertools
import os
import platform

from bench.cold import FLOOR_IMPORTS
from bench.inprocess import PER_MONTH


def fmt(value: float, digits: int = 2) -> str:
    return "—" if value != value else f"{value:.{digits}f}"


# What the profiles showed, and why a missed target is missed (kept with the code that renders it).
NOTES: list[str] = [
    "## What the profiles showed (issue 16)",
    "",
    "This run shared a 2-core machine with about eight other sessions' test suites (load average about 12): "
    "absolute times are inflated many times over (the cold start took seconds), and the in-process wall "
    "times above swing from one size to the next for that reason alone. Read the ratios of interleaved "
    "measurements (side by side, cold start) and the CPU figures.",
    "",
    "Profiled before changing anything: cProfile with a CPU clock (and once with the wall clock) over 200 "
    "requests of each kind through devhost's WSGI app, in-process, on PostgreSQL, a user with 120 "
    "transactions. CPU per request below is from that harness (the machine was shared with ~8 test suites, "
    "so ±20 %); the tables above are the benchmark's own.",
    "",
    "| request | CPU before → after | where it went | changed |",
    "|---|---|---|---|",
    "| get one | 2.1 → 1.2 ms | caller lookup 55 % of it (pyjwt's decode alone 17 %: it re-checks every "
    "base64 character), a pool pre-ping round trip, BEGIN and COMMIT, ORM result set-up | a token's "
    "signature and claims verified once per token string (expiry re-checked every time; the caller lookup "
    "still runs on every request, so logout and password change act at once); no pre-ping (a dead "
    "connection fails its first statement and the unit of work is retried); reads on PostgreSQL without "
    "BEGIN/COMMIT: 2 round trips instead of 5 |",
    "| list of 100 | 7.4 → 5.2 ms | pydantic validating ORM objects (16 %) and dumping them again (11 %), "
    "building 100 ORM objects (20 %) | the page selected as plain rows and serialised with the answer "
    "model's own serializers (shared/schemas/answers.py); resources whose answers need more keep pydantic |",
    "| create a transaction | 8.9 → 6.1 ms | the ledger: one UPDATE per balance and one upsert per monthly "
    "total, each rebuilt in Python per request (40 % of the wall time) | on PostgreSQL one statement per "
    "write (data-modifying CTEs, still in sorted lock order), built once per shape with bound parameters |",
    "| monthly report | 8.4 → 8.1 ms | 60 % building its three statements from Python expressions per "
    "request (SQLAlchemy coercions and cache keys), 4 round trips | only the transaction-free read: the "
    "statements live in shared/services/reports.py, which others are extending in parallel (currencies, "
    "defaults); building them once with bound parameters, as the ledger now does, is the next step |",
    "",
    "Second pass (after the currencies work had moved the report to kept totals): `python -m bench.profile` "
    "(cProfile, CPU clock, the side-by-side benchmark's user and four requests through devhost's WSGI app), "
    "then the changes below; CPU per request in-process without the profiler, the code before and after "
    "run alternately, twice each, medians of 5 rounds of 200 requests, the machine under a load average of "
    "about 6 (other sessions' suites), so read the ratios:",
    "",
    "| request | SQLite CPU before → after | PostgreSQL CPU before → after | what the profile showed | changed |",
    "|---|---|---|---|---|",
    "| create a transaction | 7.4–8.5 → 3.5–3.8 ms | 6.8–7.7 → 5.6–6.0 ms | SQLite: half of it building the "
    "kept-total upserts per write (`on_conflict_do_update`, `excluded`, coercions); everywhere: each "
    "reference, currency, category and rules check rebuilt per request and run through the ORM, the answer "
    "through pydantic (validate, copy for the tags, dump) | the upserts, checks and rules built once with bound "
    "parameters and run as Core (rules: only the columns a compiled rule reads); the answer straight from the "
    "row |",
    "| get one | 1.7 → 0.7–1.1 ms | 2.9–3.5 → 2.5–2.8 ms | the tags query rebuilt per request; the answer "
    "through pydantic three times (validate, model_copy, dump) | the tags query built once (Core); the answer "
    "from the row (shared/schemas/answers.py, `supplied` fields) |",
    "| list of 100 | 8.0–9.7 → 4.3–5.1 ms | 8.5–10.8 → 6.5–7.1 ms | transactions had left the plain-rows path "
    "when tags came (to_out overridden): 100 ORM objects, pydantic validate + copy + dump per row; the tags' "
    "IN list of 100 placeholders rendered and parsed by psycopg per page | the page selected as the answer's "
    "columns in its order and serialised by position; tags by one prebuilt statement, on PostgreSQL one "
    "array parameter (`= ANY`); the unfiltered total a prebuilt statement |",
    "| monthly report | 1.5–2.1 → 0.8–0.9 ms | 3.3–3.8 → 2.5–2.7 ms | four statements, two (category "
    "names, budgets) rebuilt per request; the ledger's statement copied per request by `.params()` | names "
    "and budget lines in one statement (3 statements, not 4), all built once and run as Core |",
    "",
    "What is left per request is the fixed part: devhost's WSGI to `HttpRequest` conversion and "
    "`HttpResponse`, the caller lookup (an ORM entity load, about twice a column read on PostgreSQL; kept on "
    "every request by design), SQLAlchemy's result set-up per statement (about 50 µs over psycopg's own 70 "
    "µs), and per row the type processing and JSON of timestamps and money.",
    "",
    "Wall time here is mostly PostgreSQL round trips, not Python: the floor answers with one, the app's get "
    "with two (caller, row), its create with about eight plus the commit's fsync, and the server is shared. "
    "That is why requests per second sit further from the floor than CPU alone would say.",
    "",
    "Why the misses are misses, and what it would take:",
    "",
    "- **≥ 0.5 × the floor's requests/s**: the floor is one statement and no transaction; the API must "
    "also check the caller (one statement, kept on every request by design) and, for writes, run its "
    "reference lookups, the rules, the INSERT and the ledger in one transaction (5 statements and "
    "BEGIN/COMMIT on PostgreSQL, against the floor's one). A get is two round trips, so 0.5 × is its "
    "ceiling when round trips dominate. After the third pass (shared/data/prepared.py: hot statements "
    "compiled once per dialect and run on the driver's cursor; devhost on the stdlib server) the list of "
    "100 reaches 0.5 × in some runs and the get 0.35–0.40 ×; the create stays near 0.3 ×. The fourth pass "
    "carried the caller's check on a read's own statement (GET one: one round trip, 0.69–0.91 ×; the "
    "monthly report: two statements, 0.39–0.40 ×). The fifth pass answered the list of 100 straight from "
    "the driver's values with its tags joined in (two statements, about 0.65 ×) and made the monthly "
    "report one statement (0.32–0.36 ×); the create and the monthly report are what is left (see the "
    "fifth pass)."
    " The sixth pass carried a create's caller check on its references' lookup, made its row and ledger one "
    "statement on PostgreSQL, answered it without an ORM row and ran writes without an ORM Session "
    "(WriteSession): the create reaches 0.49 × (0.32–0.38 × before it, same runs), the monthly report "
    "0.34–0.35 × (see the sixth pass)."
    " The seventh pass sent a plain create's reads before BEGIN and its one write alone, committed as it "
    "runs (the ledger statement refuses in SQL), and read the monthly report's caller once and only the "
    "names it shows: every request is at 0.5 × or better in every run (create 0.54–0.65 ×, monthly report "
    "0.54–0.60 ×; see the seventh pass).",
    "- **CPU ≤ 3 × the floor's**: the floor's CPU per request is 0.15–2 ms (one statement, no "
    "authentication); the app's fixed cost per request (the azure.functions HttpRequest/HttpResponse, the "
    "ORM Session, the caller lookup, security headers) is about 0.5 ms before any work. After the third "
    "pass the PostgreSQL get and list are at 2.4–3.2 ×, the creates at 3.4–5.3 ×; the SQLite get and "
    "monthly report, whose floor is a 20 µs in-process read, stay at 5–8 ×. After the fourth pass "
    "(devhost's own header reading, reads without an ORM Session unless they need one, the caller's check "
    "on a read's statement) both gets are within 3 ×, both monthly reports and the PostgreSQL list at "
    "about 3 ×, and the creates and the SQLite list still over (3.1–5.4 ×). After the fifth pass (orjson, "
    "answers fused from the driver's values, one write per answer in devhost) both lists are within 3 × as "
    "well; the monthly reports (3.3–4.6 ×) and the creates (3.6–6.4 ×) are still over."
    " After the sixth pass (devhost's own function pool, reads and writes on the pooled driver without a "
    "SQLAlchemy Connection or ORM Session unless the work needs one, the create's statements) every "
    "request is within 3 × but the SQLite monthly report (3.8–4.7 ×), whose floor costs 0.13–0.19 ms: "
    "less than half the app's cheapest authenticated request."
    " After the seventh pass every request is within 3 × in every run, the SQLite monthly report at "
    "2.43–2.79 ×.",
    "- **Cold start ≤ 1.25 ×**: `-X importtime` had put the app's own modules (models, schemas, services, "
    "blueprints) at about 0.7 s of a 1.75 s import and no single one stood out, so they are all deferred: "
    "each blueprint package declares its functions (name, trigger, route, bindings) beside its handlers, and "
    "its handlers module is imported on the first call of one of its functions (shared/web/deferred.py); the "
    "function metadata, the route table and the OpenAPI document are the same as before.",
    "- **Text search**: the pg_trgm GIN index (migration 0003_text_search) answers from the rows containing "
    "the term. On SQLite an FTS5 table with the trigram tokenizer (migration 0009_sqlite_text_search) over "
    "the lowered descriptions, case-sensitive, so its test is the LIKE's own (`lower` is Python's str.lower "
    "on SQLite; FTS5's own case folding would differ on letters like İ); triggers keep it on every write "
    "path. The search starts from its matches (`+user_id` keeps the user-date index out of the plan) and the "
    "LIKE still decides. Measured (20 matches among 1,000 vs 10,000 transactions, in-process, 60 interleaved "
    "requests): before 3.6 × CPU (3.8–4.7 × wall), after 1.02–1.03 × CPU (0.99–1.02 × wall). Both "
    "indexes hold every user's rows: a term common to many users costs a look at each match. Azure SQL has "
    "no trigram index (its full-text search matches words and prefixes, not substrings): it scans the "
    "caller's rows through ix_transactions_user_date; the T-SQL tests render the search and the migration "
    "chain and check that nothing PostgreSQL- or SQLite-only is in it.",
    "- **Nothing looser**: reports read the same kept totals; isolation and idempotency tests unchanged; the "
    "statement-count tests still hold (and now check that a write's ledger is one statement on PostgreSQL and "
    "that reads send no BEGIN there).",
    "",
]


def beside_section(beside: dict[str, dict]) -> list[str]:
    """Issue 16's targets 1 and 2: the app over HTTP beside the bare floor, one client."""
    lines = ["## HTTP beside the bare floor (1 client)", "",
             "devhost (`APP_ENV=production`, `LOG_LEVEL=WARNING`) and bench/floor.py (a stdlib HTTP server "
             "answering the same request with one SQL statement through the bare driver) on the same database, "
             "the same requests on one keep-alive connection, rounds interleaved; medians of the rounds. Server "
             "CPU from /proc (the whole server process).", "",
             "| database | request | app req/s | floor req/s | app ÷ floor (≥ 0.5) | app CPU ms | floor CPU ms "
             "| CPU ÷ floor (≤ 3) |", "|---|---|---|---|---|---|---|---|"]
    for backend, run in beside.items():
        for op, f in run["operations"].items():
            lines.append(
                f"| {backend} | {op} | {fmt(f['app_rps'], 0)} | {fmt(f['floor_rps'], 0)} | {fmt(f['rps_ratio'])} "
                f"{'✅' if f['rps_ratio'] >= 0.5 else '❌'} | {fmt(f['app_cpu_ms'])} | {fmt(f['floor_cpu_ms'])} | "
                f"{fmt(f['cpu_ratio'])} {'✅' if f['cpu_ratio'] <= 3 else '❌'} |")
    rounds = next(iter(beside.values()), {"rounds": 0, "requests": 0})
    lines += ["", f"{rounds['rounds']} rounds of {rounds['requests']} requests per request kind and server.", ""]
    return lines


def write_results(args, cold: dict, backends: list[dict], beside: dict[str, dict], http_results: dict | None,
                  job: dict | None) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `python -m bench.run{' --quick' if args.quick else ''}` on {dt.datetime.now():%Y-%m-%d %H:%M} "
        f"— {platform.node()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}.",
        "Figures are medians of many runs on a shared, noisy machine: read the ratios.",
        "",
        "## Cold start",
        "",
        "| what | median |",
        "|---|---|",
        f"| import `function_app` and index every function | {fmt(cold['app_s'] * 1000, 0)} ms |",
        f"| floor: import only {FLOOR_IMPORTS.replace('import ', '')} | {fmt(cold['floor_s'] * 1000, 0)} ms |",
        f"| **ratio** (target ≤ 1.25) | **{fmt(cold['ratio'])}** {'✅' if cold['ratio'] <= 1.25 else '❌'} |",
        "",
    ]
    for backend in backends:
        sizes = sorted(int(s) for s in backend["sizes"])
        small, large = str(sizes[0]), str(sizes[-1])
        names = [k for k in backend["sizes"][small] if k != "seed_s"]
        lines += [f"## {backend['backend']}: scale, cost and SQL per request", "",
                  "Median wall time per operation by the user's number of transactions "
                  f"({PER_MONTH:,} a month, so history grows by months); CPU per request against the floor "
                  "(the same SQL sent bare through the driver plus `json.dumps` of the same answer); SQL "
                  "statements per request.", ""]
        header = "| operation | " + " | ".join(f"{s:,} txns (ms)" for s in sizes) + \
                 f" | {large} ÷ {small} (≤ 1.5) | CPU ms | floor CPU ms | CPU ÷ floor (≤ 3) | SQL statements |"
        lines += [header, "|" + "---|" * (len(sizes) + 6)]
        for name in names:
            row = [backend["sizes"][str(s)][name] for s in sizes]
            scale = row[-1]["wall_ms"] / row[0]["wall_ms"] if row[0]["wall_ms"] else float("nan")
            cpu = row[-1]
            statements = sorted({r["statements"] for r in row} | {r["statements_min"] for r in row})
            lines.append(
                f"| {name} | " + " | ".join(fmt(r["wall_ms"]) for r in row)
                + f" | {fmt(scale)} {'✅' if scale <= 1.5 else '❌'} | {fmt(cpu['cpu_ms'])}"
                + f" | {fmt(cpu['floor_cpu_ms'])}"
                + f" | {fmt(cpu['cpu_ratio'])} {'✅' if cpu['cpu_ratio'] <= 3 else '❌'}"
                + f" | {'/'.join(map(str, statements))} |")
        lines += ["", "Seeding through the services: " + ", ".join(
            f"{int(s):,} in {fmt(backend['sizes'][str(s)]['seed_s'], 1)} s" for s in sizes) + ".", ""]
        if "currencies" in backend:  # bench/currencies.py
            from bench.currencies import table

            lines += [f"### {backend['backend']}: reports in three currencies", "", table(backend["currencies"]), ""]
        login = backend["login"]
        lines += [f"Login: bcrypt at {login['rounds']} rounds takes {fmt(login['bcrypt_ms'], 0)} ms; a whole login "
                  f"answers in {fmt(login['login_p50_ms'], 0)} ms (p50). For the record, not to shrink.", ""]
    lines += beside_section(beside)
    if http_results:
        h = http_results
        lines += ["## HTTP throughput (devhost on PostgreSQL)", "",
                  f"{h['clients']} concurrent clients, {fmt(h['seconds'], 0)} s of a mixed workload (30% create, 40% "
                  "list, 15% balance, 15% monthly report):", "",
                  "| requests/s | p50 | p99 | 5xx |", "|---|---|---|---|",
                  f"| {fmt(h['rps'], 0)} | {fmt(h['p50_ms'], 1)} ms | {fmt(h['p99_ms'], 1)} ms "
                  f"| {h['errors_5xx']} |", ""]
    if job:
        lines += ["## Scheduled summaries job", "", job["markdown"], ""]
    lines += targets_section(cold, backends, beside, job)
    lines += NOTES
    text = "\n".join(lines) + "\n"
    return text


SEARCH = "text search (q=zanzibar)"


def search_growth(backends: list[dict]) -> dict[str, float]:
    """Per database, the largest growth of the text search's time from one size to the next."""
    out = {}
    for backend in backends:
        sizes = sorted(int(s) for s in backend["sizes"])
        walls = [backend["sizes"][str(s)].get(SEARCH, {}).get("wall_ms") for s in sizes]
        steps = [b / a for a, b in itertools.pairwise(walls) if a and b]
        if steps:
            out[backend["backend"]] = max(steps)
    return out


def targets_section(cold: dict, backends: list[dict], beside: dict[str, dict], job: dict | None) -> list[str]:
    """Each target, met or missed; for a miss, why and what it would take."""
    scale_ok, cpu_misses = True, []
    for backend in backends:
        sizes = sorted(int(s) for s in backend["sizes"])
        small, large = backend["sizes"][str(sizes[0])], backend["sizes"][str(sizes[-1])]
        for name, figures in large.items():
            if name == "seed_s":
                continue
            if figures["wall_ms"] > 1.5 * small[name]["wall_ms"]:
                scale_ok = False
            if figures["cpu_ratio"] > 3:
                cpu_misses.append(f"{backend['backend']} {name} {fmt(figures['cpu_ratio'])}×")
    job_ok = bool(job) and all(r["job_s"] <= 2 * r["bare_s"] for r in job["results"])
    search = search_growth(backends)
    pg = beside.get("postgresql", {}).get("operations", {})
    rps_misses = [f"{op} {fmt(f['rps_ratio'])}×" for op, f in pg.items() if f["rps_ratio"] < 0.5]
    http_cpu_misses = [f"{b} {op} {fmt(f['cpu_ratio'])}×" for b, run in beside.items()
                       for op, f in run["operations"].items() if f["cpu_ratio"] > 3]
    lines = ["## Targets", "",
             "| target | result |", "|---|---|",
             f"| HTTP on PostgreSQL, 1 client: ≥ 0.5 × the floor's requests/s | "
             f"{'not run' if not pg else 'met' if not rps_misses else 'missed: ' + ', '.join(rps_misses)} |",
             f"| HTTP server CPU per request ≤ 3 × the floor's | "
             f"{'not run' if not beside else 'met' if not http_cpu_misses else 'missed: ' + ', '.join(http_cpu_misses)}"
             " |",
             f"| cold start ≤ 1.25 × floor | {'met' if cold['ratio'] <= 1.25 else 'missed'} ({fmt(cold['ratio'])}) |",
             "| text search ≤ 1.5 × when the user's history grows tenfold | " + "; ".join(
                 f"{b}: {'met' if worst <= 1.5 else 'missed'} (worst tenfold step {fmt(worst)}×)"
                 for b, worst in search.items()) + " |",
             f"| largest history ≤ 1.5 × smallest, every operation | {'met' if scale_ok else 'missed'} |",
             f"| CPU per request ≤ 3 × floor | {'met' if not cpu_misses else 'missed'} "
             f"({len(cpu_misses)} of {sum(len(b['sizes'][str(min(int(s) for s in b['sizes']))]) - 1 for b in backends)}"
             " operation/database pairs over) |",
             "| SQL statements per request constant in page and data size "
             "| see the tables: the same count at every size |",
             f"| scheduled job ≤ 2 × one bare GROUP BY | {'met' if job_ok else 'missed' if job else 'not run'} |",
             ""]
    if cold["ratio"] > 1.25:
        lines += [
            "**Cold start, missed.** The floor imports `pydantic` (a lazy module that loads almost nothing) and "
            "`sqlalchemy.orm`, but not what any app that *defines* models pays: pydantic's model machinery "
            "(`pydantic.main`, `fields`, `types`, validators: about 50 ms here), SQLAlchemy's declarative mapping "
            "of the 19 tables (about 40 ms), and the ~70 request/answer classes. Validator building is already "
            "deferred to first use (`defer_build`), the assistant, the LLM client, azure-identity and the OpenAPI "
            "builder load on first use, the hot statements are built once, and indexing imports no handlers "
            "(each blueprint declares its functions; shared/web/deferred.py loads its handlers on first call): "
            "what is left is what indexing itself imports.", ""]
    if cpu_misses:
        lines += [
            "**CPU per request, missed** (" + "; ".join(cpu_misses) + "). The floor is the same SQL sent bare "
            "through the driver: on SQLite a primary-key read costs it about 20 µs, less than building the "
            "`HttpRequest`, checking the JWT (signature and eight claims) and writing the security headers. The "
            "remaining cost per request is fixed, not growing with the data: the caller lookup (kept on every "
            "request: it is what makes logout and password change take effect at once), SQLAlchemy's session "
            "and result set-up, the body's validation, the security headers. What the profiles found and what "
            "was changed is below. Where the floor includes a network round trip (PostgreSQL) the ratios are "
            "the smaller ones: " + ", ".join(
                f"{b['backend']} {fmt(min(r))}–{fmt(max(r))}×" for b in backends
                for r in [[f['cpu_ratio'] for n, f in b['sizes'][str(max(int(x) for x in b['sizes']))].items()
                           if n != 'seed_s']]) + ".", ""]
    return lines
