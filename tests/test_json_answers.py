"""The edge's JSON writer (orjson) answers byte for byte what json.dumps(ensure_ascii=False,
separators=(",", ":"), default=_default) answered before it, for every kind of value answers hold."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from shared.web.http import _default, dumps, json_bytes


def _before(data) -> bytes:
    return json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":")).encode()


class _Answer(BaseModel):
    name: str
    amount: Decimal
    at: dt.datetime


_UTC = dt.timezone.utc
CASES = [
    {"items": [], "page": 1, "page_size": 20, "total": 0},
    {"name": "Café «Ünïcödé» 😀 \u2028 \t\n\"\\ </script>", "none": None, "yes": True, "no": False},
    {"amount": Decimal("12.30"), "neg": Decimal("-0.01"), "big": Decimal("999999999999.99"),
     "exp": Decimal("1E+2"), "tiny": Decimal("1E-8")},
    {"aware": dt.datetime(2026, 11, 29, 23, 10, 56, 123456, tzinfo=_UTC),
     "naive": dt.datetime(2026, 11, 29, 23, 10, 56), "other_zone": dt.datetime(2026, 1, 1, 1, tzinfo=dt.timezone(
         dt.timedelta(hours=2))), "day": dt.date(999, 1, 5)},
    {1: "int keys", 2026: {"nested": [1, 2, (3, 4)]}},
    {"huge": 2**70, "max": 2**63 - 1, "min": -(2**63)},
    {"model": _Answer(name="x", amount=Decimal("1.50"), at=dt.datetime(2026, 1, 1, tzinfo=_UTC))},
    [Decimal("0.00"), dt.date(2026, 2, 28), "x" * 5000],
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_same_bytes_as_json_dumps(data):
    assert json_bytes(data) == _before(data)
    assert dumps(data) == _before(data).decode()


_SCALARS = (st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.text()
            | st.decimals(allow_nan=False, allow_infinity=False, places=2)
            | st.dates() | st.datetimes(timezones=st.none() | st.just(_UTC)))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text() | st.integers(-5, 5), inner, max_size=4), max_leaves=20))
def test_same_bytes_as_json_dumps_for_any_answer(data):
    try:
        expected = _before(data)
    except (TypeError, ValueError, UnicodeEncodeError):  # lone surrogates: neither writer answers them
        with pytest.raises((TypeError, ValueError, UnicodeEncodeError)):
            json_bytes(data)
        return
    assert json_bytes(data) == expected


def test_what_neither_writes_still_raises():
    with pytest.raises(TypeError):
        json_bytes({"x": object()})
