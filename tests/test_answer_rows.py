"""shared/services/answer_rows.py: a page answered straight from the driver's values answers exactly
what the processed row through the answer's converters answers, for values stored and read back on
the database under test (SQLite by default, PostgreSQL with TEST_DATABASE_URL), and on SQLite always."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, create_engine, insert, select

from shared.data.db import get_engine
from shared.data.prepared import Prepared
from shared.data.types import Money, SummedMoney, UTCDateTime
from shared.schemas import to_money_string, utc_timestamp
from shared.schemas.answers import answer_plan, iso_date, values_serializer
from shared.schemas.money import TransactionOut
from shared.services.answer_rows import answer_rows, fused

_META = MetaData()
_VALUES = Table("answer_rows_probe", _META, Column("id", Integer, primary_key=True), Column("at", UTCDateTime()),
                Column("amount", Money()), Column("summed", SummedMoney()), Column("day", Date()),
                Column("label", String(20)))
_READ = select(_VALUES.c.at, _VALUES.c.amount, _VALUES.c.summed, _VALUES.c.day, _VALUES.c.label).where(
    _VALUES.c.id == bindparam("row"))
_CONVERT = (utc_timestamp, to_money_string, to_money_string, iso_date, None)

_UTC = dt.timezone.utc
_MOMENTS = st.datetimes(min_value=dt.datetime(1, 1, 1, 0, 0, 1), max_value=dt.datetime(9999, 12, 30),
                        timezones=st.none() | st.just(_UTC)) | st.just(dt.datetime(2026, 11, 29, 23, 10, 56))
_CENTS = st.integers(-99999999999999, 99999999999999).map(lambda c: Decimal(c).scaleb(-2))


@pytest.fixture(scope="module", params=["sqlite", "suite"])
def engine(request, tmp_path_factory):
    if request.param == "sqlite":
        built = create_engine(f"sqlite:///{tmp_path_factory.mktemp('answers')}/probe.db")
    else:
        built = get_engine()
        if built.dialect.name == "sqlite":
            pytest.skip("the suite's database is SQLite: the first case covers it")
    _META.create_all(built)
    yield built
    _META.drop_all(built)


def _stored(engine, values: dict) -> tuple[tuple, tuple, tuple]:
    """(the driver's raw row, SQLAlchemy's processed row, the processors) for values written once."""
    with engine.begin() as conn:
        row_id = conn.execute(insert(_VALUES).values(**values).returning(_VALUES.c.id)).scalar_one()
    prepared = Prepared(_READ)
    with engine.connect() as conn:
        processed = prepared.rows(conn, {"row": row_id})[0]
        raw = prepared.mapped(conn, {"row": row_id}, lambda dialect, types, processors: lambda r: (tuple(r),
                                                                                                    processors))[0]
        expected_types = tuple(c.type for c in _READ.selected_columns)
    return raw[0], processed, (raw[1], expected_types)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=_MOMENTS, amount=_CENTS, summed=_CENTS, day=st.dates())
def test_each_fused_step_answers_what_process_then_convert_answers(engine, at, amount, summed, day):
    raw, processed, (processors, types) = _stored(engine, {"at": at, "amount": amount, "summed": summed,
                                                           "day": day, "label": "x"})
    for value, done, process, type_, convert in zip(raw, processed, processors, types, _CONVERT, strict=True):
        step = fused(type_, engine.dialect, process, convert)
        slow = done if convert is None else convert(done)
        assert (value if step is None else step(value)) == slow


def test_microseconds_of_zero_and_nulls(engine):
    raw, processed, (processors, types) = _stored(engine, {"at": dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=_UTC),
                                                           "amount": Decimal("-0.00"), "summed": None,
                                                           "day": dt.date(1, 1, 1), "label": None})
    answers = [None if value is None else (value if (step := fused(t, engine.dialect, p, c)) is None else step(value))
               for value, p, t, c in zip(raw, processors, types, _CONVERT, strict=True)]
    assert answers == ["2026-01-01T12:00:00Z", "0.00", None, "0001-01-01", None]
    assert answers[:2] == [utc_timestamp(processed[0]), to_money_string(processed[1])]


def test_the_transactions_page_answers_what_the_serializer_answered(api, user):
    """The real page: GET /api/transactions (mapped straight from the driver) against the same rows
    read the old way (processed, then the answer's serializer)."""
    from tests.money.conftest import new_account, new_transaction

    account = new_account(api, opening_balance="1000.00")
    for amount in ("0.01", "12.30", "99999999.99"):
        new_transaction(api, amount=amount, account_id=account["id"], description=f"paid {amount} ☕")
    page = api.get("/api/transactions?page_size=100").json()["items"]
    from shared.services.transactions import _unfiltered_page

    names, serialize = values_serializer(TransactionOut, frozenset({"tags"}))
    with get_engine().connect() as conn:
        old = [serialize(row) for row in _unfiltered_page("-date").rows(conn, {"owner": user.id, "limit": 100,
                                                                             "skip": 0})]
    assert [{**item, "tags": None} for item in page] == old and len(old) == 3


def test_a_model_that_needs_pydantic_has_no_plain_factory():
    from pydantic import BaseModel, field_validator

    class Checked(BaseModel):
        x: int

        @field_validator("x")
        @classmethod
        def positive(cls, v):
            return v

    assert answer_plan(Checked) is None
    with pytest.raises(ValueError):
        answer_rows(Checked)
