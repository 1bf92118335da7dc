"""Routes of /api/goals, plus contributions that add to a goal's savings atomically."""

from shared.schemas.money import ContributionIn, ContributionOut
from shared.services.money import Goals
from shared.web.auth import authenticated
from shared.web.http import Context
from shared.web.idempotency import HEADER, idempotent
from shared.web.routes import resource_handlers

goals = Goals()
handlers = resource_handlers(goals, "goals")


@authenticated(body=ContributionIn, response=ContributionOut, status=201, wrap=(idempotent,), headers=(HEADER,))
def contribute_to_goal(ctx: Context) -> ContributionOut:
    """Add to a goal's savings; concurrent contributions all count; honours Idempotency-Key."""
    return goals.contribute(ctx.session, ctx.user, ctx.route_int(), ctx.data)
