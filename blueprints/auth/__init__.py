"""Identity: register, login, token refresh, logout, and the caller's own profile (/api/me)."""
from shared.web.deferred import Handlers

auth = Handlers("blueprints.auth.handlers")
auth.route("POST", "register", "register")
auth.route("POST", "login", "login")
auth.route("POST", "token/refresh", "refresh_token")
auth.route("POST", "logout", "logout")
auth.route("GET", "me", "get_me")
auth.route("PATCH", "me", "patch_me")
auth.route("POST", "me/password", "change_password")
auth.route("DELETE", "me", "delete_me")

bp = auth.bp
