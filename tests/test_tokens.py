"""Access tokens that were not issued by us, or no longer stand, are refused (401); refresh rotation."""
from __future__ import annotations

import base64
import datetime as dt
import json
import time

import jwt
import pytest

from shared.data.config import get_settings
from tests.conftest import Client, assert_problem

CONTRACT_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "typ", "jti"]


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def signed(claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or get_settings().jwt_secret, algorithm=algorithm)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def me_status(token: str) -> int:
    response = Client().get("/api/me", token=token)
    if response.status == 401:
        assert_problem(response, 401)
        assert response.header("WWW-Authenticate").startswith("Bearer")
    return response.status


def refresh(token: str):
    return Client().post("/api/token/refresh", json={"refresh_token": token})


# --- the genuine article ----------------------------------------------------------------------

def test_issued_access_token_is_accepted(user):
    assert me_status(user.client.token) == 200


def test_access_token_carries_every_contract_claim(user):
    claims = claims_of(user.client.token)
    assert set(CONTRACT_CLAIMS) <= set(claims) and claims["typ"] == "access" and claims["sub"] == str(user.id)


def test_resigned_copy_of_a_valid_token_is_accepted(user):
    # The forgery tests below change one thing each; this shows the unchanged re-signing is fine.
    assert me_status(signed(claims_of(user.client.token))) == 200


# --- forgeries ----------------------------------------------------------------------------------

def test_alg_none_token_is_refused(user):
    token = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims_of(user.client.token)) + "."
    assert me_status(token) == 401


def test_token_signed_with_another_key_is_refused(user):
    assert me_status(signed(claims_of(user.client.token), key="another-key-that-is-also-long-enough-0123")) == 401


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_signed_with_hs512_and_our_key_is_refused(user):
    assert me_status(signed(claims_of(user.client.token), algorithm="HS512")) == 401


def test_tampered_claims_with_original_signature_are_refused(user, other_user):
    header, _, signature = user.client.token.split(".")
    claims = claims_of(user.client.token) | {"sub": str(other_user.id)}
    assert me_status(f"{header}.{b64(claims)}.{signature}") == 401


def test_expired_token_is_refused(user):
    now = int(time.time())
    claims = claims_of(user.client.token) | {"iat": now - 3600, "nbf": now - 3600, "exp": now - 60}
    assert me_status(signed(claims)) == 401


def test_token_not_yet_valid_is_refused(user):
    now = int(time.time())
    claims = claims_of(user.client.token) | {"nbf": now + 600, "iat": now, "exp": now + 1200}
    assert me_status(signed(claims)) == 401


@pytest.mark.parametrize("claim,value", [("iss", "someone-else"), ("aud", "another-api"), ("typ", "refresh"),
                                         ("sub", "not-a-number"), ("sid", 1), ("sid", "0" * 32), ("ver", None)])
def test_token_with_a_wrong_claim_is_refused(user, claim, value):
    assert me_status(signed(claims_of(user.client.token) | {claim: value})) == 401


@pytest.mark.parametrize("claim", CONTRACT_CLAIMS)
def test_token_missing_a_required_claim_is_refused(user, claim):
    claims = claims_of(user.client.token)
    del claims[claim]
    assert me_status(signed(claims)) == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "bearer garbage",
                                    "Bearer " + "x" * 10_000])
def test_malformed_authorization_header_is_401(anon, header):
    assert_problem(anon.get("/api/me", headers={"Authorization": header}), 401)


def test_refresh_token_used_as_access_token_is_refused(user):
    assert me_status(user.refresh_token) == 401


def test_access_token_used_as_refresh_token_is_refused(user):
    assert_problem(refresh(user.client.token), 401)


def test_token_of_a_deleted_user_is_refused(user):
    token = user.client.token
    assert user.client.delete("/api/me", json={"password": user.password}).status == 204
    assert me_status(token) == 401


# --- refresh rotation and reuse detection --------------------------------------------------------

def test_refresh_returns_a_new_working_pair(user):
    response = refresh(user.refresh_token)
    assert response.status == 200
    pair = response.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] > 0
    assert pair["refresh_token"] != user.refresh_token
    assert me_status(pair["access_token"]) == 200


