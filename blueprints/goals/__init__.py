"""/api/goals: list, create, get, patch, delete, and contributions to a goal's savings."""
from shared.web.deferred import Handlers

goals = Handlers("blueprints.goals.handlers")
goals.resource("goals")
goals.route("POST", "goals/{id:int}/contributions", "contribute_to_goal")

bp = goals.bp
