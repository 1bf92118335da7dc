"""GET /api/health: liveness, with one round trip to the database."""
from shared.web.deferred import Handlers

health = Handlers("blueprints.health.handlers")
health.route("GET", "health", "health")

bp = health.bp
