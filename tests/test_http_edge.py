"""The HTTP edge: what a body may be, what money may be, the headers every answer carries, and that
no input, however hostile, gets a 500."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Client, assert_problem, make_user, unique_name

MIB = 1024 * 1024


def registration(**overrides):
    return {"username": unique_name(), "password": "long-enough-1", "first_name": "Ana", "last_name": "Lopez",
            **overrides}


def post_raw(client: Client, path: str, raw: bytes | str, method: str = "POST"):
    return client.request(method, path, data=raw, headers={"content-type": "application/json"})


# --- the body ---------------------------------------------------------------------------------------

def test_body_over_one_mib_is_413(anon):
    raw = json.dumps(registration(first_name="x" * MIB)).encode()
    assert_problem(post_raw(anon, "/api/register", raw), 413)


def test_body_of_exactly_one_mib_is_not_413(anon):
    raw = json.dumps(registration(last_name="x")).encode()
    raw = raw[:-1] + b" " * (MIB - len(raw)) + b"}"
    assert len(raw) == MIB
    assert post_raw(anon, "/api/register", raw).status == 201


def test_declared_content_length_over_one_mib_is_413_without_reading_the_body(anon):
    response = anon.request("POST", "/api/register", data=b"{}", headers={"content-length": str(MIB + 1)})
    assert_problem(response, 413)


def test_oversized_body_on_an_authenticated_route_is_413(api):
    assert_problem(post_raw(api, "/api/me", b'{"first_name": "' + b"x" * MIB + b'"}', method="PATCH"), 413)


@pytest.mark.parametrize("raw", [b"{", b"{'username': 'x'}", b'{"a": 1,}', b"nul", b"{\"a\": 01}", b"\xef\xbb\xbf{}"],
                         ids=["truncated", "single-quotes", "trailing-comma", "bare-word", "leading-zero", "bom"])
def test_malformed_json_is_400(anon, raw):
    assert_problem(post_raw(anon, "/api/register", raw), 400)


@pytest.mark.parametrize("raw", [b"", b"   "], ids=["empty", "blank"])
def test_empty_body_is_400(anon, raw):
    assert_problem(post_raw(anon, "/api/register", raw), 400)


@pytest.mark.parametrize("raw", [b"[]", b"[{}]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_400(anon, raw):
    assert_problem(post_raw(anon, "/api/register", raw), 400)


@pytest.mark.parametrize("raw", [b'{"username": "\xff\xfe"}', b'{"username": "\xc3"}', b'{"u": "\xed\xa0\x80"}'],
                         ids=["invalid-bytes", "truncated-sequence", "encoded-surrogate"])
def test_invalid_utf8_is_400(anon, raw):
    assert_problem(post_raw(anon, "/api/register", raw), 400)


def test_duplicate_key_is_400(anon):
    raw = ('{"username": "dupe_a", "username": "dupe_b", "password": "long-enough-1", "first_name": "A", '
           '"last_name": "B"}')
    assert_problem(post_raw(anon, "/api/register", raw), 400)


def test_duplicate_key_in_a_nested_object_is_400(api):
    assert_problem(post_raw(api, "/api/me", '{"first_name": {"a": 1, "a": 2}}', method="PATCH"), 400)


def test_deeply_nested_json_is_400_not_500(anon):
    assert_problem(post_raw(anon, "/api/register", b"[" * 100_000 + b"]" * 100_000), 400)


def test_huge_integer_literal_is_refused_not_500(anon):
    assert post_raw(anon, "/api/register", b'{"monthly_income": ' + b"9" * 5000 + b"}").status in {400, 422}


def test_lone_surrogate_escape_is_refused_not_500(anon):
    assert post_raw(anon, "/api/register", json.dumps(registration(first_name="\ud800"))).status in {400, 422}


# --- money ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "true", "false", '"NaN"',
                                     '"Infinity"', '"1e400"', '"12.345"', "12.345", '"12,50"', '""', "[]", "{}",
                                     '"0x10"', '" "'])
def test_money_that_is_not_a_finite_two_place_decimal_is_422(anon, literal):
    raw = json.dumps(registration())[:-1] + f', "monthly_income": {literal}}}'
    assert_problem(post_raw(anon, "/api/register", raw), 422, "monthly_income")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400", "true"])
def test_money_patch_with_non_finite_value_is_422(api, literal):
    assert_problem(post_raw(api, "/api/me", f'{{"monthly_income": {literal}}}', method="PATCH"), 422, "monthly_income")


@pytest.mark.parametrize("literal,stored", [("1250.5", "1250.50"), ('"1250.50"', "1250.50"), ("0", "0.00"),
                                            ("1e2", "100.00"), ("999999999999.99", "999999999999.99"),
                                            ("0.1", "0.10")])
def test_money_accepts_numbers_and_strings_exactly(anon, literal, stored):
    raw = json.dumps(registration())[:-1] + f', "monthly_income": {literal}}}'
    response = post_raw(anon, "/api/register", raw)
    assert response.status == 201 and response.json()["monthly_income"] == stored


@pytest.mark.parametrize("literal", ["123456789012345678901234567890.123", "1" * 40 + ".001", '"' + "9" * 60 + '.5"'])
def test_money_with_more_digits_than_decimal_precision_is_422(anon, literal):
    raw = json.dumps(registration())[:-1] + f', "monthly_income": {literal}}}'
    assert_problem(post_raw(anon, "/api/register", raw), 422, "monthly_income")


# --- headers on every answer --------------------------------------------------------------------

def every_kind_of_answer() -> dict[str, object]:
    someone = make_user()
    anon = Client(address="198.51.100.200")
    return {
        "200 public": anon.get("/api/health"),
        "201": anon.post("/api/register", json=registration()),
        "400": post_raw(anon, "/api/register", b"{"),
        "401": anon.get("/api/me"),
        "404 no route": anon.get("/api/no-such-route"),
        "404 wrong method": anon.request("DELETE", "/api/health"),
        "413": post_raw(anon, "/api/register", b"x" * (MIB + 1)),
        "422": anon.post("/api/register", json={}),
        "200 private": someone.client.get("/api/me"),
        "204 private": someone.client.post("/api/logout", json={"refresh_token": someone.refresh_token}),
    }


@pytest.fixture(scope="module")
def answers():
    return every_kind_of_answer()


@pytest.mark.parametrize("kind", ["200 public", "201", "400", "401", "404 no route", "404 wrong method", "413", "422",
                                  "200 private", "204 private"])
def test_every_answer_has_nosniff(answers, kind):
    assert answers[kind].header("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("kind", ["401", "200 private", "204 private"])
def test_authenticated_answers_are_not_cached(answers, kind):
    assert "no-store" in answers[kind].header("Cache-Control")


@pytest.mark.parametrize("kind", ["400", "401", "404 no route", "413", "422"])
def test_errors_are_problem_json(answers, kind):
    assert answers[kind].content_type.startswith("application/problem+json")


def test_json_answers_declare_utf8(answers):
    assert answers["200 private"].content_type == "application/json; charset=utf-8"


def test_token_answer_is_not_cached(user):
    response = Client().post("/api/login", json={"username": user.username, "password": user.password})
    assert "no-store" in response.header("Cache-Control")


def test_no_answer_leaks_a_stack_trace_or_sql(anon):
    body = post_raw(anon, "/api/register", b'{"username": 1}').body.lower()
    assert b"traceback" not in body and b"select" not in body and b"sqlalchemy" not in body


# --- no input yields a 500 ------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", "\u0000", "a\u0000b", "\ud800", "NaN", "1e400", "-0", "00012", "2026-02-30", "9" * 80,
                     "x" * 2000, "' OR 1=1 --", "ü@example.com", "\u202e", "1990-01-01", "USD", "EUR"]),
)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
FIELDS = {
    "/api/register": ["username", "password", "first_name", "last_name", "email", "dob", "monthly_income", "currency"],
    "/api/login": ["username", "password"],
    "/api/token/refresh": ["refresh_token"],
    "/api/logout": ["refresh_token"],
    "/api/me": ["first_name", "last_name", "email", "dob", "monthly_income", "currency"],
    "/api/me/password": ["current_password", "new_password"],
}
METHODS = {"/api/me": "PATCH"}
FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_user():
    return make_user()


@FUZZ
@given(path=st.sampled_from(sorted(FIELDS)), data=st.data())
def test_no_json_body_yields_a_500(fuzz_user, path, data):
    fields = FIELDS[path]
    body = data.draw(st.dictionaries(st.sampled_from(fields + ["role", "id"]), json_values, max_size=len(fields) + 1)
                     | json_values)
    response = fuzz_user.client.request(METHODS.get(path, "POST"), path,
                                        data=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status < 500, response


@FUZZ
@given(raw=st.binary(max_size=300))
def test_no_raw_body_yields_a_500(fuzz_user, raw):
    assert fuzz_user.client.request("PATCH", "/api/me", data=raw).status < 500


@FUZZ
@given(header=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=300))
def test_no_authorization_header_yields_a_500(anon, header):
    response = anon.get("/api/me", headers={"Authorization": header})
    assert response.status == 401


@FUZZ
@given(path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/-_.%?{}~", max_size=40),
       method=st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"]))
def test_no_path_or_method_yields_a_500(anon, path, method):
    assert anon.request(method, "/api/" + path).status < 500
