"""Look-alike input (issue 15, item 9): compatibility forms are folded before uniqueness, and amounts
and ids take ASCII digits only."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import assert_problem, make_user, unique_name


def registration(**overrides):
    return {"username": unique_name(), "password": "long-enough-1", "first_name": "Kate", "last_name": "Bell",
            **overrides}


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_a_fullwidth_email_is_the_same_address(anon):
    local = f"kate{uuid.uuid4().hex[:8]}"
    assert anon.post("/api/register", json=registration(email=f"{local}@example.com")).status == 201
    assert_problem(anon.post("/api/register", json=registration(email=f"{fullwidth(local)}@example.com")), 409,
                   "email")


def test_a_fullwidth_email_is_stored_folded(anon):
    local = f"kate{uuid.uuid4().hex[:8]}"
    created = anon.post("/api/register", json=registration(email=fullwidth(f"{local}@example.com")))
    assert created.status == 201 and created.json()["email"] == f"{local}@example.com"


def test_a_fullwidth_username_is_the_same_username(anon):
    name = unique_name("kate")
    assert anon.post("/api/register", json=registration(username=name)).status == 201
    assert_problem(anon.post("/api/register", json=registration(username=fullwidth(name))), 409, "username")


def test_login_with_the_fullwidth_username_finds_the_account(anon):
    user = make_user()
    login = anon.post("/api/login", json={"username": fullwidth(user.username), "password": user.password})
    assert login.status == 200


def test_patch_me_to_a_fullwidth_form_of_another_users_email_is_409(user, other_user):
    address = f"x{uuid.uuid4().hex[:8]}@example.com"
    assert other_user.client.patch("/api/me", json={"email": address}).status == 200
    assert_problem(user.client.patch("/api/me", json={"email": fullwidth(address)}), 409, "email")


@pytest.mark.parametrize("amount", ["١٢", "１２", "१२.५०", "12.５"])
def test_money_with_non_ascii_digits_is_422(api, amount):
    r = api.post("/api/accounts", json={"name": "Cash", "type": "cash", "opening_balance": amount})
    assert_problem(r, 422, "opening_balance")


def test_money_with_ascii_digits_is_still_fine(api):
    r = api.post("/api/accounts", json={"name": "Cash", "type": "cash", "opening_balance": "12.50"})
    assert r.status == 201 and r.json()["opening_balance"] == "12.50"


@pytest.mark.parametrize("zero", ["٠", "०", "０", "𝟎"])
def test_a_route_id_in_non_ascii_digits_is_404(api, zero):
    account = api.post("/api/accounts", json={"name": "Cash", "type": "cash"}).json()
    own = str(account["id"])
    lookalike = "".join(chr(ord(zero) + int(c)) for c in own)
    assert int(lookalike) == account["id"]  # what Python's int() would have made of it
    assert api.get(f"/api/accounts/{own}").status == 200
    assert_problem(api.get(f"/api/accounts/{lookalike}"), 404)


@pytest.mark.parametrize("value", ["٢٠٢٦-٠١-٠١", "２０２６-０１-０１"])
def test_a_date_in_non_ascii_digits_is_422(api, value):
    r = api.post("/api/transactions", json={"type": "income", "amount": "1", "date": value})
    assert_problem(r, 422, "date")


def test_a_month_in_non_ascii_digits_is_422(api):
    assert_problem(api.get("/api/reports/monthly", params={"month": "２０２６-０１"}), 422, "month")


@pytest.mark.parametrize("field", ["username", "email"])
def test_a_lone_surrogate_is_still_a_clean_422(anon, field):
    value = "x\ud800y" if field == "username" else "x\ud800y@example.com"
    body = registration(**{field: value})
    assert_problem(anon.post("/api/register", json=body), 422, field)
    assert_problem(anon.post("/api/login", json={"username": value, "password": "whatever-1"}), 422, "username")


@pytest.mark.parametrize("message", ["spent ١٢ on tea", "spent １２ on tea"])
def test_the_assistant_records_no_amount_written_in_other_digits(api, message):
    r = api.post("/api/chat", json={"message": message})
    assert r.status == 200 and r.json()["intent"] == "clarify", r
    assert api.get("/api/transactions").json()["total"] == 0
