"""Identity routes: register, login, token refresh, logout, and the caller's own profile."""
from __future__ import annotations

import azure.functions as func

from shared import identity
from shared.auth import authenticated, client_address
from shared.http import NO_CONTENT, Context, Reply, problem_response, public
from shared.schemas.identity import (
    DeleteMeIn,
    LoginIn,
    MePatch,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    TokenPair,
    UserOut,
)

bp = func.Blueprint()


def _refused(result: identity.LoginRefused) -> func.HttpResponse:
    headers = {"Retry-After": str(result.retry_after)} if result.retry_after else {}
    if result.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return problem_response(result.status, result.detail, headers=headers)


@bp.route(route="register", methods=["POST"])
@public
def register(ctx: Context) -> Reply:
    """Create an account. Usernames and emails are unique case-insensitively."""
    user = identity.register(ctx.session, ctx.body(RegisterIn))
    return Reply(UserOut.model_validate(user), 201)


@bp.route(route="login", methods=["POST"])
@public
def login(ctx: Context):
    """Exchange a username (or email) and password for an access and a refresh token."""
    data = ctx.body(LoginIn)
    result = identity.login(ctx.session, data.username, data.password, client_address(ctx.req))
    return result if isinstance(result, TokenPair) else _refused(result)


@bp.route(route="token/refresh", methods=["POST"])
@public
def refresh_token(ctx: Context):
    """Rotate a refresh token: the old one dies; presenting a dead one revokes its whole login."""
    result = identity.refresh(ctx.session, ctx.body(RefreshIn).refresh_token)
    return result if isinstance(result, TokenPair) else _refused(result)


@bp.route(route="logout", methods=["POST"])
@authenticated
def logout(ctx: Context) -> Reply:
    """End the login that the refresh token belongs to (its access tokens stop working too)."""
    identity.logout(ctx.session, ctx.user, ctx.body(RefreshIn).refresh_token)
    return NO_CONTENT


@bp.route(route="me", methods=["GET"])
@authenticated
def get_me(ctx: Context) -> UserOut:
    return UserOut.model_validate(ctx.user)


@bp.route(route="me", methods=["PATCH"])
@authenticated
def patch_me(ctx: Context) -> UserOut:
    return UserOut.model_validate(identity.update_me(ctx.session, ctx.user, ctx.body(MePatch)))


@bp.route(route="me/password", methods=["POST"])
@authenticated
def change_password(ctx: Context) -> Reply:
    """Change the password; every earlier access and refresh token stops working."""
    data = ctx.body(PasswordChangeIn)
    identity.change_password(ctx.session, ctx.user, data.current_password, data.new_password)
    return NO_CONTENT


@bp.route(route="me", methods=["DELETE"])
@authenticated
def delete_me(ctx: Context) -> Reply:
    """Delete the account and every row of the caller's data."""
    identity.delete_user(ctx.session, ctx.user, ctx.body(DeleteMeIn).password)
    return NO_CONTENT
