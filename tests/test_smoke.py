from tests.conftest import assert_problem


def test_health(anon):
    r = anon.get("/api/health")
    assert r.status == 200 and r.json() == {"status": "ok", "database": "ok"}


def test_register_login_me(user):
    me = user.client.get("/api/me")
    assert me.status == 200
    assert me.json()["username"] == user.username
    assert "password" not in me.text if hasattr(me, "text") else b"password" not in me.body


def test_unknown_route_is_404(anon):
    assert_problem(anon.get("/api/nope"), 404)
