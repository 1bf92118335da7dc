"""/api/net-worth: accounts + investments − card debt, on a day and over time."""
from shared.web.deferred import Handlers

net_worth = Handlers("blueprints.net_worth.handlers")
net_worth.route("GET", "net-worth", "get_net_worth")
net_worth.route("GET", "net-worth/history", "get_net_worth_history")

bp = net_worth.bp
