"""Exchange rates: a caller's own (GET/POST /api/fx-rates) and the shared euro reference rates that
a daily timer fetches from the ECB (`FX_RATES_URL`, the `eurofxref-daily.xml` format; the 90-day and
full-history files have the same shape with one `<Cube time=...>` per day).

- POST upserts the caller's own rates per (date, base, quote) in one statement; an array naming the
  same (date, base, quote) twice is refused (422) rather than guessing which one was meant.
- GET lists what the caller sees: their own rates and the reference rates, an own rate hiding the
  reference rate of the same pair and date (`source` says which).
- The fetch reads the whole document (with a timeout and a size cap), parses every rate, and only
  then writes them all in one database transaction: a timeout, an HTTP error or a document that is
  not the ECB format leaves the stored rates exactly as they were. Storing is an upsert, so running
  it twice stores each rate once.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import and_, exists, func, literal, select, text, union_all, update
from sqlalchemy.orm import Session

from shared.data.models import FxRate, ReferenceFxRate, User
from shared.data.types import utcnow
from shared.errors import Invalid
from shared.schemas import fx as s
from shared.schemas.identity import ISO_4217

log = logging.getLogger("finance.fx")

DEFAULT_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
FETCH_TIMEOUT_SECONDS = 20
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # the full-history file is ~0.6 MB zipped; the 90-day one ~60 KB


# --- the caller's own rates -------------------------------------------------------------------


def _visible(user_id: int):
    """Own rates, and reference rates not hidden by an own rate of the same pair and date."""
    own = select(FxRate.date, FxRate.base, FxRate.quote, FxRate.rate, literal("own").label("source")).where(
        FxRate.user_id == user_id)
    hidden = exists().where(FxRate.user_id == user_id, FxRate.base == ReferenceFxRate.base,
                            FxRate.quote == ReferenceFxRate.quote, FxRate.date == ReferenceFxRate.date)
    reference = select(ReferenceFxRate.date, ReferenceFxRate.base, ReferenceFxRate.quote, ReferenceFxRate.rate,
                       literal("reference").label("source")).where(~hidden)
    return own, reference


def list_rates(session: Session, user: User, params: s.FxRateQuery) -> tuple[list[dict[str, Any]], int]:
    parts = []
    for part in _visible(user.id):
        model = part.selected_columns
        if params.base:
            part = part.where(model.base == params.base)
        if params.quote:
            part = part.where(model.quote == params.quote)
        if params.date_from:
            part = part.where(model.date >= params.date_from)
        if params.date_to:
            part = part.where(model.date <= params.date_to)
        parts.append(part)
    rows = union_all(*parts).subquery("rates")
    total = session.execute(select(func.count()).select_from(rows)).scalar_one()
    page = session.execute(
        select(rows).order_by(rows.c.date.desc(), rows.c.base, rows.c.quote, rows.c.source)
        .limit(params.page_size).offset((params.page - 1) * params.page_size)
    ).all()
    return [dict(r._mapping) for r in page], total


def put_rates(session: Session, user: User, items: list[s.FxRateIn]) -> list[dict[str, Any]]:
    """Store the caller's rates (insert, or replace the one of the same date and pair); answer them
    in the order sent."""
    seen: dict[tuple[dt.date, str, str], int] = {}
    for index, item in enumerate(items):
        key = (item.date, item.base, item.quote)
        if key in seen:
            raise Invalid("The array names the same date and pair twice; send one rate per date and pair.",
                          errors=[{"field": f"{index}.date", "message": f"date and pair repeat item {seen[key]}; "
                                                                        "send one rate per date and pair"}])
        seen[key] = index
    upsert(session, FxRate, [(i.date, i.base, i.quote, i.rate) for i in items], user_id=user.id)
    return [{"date": i.date, "base": i.base, "quote": i.quote, "rate": i.rate, "source": "own"} for i in items]


def upsert(session: Session, model, rates: list[tuple[dt.date, str, str, Decimal]], *,
           user_id: int | None = None) -> None:
    """Insert each (date, base, quote, rate), or replace the rate stored for it: one statement where
    the database has an upsert (PostgreSQL, SQLite, SQL Server's MERGE), else update-then-insert."""
    if not rates:
        return
    now = utcnow()
    owner = {"user_id": user_id} if user_id is not None else {}
    stamps = {"created_at": now, "updated_at": now} if model is FxRate else {"fetched_at": now}
    rows = [{**owner, "date": d, "base": b, "quote": q, "rate": r, **stamps} for d, b, q, r in rates]
    keys = (["user_id"] if user_id is not None else []) + ["base", "quote", "date"]
    changed = {"rate"} | ({"updated_at"} if model is FxRate else {"fetched_at"})
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        for chunk in _chunks(rows, 500):  # within every driver's parameter limit
            stmt = insert(model).values(chunk)
            session.execute(stmt.on_conflict_do_update(
                index_elements=keys, set_={c: getattr(stmt.excluded, c) for c in changed}))
        return
    if dialect == "mssql":
        _merge_mssql(session, model, rows, user_id, now)
        return
    _upsert_portable(session, model, rows, keys, changed)


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _merge_mssql(session: Session, model, rows, user_id: int | None, now: dt.datetime) -> None:
    # The rows as one JSON parameter (SQL Server allows 2,100 parameters per statement); HOLDLOCK
    # keeps two concurrent merges of one key from both inserting.
    table = model.__tablename__
    owner_match = "target.user_id = :user_id AND " if user_id is not None else ""
    owner_cols, owner_vals = ("user_id, ", ":user_id, ") if user_id is not None else ("", "")
    stamp_set = "updated_at = :now" if model is FxRate else "fetched_at = :now"
    stamp_cols = "created_at, updated_at" if model is FxRate else "fetched_at"
    stamp_vals = ":now, :now" if model is FxRate else ":now"
    payload = json.dumps([{"date": r["date"].isoformat(), "base": r["base"], "quote": r["quote"],
                           "rate": format(r["rate"], "f")} for r in rows])
    session.execute(text(f"""
MERGE {table} WITH (HOLDLOCK) AS target
USING (SELECT [date], base, quote, rate FROM OPENJSON(:rows)
       WITH ([date] DATE '$.date', base NVARCHAR(3) '$.base', quote NVARCHAR(3) '$.quote',
             rate DECIMAL(28, 10) '$.rate')) AS source
ON {owner_match}target.base = source.base AND target.quote = source.quote AND target.[date] = source.[date]
WHEN MATCHED THEN UPDATE SET rate = source.rate, {stamp_set}
WHEN NOT MATCHED THEN INSERT ({owner_cols}[date], base, quote, rate, {stamp_cols})
    VALUES ({owner_vals}source.[date], source.base, source.quote, source.rate, {stamp_vals});
"""), {"rows": payload, "user_id": user_id, "now": now.replace(tzinfo=None)})


def _upsert_portable(session: Session, model, rows, keys: list[str], changed: set[str]) -> None:
    for row in rows:
        where = and_(*(getattr(model, k) == row[k] for k in keys))
        moved = session.execute(update(model).where(where).values({c: row[c] for c in changed}))
        if moved.rowcount == 0:
            session.execute(model.__table__.insert().values(row))


# --- the ECB reference rates -------------------------------------------------------------------

ECB_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


class FetchFailed(RuntimeError):
    """The reference rates could not be fetched or read; nothing was stored."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    days: int
    rates: int
    first: dt.date | None
    last: dt.date | None


def parse_ecb(document: bytes) -> list[tuple[dt.date, str, str, Decimal]]:
    """Every (date, "EUR", currency, rate) in an ECB eurofxref document; FetchFailed when it is not one."""
    if b"<!DOCTYPE" in document[:4096].upper() or b"<!ENTITY" in document.upper():
        raise FetchFailed("the document declares a DTD or entities; the ECB format has none")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as exc:
        raise FetchFailed(f"not well-formed XML: {exc}") from None
    out: list[tuple[dt.date, str, str, Decimal]] = []
    for day_cube in root.iter(f"{ECB_NAMESPACE}Cube"):
        stamp = day_cube.get("time")
        if stamp is None:
            continue
        try:
            day = dt.date.fromisoformat(stamp)
        except ValueError:
            raise FetchFailed(f"a Cube has time={stamp!r}, not a date") from None
        for cube in day_cube.findall(f"{ECB_NAMESPACE}Cube"):
            currency, raw = cube.get("currency", ""), cube.get("rate", "")
            if currency not in ISO_4217 or currency == "EUR":
                continue  # a currency we do not know (the ECB has listed retired ones): skipped, not guessed
            try:
                rate = Decimal(raw.strip())
            except InvalidOperation:
                raise FetchFailed(f"{currency} on {day} has rate={raw!r}, not a number") from None
            if not rate.is_finite() or rate <= 0 or rate > s.MAX_RATE or rate.as_tuple().exponent < -10:
                raise FetchFailed(f"{currency} on {day} has rate={raw!r}, outside what a rate can be")
            out.append((day, "EUR", currency, rate))
    if not out:
        raise FetchFailed("the document holds no rates (is it the ECB eurofxref format?)")
    return out


def download(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> bytes:
    if not url.lower().startswith(("https://", "http://")):
        raise FetchFailed("FX_RATES_URL must be an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": "finance-api fx-rates"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            document = response.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"HTTP {exc.code} from the rates URL") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchFailed(f"could not read the rates URL: {getattr(exc, 'reason', exc)}") from None
    if len(document) > MAX_DOCUMENT_BYTES:
        raise FetchFailed(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    return document


def store_reference_rates(session: Session, rates: list[tuple[dt.date, str, str, Decimal]]) -> None:
    upsert(session, ReferenceFxRate, rates)


def fetch_reference_rates(url: str, *, timeout: float = FETCH_TIMEOUT_SECONDS) -> FetchResult:
    """Download, parse, then store in one database transaction (FetchFailed before any write)."""
    from shared.data.db import run_unit_of_work

    rates = parse_ecb(download(url, timeout))
    run_unit_of_work(lambda session: store_reference_rates(session, rates))
    days = sorted({d for d, *_ in rates})
    log.info("stored %d reference rates for %d day(s) from %s", len(rates), len(days), url)
    return FetchResult(url, len(days), len(rates), days[0], days[-1])


__all__ = ["list_rates", "put_rates", "upsert", "parse_ecb", "download", "fetch_reference_rates", "FetchFailed",
           "FetchResult", "DEFAULT_URL"]
