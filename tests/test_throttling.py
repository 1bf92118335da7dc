"""Failed-login throttling: per account (10 in a row) and per client address (100 in 15 minutes).

Time moves by replacing shared.services.identity.utcnow; the counters are read back from the database."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

import shared.services.identity
from shared.data.models import LoginFailureWindow
from shared.data.models import User as UserRow
from tests.conftest import Client, assert_problem, make_user


class Clock:
    def __init__(self):
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(shared.services.identity, "utcnow", clock)
    return clock


def fresh_address() -> str:
    """An address no other test uses: the address counter is shared by the whole database."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def login(client: Client, username: str, password: str):
    return client.post("/api/login", json={"username": username, "password": password})


def fail_times(n: int, username: str, address: str | None = None) -> None:
    for _ in range(n):
        response = login(Client(address=address or fresh_address()), username, "wrong-password")
        assert response.status == 401, response


def stored_user(db_session, user_id: int) -> UserRow:
    db_session.expire_all()
    return db_session.get(UserRow, user_id)


# --- per account ----------------------------------------------------------------------------------

def test_nine_failures_do_not_lock_the_account(clock):
    target = make_user()
    fail_times(9, target.username)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 200


def test_tenth_consecutive_failure_locks_the_account(clock):
    target = make_user()
    fail_times(10, target.username)
    assert_problem(login(Client(address=fresh_address()), target.username, "wrong-password"), 429)


def test_locked_account_refuses_even_the_right_password(clock):
    target = make_user()
    fail_times(10, target.username)
    assert_problem(login(Client(address=fresh_address()), target.username, target.password), 429)


def test_locked_account_answer_has_retry_after_of_15_minutes(clock):
    target = make_user()
    fail_times(10, target.username)
    response = login(Client(address=fresh_address()), target.username, target.password)
    assert response.header("Retry-After") == str(15 * 60)


def test_retry_after_counts_down_while_locked(clock):
    target = make_user()
    fail_times(10, target.username)
    clock.advance(minutes=10)
    response = login(Client(address=fresh_address()), target.username, target.password)
    assert response.status == 429 and response.header("Retry-After") == str(5 * 60)


def test_lock_also_applies_when_logging_in_by_email(clock):
    target = make_user(email=f"{uuid.uuid4().hex[:10]}@example.com")
    fail_times(10, target.username)
    assert login(Client(address=fresh_address()), target.profile["email"], target.password).status == 429


def test_account_unlocks_after_15_minutes(clock):
    target = make_user()
    fail_times(10, target.username)
    clock.advance(minutes=15, seconds=1)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 200


def test_second_lock_lasts_longer_than_the_first(clock):
    target = make_user()
    fail_times(10, target.username)
    clock.advance(minutes=15, seconds=1)
    fail_times(10, target.username)
    response = login(Client(address=fresh_address()), target.username, target.password)
    assert response.status == 429 and int(response.header("Retry-After")) > 15 * 60


def test_second_lock_is_still_on_after_15_minutes(clock):
    target = make_user()
    fail_times(10, target.username)
    clock.advance(minutes=15, seconds=1)
    fail_times(10, target.username)
    clock.advance(minutes=15, seconds=1)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 429


def test_successful_login_resets_the_consecutive_count(clock):
    target = make_user()
    fail_times(9, target.username)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 200
    fail_times(9, target.username)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 200


def test_account_failures_are_counted_in_the_database(clock, db_session):
    target = make_user()
    fail_times(3, target.username)
    assert stored_user(db_session, target.id).failed_logins == 3


def test_account_lock_is_stored_in_the_database(clock, db_session):
    target = make_user()
    fail_times(10, target.username)
    assert stored_user(db_session, target.id).locked_until == clock.now + dt.timedelta(minutes=15)


def test_failures_on_one_account_do_not_lock_another(clock):
    target, bystander = make_user(), make_user()
    fail_times(10, target.username)
    assert login(Client(address=fresh_address()), bystander.username, bystander.password).status == 200


# --- per client address ---------------------------------------------------------------------------

def spray(address: str, failures: int) -> None:
    client = Client(address=address)
    for i in range(failures):
        response = login(client, f"nobody-{i}", "wrong-password")
        assert response.status == 401, (i, response)


def test_hundred_failures_from_one_address_give_429(clock):
    address = fresh_address()
    spray(address, 100)
    assert_problem(login(Client(address=address), "nobody", "wrong-password"), 429)


def test_throttled_address_is_refused_even_with_right_credentials(clock):
    target, address = make_user(), fresh_address()
    spray(address, 100)
    assert login(Client(address=address), target.username, target.password).status == 429


def test_throttled_address_answer_has_retry_after_until_window_ends(clock):
    address = fresh_address()
    spray(address, 100)
    clock.advance(minutes=5)
    response = login(Client(address=address), "nobody", "wrong-password")
    assert response.status == 429 and response.header("Retry-After") == str(10 * 60)


def test_ninety_nine_failures_from_one_address_are_not_throttled(clock):
    target, address = make_user(), fresh_address()
    spray(address, 99)
    assert login(Client(address=address), target.username, target.password).status == 200


