"""Routes of /api/rules (list, create, get, patch, delete) and /api/rules/{id}/run."""

from shared.schemas.rules import RuleRunIn, RuleRunOut
from shared.services.rules import Rules
from shared.web.auth import authenticated
from shared.web.http import Context
from shared.web.routes import resource_handlers

rules = Rules()
handlers = resource_handlers(rules, "rules")


@authenticated(body=RuleRunIn, response=RuleRunOut)
def run_rule(ctx: Context) -> RuleRunOut:
    """Apply one rule to your existing transactions (dry_run, the default, only reports what would change).

    Asked for explicitly, the rule runs even when inactive and sets its fields whatever they hold
    (a category of the wrong kind is still skipped); tags it adds join the ones there. `matched`
    counts the transactions in the range its conditions hold for, `changed` those whose category,
    payee, description or tags would change; `items` shows the first 100 changed, before and after.
    Without dry_run the changes move the kept monthly totals, so reports follow them."""
    return rules.run(ctx.session, ctx.user, ctx.route_int(), ctx.data)
