"""A blueprint module for tests/test_deferred.py: imported only when its function is first called."""


def ping(req):
    return f"pong: {req}"