def test_address_throttle_lifts_when_the_window_ends(clock):
    target, address = make_user(), fresh_address()
    spray(address, 100)
    clock.advance(minutes=15, seconds=1)
    assert login(Client(address=address), target.username, target.password).status == 200


def test_other_addresses_are_not_throttled(clock):
    target = make_user()
    spray(fresh_address(), 100)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 200


def test_address_failures_are_counted_in_the_database(clock, db_session):
    address = fresh_address()
    spray(address, 7)
    db_session.expire_all()
    assert db_session.execute(select(LoginFailureWindow.failures)
                              .where(LoginFailureWindow.address == address)).scalar_one() == 7


def test_client_cannot_escape_the_address_throttle_by_sending_x_forwarded_for(clock):
    # The front end appends the real peer last; only that hop counts.
    address = fresh_address()
    spray(address, 100)
    spoofing = Client(address=f"203.0.113.77, {address}")
    assert login(spoofing, "nobody", "wrong-password").status == 429


# --- the two failures look alike ------------------------------------------------------------------

def test_unknown_user_and_wrong_password_give_the_same_401(user):
    anon = Client(address=fresh_address())
    unknown = login(anon, "no-such-user-" + uuid.uuid4().hex[:8], "wrong-password")
    wrong = login(anon, user.username, "wrong-password")
    assert unknown.status == wrong.status == 401
    assert unknown.body == wrong.body
    assert unknown.header("WWW-Authenticate") == wrong.header("WWW-Authenticate")


# --- password checks behind a token count toward the same lock (issue 15, item 7) -----------------

def change_password(target, current: str):
    return target.client.post("/api/me/password", json={"current_password": current,
                                                         "new_password": "a-new-passphrase-1"})


def delete_me(target, password: str):
    return target.client.delete("/api/me", json={"password": password})


@pytest.mark.parametrize("attempt", [change_password, delete_me])
def test_a_wrong_password_behind_a_token_is_422_and_counted(clock, db_session, attempt):
    target = make_user()
    assert_problem(attempt(target, "wrong-password"), 422)
    assert stored_user(db_session, target.id).failed_logins == 1


@pytest.mark.parametrize("attempt", [change_password, delete_me])
def test_ten_wrong_passwords_behind_a_token_lock_the_account(clock, attempt):
    target = make_user()
    for _ in range(10):
        assert attempt(target, "wrong-password").status == 422
    refused = attempt(target, target.password)
    assert_problem(refused, 429)
    assert refused.header("Retry-After") == str(15 * 60)
    assert login(Client(address=fresh_address()), target.username, target.password).status == 429


def test_failed_logins_and_wrong_passwords_behind_a_token_share_one_count(clock):
    target = make_user()
    fail_times(5, target.username)
    for _ in range(5):
        assert change_password(target, "wrong-password").status == 422
    assert_problem(delete_me(target, target.password), 429)


def test_the_right_password_behind_a_token_resets_the_count(clock, db_session):
    target = make_user()
    fail_times(9, target.username)
    assert change_password(target, target.password).status == 204
    assert stored_user(db_session, target.id).failed_logins == 0


# --- registrations per address -------------------------------------------------------------------

@pytest.fixture
def registration_limit(monkeypatch):
    import dataclasses

    from shared.data.config import get_settings

    settings = dataclasses.replace(get_settings(), registration_limit_per_hour=3)
    monkeypatch.setattr(shared.services.identity, "get_settings", lambda: settings)
    return 3


def register(address: str):
    body = {"username": f"r{uuid.uuid4().hex[:12]}", "password": "long-enough-1", "first_name": "A",
            "last_name": "B"}
    return Client(address=address).post("/api/register", json=body)


def test_registrations_up_to_the_limit_from_one_address_succeed(clock, registration_limit):
    address = fresh_address()
    assert [register(address).status for _ in range(registration_limit)] == [201] * registration_limit


def test_one_registration_past_the_limit_is_429_with_retry_after(clock, registration_limit):
    address = fresh_address()
    for _ in range(registration_limit):
        register(address)
    clock.advance(minutes=20)
    refused = register(address)
    assert_problem(refused, 429)
    assert refused.header("Retry-After") == str(40 * 60)


def test_a_refused_registration_creates_no_user(clock, registration_limit, db_session):
    from sqlalchemy import func

    address = fresh_address()
    for _ in range(registration_limit):
        register(address)
    before = db_session.execute(select(func.count()).select_from(UserRow)).scalar_one()
    db_session.rollback()
    assert register(address).status == 429
    assert db_session.execute(select(func.count()).select_from(UserRow)).scalar_one() == before


def test_registrations_from_other_addresses_are_not_limited(clock, registration_limit):
    address = fresh_address()
    for _ in range(registration_limit):
        register(address)
    assert register(fresh_address()).status == 201


def test_the_registration_limit_lifts_after_an_hour(clock, registration_limit):
    address = fresh_address()
    for _ in range(registration_limit):
        register(address)
    clock.advance(hours=1, seconds=1)
    assert register(address).status == 201


def test_the_registration_limit_defaults_to_50_an_hour():
    from shared.data.config import Settings

    assert Settings.from_env({}).registration_limit_per_hour == 50
    assert Settings.from_env({"REGISTRATION_LIMIT_PER_HOUR": "7"}).registration_limit_per_hour == 7
