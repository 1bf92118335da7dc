"""No id is ever handed out twice, and an access token names its login by a key no later login repeats
(issue 15, item 5: on SQLite a deleted user's token authenticated as the next user who registered)."""
from __future__ import annotations

from sqlalchemy import inspect, text

from shared.data.models import Base
from tests.conftest import TEST_DATABASE_URL, make_user


def test_a_deleted_users_token_does_not_authenticate_as_the_next_user(anon):
    first = make_user()
    old_token = first.client.token
    assert first.client.delete("/api/me", json={"password": first.password}).status == 204
    second = make_user()
    assert second.client.get("/api/me").json()["username"] == second.username
    assert anon.get("/api/me", token=old_token).status == 401


def test_a_deleted_users_id_goes_to_no_one_else(anon):
    first = make_user()
    first.client.delete("/api/me", json={"password": first.password})
    assert make_user().id > first.id


def test_a_deleted_accounts_id_is_not_reused(api):
    first = api.post("/api/accounts", json={"name": "Old", "type": "cash"}).json()["id"]
    assert api.delete(f"/api/accounts/{first}").status == 204
    second = api.post("/api/accounts", json={"name": "New", "type": "cash"}).json()["id"]
    assert second > first


def test_every_table_with_an_integer_id_never_reuses_one(db_session):
    """SQLite: AUTOINCREMENT in the schema the migrations built. PostgreSQL: a sequence (never goes back)."""
    bind = db_session.get_bind()
    integer_keyed = [t.name for t in Base.metadata.sorted_tables if "id" in t.c and t.c.id.primary_key]
    assert integer_keyed
    if bind.dialect.name == "sqlite":
        ddl = dict(db_session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        assert [t for t in integer_keyed if "AUTOINCREMENT" not in ddl[t].upper()] == []
    else:
        columns = {t: inspect(bind).get_columns(t) for t in integer_keyed}
        assert [t for t, cols in columns.items() if not any(c["name"] == "id" and c.get("autoincrement")
                                                              and (c.get("default") or c.get("identity"))
                                                              for c in cols)] == []


def test_an_access_token_names_its_login_by_a_random_key(user):
    import jwt

    claims = jwt.decode(user.client.token, options={"verify_signature": False})
    assert isinstance(claims["sid"], str) and len(claims["sid"]) == 32


def test_the_sqlite_rebuild_keeps_every_row_and_child(tmp_path):
    """Upgrading a database made before AUTOINCREMENT keeps its rows (the rebuild must not cascade)."""
    import pytest
    from alembic import command

    from shared.data.db import build_engine
    from shared.data.migrate import alembic_config, upgrade_to_head

    if not TEST_DATABASE_URL.startswith("sqlite"):
        pytest.skip("the table rebuild runs on SQLite only")
    engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.connect() as connection:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        command.upgrade(alembic_config(connection), "0001")
        connection.commit()
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, username, username_key, first_name, last_name, currency, role, password_hash,"
            " token_version, failed_logins, lockouts, created_at, updated_at) VALUES (7, 'ana', 'ana', 'A', 'L',"
            " 'USD', 'user', 'x', 0, 0, 0, '2026-01-01', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO accounts (id, user_id, name, type, opening_balance, balance, created_at, updated_at)"
            " VALUES (3, 7, 'Cash', 'cash', 0, 0, '2026-01-01', '2026-01-01')"))
    upgrade_to_head(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT user_id FROM accounts")).scalars().all() == [7]
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        connection.execute(text("DELETE FROM accounts"))
        connection.execute(text(
            "INSERT INTO accounts (user_id, name, type, opening_balance, balance, created_at, updated_at)"
            " VALUES (7, 'New', 'cash', 0, 0, '2026-01-01', '2026-01-01')"))
        assert connection.execute(text("SELECT id FROM accounts")).scalar() == 4
    engine.dispose()
