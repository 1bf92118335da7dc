"""Personal access tokens (API.md, "Personal access tokens and AI agents"): created with a name, scopes and
an expiry, shown once, stored as a hash, listed without the secret, revocable, revoked by a password change
and by deleting the account; `last_used_at` kept without a write on every request."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import event, select

from shared.data.models import AccessToken
from shared.services import access_tokens
from tests.conftest import Client, assert_problem, make_user


def new_token(user, scopes=("read",), days=30, name="script") -> dict:
    response = user.client.post("/api/tokens", json={"name": name, "scopes": list(scopes), "expires_in_days": days})
    assert response.status == 201, response
    return response.json()


def test_a_token_is_shown_once_and_listed_without_its_secret(user):
    created = new_token(user, ("read", "write"), days=90, name="Claude Desktop")
    assert created["token"].startswith("fpat_") and len(created["token"]) > 50
    assert created["name"] == "Claude Desktop" and created["scopes"] == ["read", "write"]
    created_at = dt.datetime.fromisoformat(created["created_at"].replace("Z", "+00:00"))
    expires_at = dt.datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
    assert expires_at - created_at == dt.timedelta(days=90)
    assert created["last_used_at"] is None
    listed = user.client.get("/api/tokens").json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert set(item) == {"id", "name", "scopes", "created_at", "expires_at", "last_used_at"}
    assert created["token"] not in user.client.get("/api/tokens").body.decode()


def test_only_a_hash_of_the_token_is_stored(user, db_session):
    created = new_token(user)
    row = db_session.execute(select(AccessToken).where(AccessToken.id == created["id"])).scalar_one()
    stored = " ".join(str(getattr(row, c.name)) for c in AccessToken.__table__.columns)
    assert created["token"] not in stored
    assert created["token"][len("fpat_") + 16:] not in stored  # not even the secret half
    assert row.token_hash == hashlib.sha256(created["token"].encode()).hexdigest()


@pytest.mark.parametrize("body,field_name", [
    ({"name": "x", "scopes": [], "expires_in_days": 30}, "scopes"),
    ({"name": "x", "scopes": ["write"], "expires_in_days": 30}, "scopes"),
    ({"name": "x", "scopes": ["read", "read"], "expires_in_days": 30}, "scopes"),
    ({"name": "x", "scopes": ["admin"], "expires_in_days": 30}, "scopes.0"),
    ({"name": "x", "scopes": ["read"], "expires_in_days": 0}, "expires_in_days"),
    ({"name": "x", "scopes": ["read"], "expires_in_days": 366}, "expires_in_days"),
    ({"name": "x", "scopes": ["read"], "expires_in_days": "30"}, "expires_in_days"),
    ({"name": "", "scopes": ["read"], "expires_in_days": 30}, "name"),
    ({"scopes": ["read"], "expires_in_days": 30}, "name"),
    ({"name": "x", "scopes": ["read"], "expires_in_days": 30, "user_id": 1}, "user_id"),
])
def test_a_bad_token_request_is_422_and_creates_nothing(user, body, field_name):
    assert_problem(user.client.post("/api/tokens", json=body), 422, field_name)
    assert user.client.get("/api/tokens").json()["total"] == 0


def test_write_then_read_is_accepted_in_either_order(user):
    assert new_token(user, ("write", "read"))["scopes"] == ["read", "write"]


def test_a_token_authenticates_as_its_owner(user):
    token = new_token(user)["token"]
    created = user.client.post("/api/accounts", json={"name": "Cash", "type": "cash", "opening_balance": "12.50"})
    accounts = Client(token=token).get("/api/accounts")
    assert accounts.status == 200
    assert [a["id"] for a in accounts.json()["items"]] == [created.json()["id"]]


def test_a_deleted_token_is_401_and_another_users_token_id_is_404(user, other_user):
    created = new_token(user)
    assert_problem(other_user.client.delete(f"/api/tokens/{created['id']}"), 404)
    assert Client(token=created["token"]).get("/api/accounts").status == 200
    assert user.client.delete(f"/api/tokens/{created['id']}").status == 204
    response = Client(token=created["token"]).get("/api/accounts")
    assert_problem(response, 401)
    assert response.header("WWW-Authenticate").startswith("Bearer")
    assert_problem(user.client.delete(f"/api/tokens/{created['id']}"), 404)


def test_an_expired_token_is_401(user, monkeypatch):
    token = new_token(user, days=1)["token"]
    assert Client(token=token).get("/api/accounts").status == 200
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(access_tokens, "utcnow", lambda: later)
    body = assert_problem(Client(token=token).get("/api/accounts"), 401)
    assert "expired" in body["detail"]


@pytest.mark.parametrize("forged", [
    "fpat_", "fpat_0123456789abcdef", "fpat_0123456789abcdefWRONGSECRET", "fpat_ZZZZZZZZZZZZZZZZsecret",
    "fpat_" + "a" * 500,
])
def test_a_made_up_or_truncated_token_is_401(user, forged):
    real = new_token(user)["token"]
    assert_problem(Client(token=forged).get("/api/accounts"), 401)
    assert_problem(Client(token=real[:-1]).get("/api/accounts"), 401)
    assert_problem(Client(token=real + "x").get("/api/accounts"), 401)


def test_a_password_change_revokes_every_token(user):
    tokens = [new_token(user)["token"], new_token(user, ("read", "write"))["token"]]
    changed = user.client.post("/api/me/password", json={"current_password": user.password,
                                                          "new_password": "a-new-long-passphrase"})
    assert changed.status == 204
    for token in tokens:
        assert_problem(Client(token=token).get("/api/accounts"), 401)


def test_deleting_the_account_removes_its_tokens(db_session):
    gone = make_user()
    token = new_token(gone)["token"]
    assert gone.client.request("DELETE", "/api/me", json={"password": gone.password}).status == 204
    assert_problem(Client(token=token).get("/api/accounts"), 401)
    assert db_session.execute(select(AccessToken).where(AccessToken.user_id == gone.id)).first() is None


def test_last_used_at_is_written_at_most_once_a_minute(user, monkeypatch):
    from shared.data.db import get_engine

    token = new_token(user)["token"]
    updates: list[str] = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE ACCESS_TOKENS"):
            updates.append(statement)

    event.listen(get_engine(), "before_cursor_execute", spy)
    try:
        Client(token=token).get("/api/accounts")
        first = user.client.get("/api/tokens").json()["items"][0]["last_used_at"]
        assert first is not None and len(updates) == 1
        for _ in range(3):
            Client(token=token).get("/api/accounts")
        assert len(updates) == 1  # within the minute: no write at all
        assert user.client.get("/api/tokens").json()["items"][0]["last_used_at"] == first
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=2)
        monkeypatch.setattr(access_tokens, "utcnow", lambda: later)
        Client(token=token).get("/api/accounts")
        assert len(updates) == 2
        assert user.client.get("/api/tokens").json()["items"][0]["last_used_at"] > first
    finally:
        event.remove(get_engine(), "before_cursor_execute", spy)


def test_login_tokens_keep_working_for_every_route(user):
    assert user.client.get("/api/me").status == 200
    assert user.client.get("/api/tokens").status == 200
    assert user.client.post("/api/accounts", json={"name": "A", "type": "cash"}).status == 201


def test_a_read_token_asks_the_assistant_but_cannot_record_through_it(user):
    token = new_token(user)["token"]
    pat = Client(token=token)
    asked = pat.post("/api/chat", json={"message": "what is my balance?"})
    assert asked.status == 200 and asked.json()["intent"] == "balance"
    refused = assert_problem(pat.post("/api/chat", json={"message": "spent 12.50 on coffee today"}), 403)
    assert "write" in refused["detail"]
    assert user.client.get("/api/transactions").json()["total"] == 0
    writer = Client(token=new_token(user, ("read", "write"))["token"])
    recorded = writer.post("/api/chat", json={"message": "spent 12.50 on coffee today"})
    assert recorded.status == 200 and recorded.json()["intent"] == "record_expense"
    assert user.client.get("/api/transactions").json()["total"] == 1


@pytest.mark.parametrize("message", ["move 10 from checking to savings", "undo that", "got paid 100 salary today"])
def test_a_read_token_cannot_move_money_or_undo_through_the_assistant(user, message):
    for name in ("Checking", "Savings"):
        user.client.post("/api/accounts", json={"name": name, "type": "checking", "opening_balance": "50"})
    user.client.post("/api/chat", json={"message": "spent 5 on coffee today"})  # something to undo
    before = user.client.get("/api/transactions").json()["total"]
    pat = Client(token=new_token(user)["token"])
    assert_problem(pat.post("/api/chat", json={"message": message}), 403)
    assert user.client.get("/api/transactions").json()["total"] == before