def test_refreshed_token_works_once_more(user):
    second = refresh(user.refresh_token).json()
    assert refresh(second["refresh_token"]).status == 200


def test_used_refresh_token_is_refused(user):
    assert refresh(user.refresh_token).status == 200
    assert_problem(refresh(user.refresh_token), 401)


def test_reuse_revokes_the_newest_refresh_token_of_the_family(user):
    newest = refresh(user.refresh_token).json()
    refresh(user.refresh_token)  # reuse
    assert_problem(refresh(newest["refresh_token"]), 401)


def test_reuse_revokes_every_access_token_of_the_family(user):
    newest = refresh(user.refresh_token).json()
    refresh(user.refresh_token)  # reuse
    assert me_status(user.client.token) == 401
    assert me_status(newest["access_token"]) == 401


def test_reuse_leaves_the_users_other_logins_alone(user):
    other_login = Client().post("/api/login", json={"username": user.username, "password": user.password}).json()
    refresh(user.refresh_token)
    refresh(user.refresh_token)  # reuse in the first family
    assert me_status(other_login["access_token"]) == 200
    assert refresh(other_login["refresh_token"]).status == 200


def test_unknown_refresh_token_is_401(anon):
    assert_problem(anon.post("/api/token/refresh", json={"refresh_token": "never-issued"}), 401)


def test_expired_refresh_token_is_refused(user, monkeypatch):
    import shared.services.identity

    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=get_settings().refresh_token_days, minutes=1)
    monkeypatch.setattr(shared.services.identity, "utcnow", lambda: later)
    assert_problem(refresh(user.refresh_token), 401)


# --- logout ---------------------------------------------------------------------------------------

def test_logout_answers_204(user):
    assert user.client.post("/api/logout", json={"refresh_token": user.refresh_token}).status == 204


def test_logout_kills_the_refresh_token(user):
    user.client.post("/api/logout", json={"refresh_token": user.refresh_token})
    assert_problem(refresh(user.refresh_token), 401)


def test_logout_kills_the_access_token(user):
    user.client.post("/api/logout", json={"refresh_token": user.refresh_token})
    assert me_status(user.client.token) == 401


def test_logout_with_another_users_refresh_token_does_not_end_their_login(user, other_user):
    assert user.client.post("/api/logout", json={"refresh_token": other_user.refresh_token}).status == 204
    assert refresh(other_user.refresh_token).status == 200


def test_logout_needs_an_access_token(anon, user):
    assert_problem(anon.post("/api/logout", json={"refresh_token": user.refresh_token}), 401)


# --- password change ------------------------------------------------------------------------------

@pytest.fixture
def changed(user):
    response = user.client.post("/api/me/password",
                                json={"current_password": user.password, "new_password": "a-brand-new-passw0rd"})
    assert response.status == 204, response
    return user


def test_password_change_kills_earlier_access_tokens(changed):
    assert me_status(changed.client.token) == 401


def test_password_change_kills_earlier_refresh_tokens(changed):
    assert_problem(refresh(changed.refresh_token), 401)


def test_password_change_kills_tokens_of_every_login(user):
    second = Client().post("/api/login", json={"username": user.username, "password": user.password}).json()
    user.client.post("/api/me/password", json={"current_password": user.password, "new_password": "another-passw0rd"})
    assert me_status(second["access_token"]) == 401
    assert_problem(refresh(second["refresh_token"]), 401)


def test_login_with_the_new_password_works_after_change(changed):
    login = Client().post("/api/login", json={"username": changed.username, "password": "a-brand-new-passw0rd"})
    assert login.status == 200
    assert me_status(login.json()["access_token"]) == 200


def test_login_with_the_old_password_fails_after_change(changed):
    assert_problem(Client().post("/api/login", json={"username": changed.username, "password": changed.password}), 401)


def test_password_change_with_wrong_current_password_is_refused_and_changes_nothing(user):
    response = user.client.post("/api/me/password",
                                json={"current_password": "not-my-password", "new_password": "whatever-passw0rd"})
    assert_problem(response, 422, "current_password")
    assert me_status(user.client.token) == 200


def test_password_change_to_a_too_short_password_is_422(user):
    response = user.client.post("/api/me/password", json={"current_password": user.password, "new_password": "short"})
    assert_problem(response, 422, "new_password")
