"""Identity: registration, login, the caller's profile, and deleting an account with all its data."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Text, func, insert, select
from sqlalchemy.types import TypeDecorator

from shared.data.models import Base
from tests.conftest import Client, assert_problem, unique_name

USER_FIELDS = {"id", "username", "email", "first_name", "last_name", "dob", "monthly_income", "currency", "role",
               "created_at"}


def registration(**overrides):
    return {"username": unique_name(), "password": "long-enough-1", "first_name": "Ana", "last_name": "Lopez",
            **overrides}


def login(username: str, password: str):
    return Client().post("/api/login", json={"username": username, "password": password})


def email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


# --- register ---------------------------------------------------------------------------------------

def test_register_answers_201_with_the_user_object(anon):
    response = anon.post("/api/register", json=registration(email=email(), dob="1990-05-01",
                                                            monthly_income="4200.5", currency="eur"))
    assert response.status == 201
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["monthly_income"] == "4200.50" and body["currency"] == "EUR" and body["role"] == "user"
    assert body["created_at"].endswith("Z")


def test_register_never_returns_the_password_or_its_hash(anon):
    body = anon.post("/api/register", json=registration(password="visible-secret-9")).body
    assert b"visible-secret-9" not in body and b"$2b$" not in body and b"password" not in body


def test_register_defaults_currency_to_usd(anon):
    assert anon.post("/api/register", json=registration()).json()["currency"] == "USD"


@pytest.mark.parametrize("username", ["ab", "x" * 33, "has space", "semi;colon", "émile", "a@b"])
def test_register_with_invalid_username_is_422(anon, username):
    assert_problem(anon.post("/api/register", json=registration(username=username)), 422, "username")


@pytest.mark.parametrize("field,value", [("email", "not-an-email"), ("currency", "XYZ"), ("dob", "2999-01-01"),
                                         ("dob", "1990-02-30"), ("first_name", ""), ("first_name", "a\u0007b"),
                                         ("last_name", "x" * 101), ("monthly_income", "-1")])
def test_register_with_invalid_field_is_422(anon, field, value):
    assert_problem(anon.post("/api/register", json=registration(**{field: value})), 422, field)


@pytest.mark.parametrize("field", ["username", "password", "first_name", "last_name"])
def test_register_without_required_field_is_422(anon, field):
    body = registration()
    del body[field]
    assert_problem(anon.post("/api/register", json=body), 422, field)


@pytest.mark.parametrize("field,value", [("role", "admin"), ("id", 1), ("user_id", 1), ("created_at", "2020-01-01"),
                                         ("token_version", 0), ("password_hash", "x")])
def test_register_refuses_unknown_or_protected_fields(anon, field, value):
    assert_problem(anon.post("/api/register", json=registration(**{field: value})), 422, field)


def test_mass_assigned_admin_role_is_not_granted(anon):
    name = unique_name()
    anon.post("/api/register", json=registration(username=name, role="admin"))
    assert login(name, "long-enough-1").status == 401  # nothing was created


# --- uniqueness ------------------------------------------------------------------------------------

def test_username_is_unique_case_insensitively(anon):
    name = unique_name("Casey")
    assert anon.post("/api/register", json=registration(username=name)).status == 201
    assert_problem(anon.post("/api/register", json=registration(username=name.upper())), 409, "username")


def test_email_is_unique_case_insensitively(anon):
    address = email()
    assert anon.post("/api/register", json=registration(email=address)).status == 201
    assert_problem(anon.post("/api/register", json=registration(email=address.upper())), 409, "email")


def test_patch_me_to_another_users_email_in_other_case_is_409(user, other_user):
    address = email()
    assert other_user.client.patch("/api/me", json={"email": address}).status == 200
    assert_problem(user.client.patch("/api/me", json={"email": address.upper()}), 409, "email")


def test_patch_me_to_my_own_email_in_other_case_is_allowed(user):
    address = email()
    user.client.patch("/api/me", json={"email": address})
    assert user.client.patch("/api/me", json={"email": address.upper()}).status == 200


def test_many_users_may_have_no_email(anon):
    assert anon.post("/api/register", json=registration()).status == 201
    assert anon.post("/api/register", json=registration()).status == 201


# --- passwords -------------------------------------------------------------------------------------

def test_seven_character_password_is_422(anon):
    assert_problem(anon.post("/api/register", json=registration(password="x" * 7)), 422, "password")


def test_eight_character_password_is_accepted(anon):
    assert anon.post("/api/register", json=registration(password="x" * 8)).status == 201


@pytest.mark.parametrize("length", [64, 72, 73, 200, 1000])
def test_long_password_registers_and_logs_in(anon, length):
    name, password = unique_name(), ("p4ss-" * 300)[:length]
    assert anon.post("/api/register", json=registration(username=name, password=password)).status == 201
    assert login(name, password).status == 200


def test_passwords_sharing_the_first_72_bytes_are_not_interchangeable(anon):
    name, common = unique_name(), "a" * 72
    anon.post("/api/register", json=registration(username=name, password=common + "-first"))
    assert_problem(login(name, common + "-second"), 401)


def test_password_that_is_72_bytes_but_fewer_characters_is_not_truncated(anon):
    name, common = unique_name(), "é" * 36  # 72 bytes of UTF-8
    anon.post("/api/register", json=registration(username=name, password=common + "1"))
    assert login(name, common + "2").status == 401


@pytest.mark.parametrize("length", [1001, 100_000])
def test_overlong_password_on_register_is_422_not_500(anon, length):
    assert_problem(anon.post("/api/register", json=registration(password="x" * length)), 422, "password")


def test_overlong_password_on_login_is_not_a_500(user):
    assert login(user.username, "x" * 100_000).status in {401, 422}


def test_password_is_case_sensitive(anon):
    name = unique_name()
    anon.post("/api/register", json=registration(username=name, password="CaseSensitive1"))
    assert login(name, "casesensitive1").status == 401


# --- login -----------------------------------------------------------------------------------------

def test_login_answers_a_bearer_pair(user):
    body = login(user.username, user.password).json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60


def test_login_username_is_case_insensitive(user):
    assert login(user.username.upper(), user.password).status == 200


def test_login_with_email_works_in_any_case(anon):
    name, address = unique_name(), email()
    anon.post("/api/register", json=registration(username=name, email=address))
    assert login(address.upper(), "long-enough-1").status == 200


def test_wrong_password_is_401(user):
    assert_problem(login(user.username, "wrong-password"), 401)


def test_unknown_user_is_401(anon):
    assert_problem(login("no-such-" + uuid.uuid4().hex[:8], "wrong-password"), 401)


@pytest.mark.parametrize("username", ["a\u0000b", "\u0000"])
def test_login_with_nul_in_username_is_refused_not_500(anon, username):
    assert anon.post("/api/login", json={"username": username, "password": "whatever1"}).status in {401, 422}


def test_register_with_nul_in_email_is_422(anon):
    assert_problem(anon.post("/api/register", json=registration(email="a\u0000b@example.com")), 422, "email")


# --- me --------------------------------------------------------------------------------------------

def test_get_me_returns_the_callers_profile(user):
    body = user.client.get("/api/me").json()
    assert set(body) == USER_FIELDS and body["id"] == user.id and body["username"] == user.username


def test_get_me_without_token_is_401(anon):
    assert_problem(anon.get("/api/me"), 401)


def test_patch_me_changes_the_fields_sent(user):
    response = user.client.patch("/api/me", json={"first_name": "Zoe", "monthly_income": 10, "currency": "gbp"})
    assert response.status == 200
    body = response.json()
    assert (body["first_name"], body["monthly_income"], body["currency"]) == ("Zoe", "10.00", "GBP")
    assert body["last_name"] == "User"


def test_patch_me_is_persisted(user):
    user.client.patch("/api/me", json={"last_name": "Persisted"})
    assert user.client.get("/api/me").json()["last_name"] == "Persisted"


def test_patch_me_null_clears_an_optional_field(user):
    user.client.patch("/api/me", json={"dob": "1980-01-01"})
    assert user.client.patch("/api/me", json={"dob": None}).json()["dob"] is None


def test_patch_me_cannot_clear_a_required_field(user):
    assert_problem(user.client.patch("/api/me", json={"first_name": None}), 422, "first_name")


@pytest.mark.parametrize("field,value", [("role", "admin"), ("id", 999), ("username", "renamed"),
                                         ("password", "new-password-1"), ("created_at", "2020-01-01T00:00:00Z")])
def test_patch_me_refuses_fields_it_does_not_own(user, field, value):
    assert_problem(user.client.patch("/api/me", json={field: value}), 422, field)


def test_patch_me_role_admin_leaves_role_unchanged(user):
    user.client.patch("/api/me", json={"role": "admin", "first_name": "Mallory"})
    assert user.client.get("/api/me").json()["role"] == "user"


# --- delete ----------------------------------------------------------------------------------------

def test_delete_me_with_wrong_password_is_refused_and_deletes_nothing(user):
    assert_problem(user.client.delete("/api/me", json={"password": "wrong-password"}), 422, "password")
    assert user.client.get("/api/me").status == 200


def test_delete_me_answers_204(user):
    assert user.client.delete("/api/me", json={"password": user.password}).status == 204


def test_deleted_user_cannot_log_in(user):
    user.client.delete("/api/me", json={"password": user.password})
    assert_problem(login(user.username, user.password), 401)


def test_deleted_username_can_be_registered_again(user, anon):
    user.client.delete("/api/me", json={"password": user.password})
    assert anon.post("/api/register", json=registration(username=user.username)).status == 201


# Rows of every owned table are made directly (most resources have no routes in this issue yet).
# A column that must hold one of a few words gets one of them; any other required column a dummy.
_WORDS = {("accounts", "type"): "checking", ("transactions", "type"): "expense", ("categories", "kind"): "expense",
          ("income_sources", "frequency"): "monthly", ("assets", "type"): "stock", ("budgets", "month"): "2026-01",
          ("period_summaries", "granularity"): "month", ("period_summaries", "period"): "2026-01",
          ("period_summaries", "outcome"): "savings", ("categories", "color"): "#000000",
          ("credit_cards", "last4"): "1234"}


def _dummy(table, column):
    if (table.name, column.name) in _WORDS:
        return _WORDS[(table.name, column.name)]
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, (Numeric,)):
        return Decimal("1")
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, JSON):
        return []
    if isinstance(kind, Integer):
        return 1 if "day" in column.name else 5
    if isinstance(kind, DateTime):
        return dt.datetime.now(dt.timezone.utc)
    if isinstance(kind, Date):
        return dt.date(2026, 1, 1)
    if isinstance(kind, (String, Text)):
        return uuid.uuid4().hex[: kind.length or 32]
    raise AssertionError(f"no dummy value for {table.name}.{column.name} ({kind!r})")


def owned_tables():
    return [t for t in Base.metadata.sorted_tables if "user_id" in t.c]


def seed_every_table(session, user_id: int) -> dict[str, list[int]]:
    """One row in every table below `users` that hangs off this user, parents first."""
    made: dict[str, list[int]] = {"users": [user_id]}
    owned = {t.name for t in owned_tables()}
    for table in Base.metadata.sorted_tables:
        if table.name == "users" or (table.name not in owned and not any(
                fk.column.table.name in made for fk in table.foreign_keys)):
            continue
        values = {}
        for column in table.columns:
            if column.primary_key and isinstance(column.type, Integer):
                continue
            refs = [fk.column.table.name for fk in column.foreign_keys]
            if column.name == "user_id":
                values[column.name] = user_id
            elif refs and refs[0] in made:
                values[column.name] = made[refs[0]][0]
            elif refs or column.nullable or column.default is not None:
                continue
            else:
                values[column.name] = _dummy(table, column)
        if table.name not in owned and not any(fk.parent.name in values for fk in table.foreign_keys):
            continue
        new_id = session.execute(insert(table).values(values).returning(table.c.id)).scalar_one()
        made.setdefault(table.name, []).append(new_id)
    session.commit()
    return made


def remaining_rows(session, made: dict[str, list[int]], user_id: int) -> dict[str, int]:
    session.expire_all()
    left = {}
    for table in Base.metadata.sorted_tables:
        count = 0
        if "user_id" in table.c:
            count += session.execute(select(func.count()).select_from(table)
                                     .where(table.c.user_id == user_id)).scalar_one()
        if table.name in made and "id" in table.c:
            count += session.execute(select(func.count()).select_from(table)
                                     .where(table.c.id.in_(made[table.name]))).scalar_one()
        if count:
            left[table.name] = count
    session.rollback()  # end the read: on SQLite every transaction holds the write lock
    return left


def test_seeding_reaches_every_table_with_a_user_id(user, db_session):
    made = seed_every_table(db_session, user.id)
    assert {t.name for t in owned_tables()} <= set(made)
    assert {"refresh_tokens", "asset_prices"} <= set(made)


def test_delete_me_leaves_no_row_of_the_user_in_any_table(user, db_session):
    made = seed_every_table(db_session, user.id)
    user.client.post("/api/token/refresh", json={"refresh_token": user.refresh_token})
    assert user.client.delete("/api/me", json={"password": user.password}).status == 204
    assert remaining_rows(db_session, made, user.id) == {}


def test_delete_me_removes_the_users_sessions_and_refresh_tokens(user, db_session):
    from shared.data.models import AuthSession, RefreshToken

    sessions = db_session.execute(select(AuthSession.id).where(AuthSession.user_id == user.id)).scalars().all()
    db_session.rollback()
    assert sessions
    user.client.delete("/api/me", json={"password": user.password})
    db_session.expire_all()
    assert db_session.execute(select(func.count()).select_from(RefreshToken)
                              .where(RefreshToken.session_id.in_(sessions))).scalar_one() == 0
    assert db_session.execute(select(func.count()).select_from(AuthSession)
                              .where(AuthSession.user_id == user.id)).scalar_one() == 0


def test_delete_me_leaves_other_users_data_alone(user, other_user, db_session):
    theirs = seed_every_table(db_session, other_user.id)
    seed_every_table(db_session, user.id)
    user.client.delete("/api/me", json={"password": user.password})
    left = remaining_rows(db_session, theirs, other_user.id)
    assert set(left) >= {t.name for t in owned_tables()}
    assert other_user.client.get("/api/me").status == 200
