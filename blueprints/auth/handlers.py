"""Identity routes: register, login, token refresh, logout, and the caller's own profile."""
from __future__ import annotations

import azure.functions as func

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
from shared.services import identity
from shared.web.auth import authenticated, client_address
from shared.web.http import NO_CONTENT, Context, Reply, problem_for, public


def _refused(result: identity.LoginRefused) -> func.HttpResponse:
    return problem_for(result.error)


@public(body=RegisterIn, response=UserOut, status=201, extra_statuses=(409, 429))
def register(ctx: Context) -> UserOut:
    """Create an account. Usernames and emails are unique case-insensitively (and in any width:
    compatibility forms are folded, NFKC). One address may register a limited number of accounts an
    hour (REGISTRATION_LIMIT_PER_HOUR, default 50); past it the answer is 429 with Retry-After."""
    return UserOut.model_validate(identity.register(ctx.session, ctx.data, client_address(ctx.req)))


@public(body=LoginIn, response=TokenPair, extra_statuses=(401, 429))
def login(ctx: Context):
    """Exchange a username (or email) and password for an access and a refresh token."""
    data = ctx.data
    result = identity.login(ctx.session, data.username, data.password, client_address(ctx.req))
    return result if isinstance(result, TokenPair) else _refused(result)


@public(body=RefreshIn, response=TokenPair, extra_statuses=(401,))
def refresh_token(ctx: Context):
    """Rotate a refresh token: the old one dies; presenting a dead one revokes its whole login."""
    result = identity.refresh(ctx.session, ctx.data.refresh_token)
    return result if isinstance(result, TokenPair) else _refused(result)


@authenticated(body=RefreshIn, status=204, scope="identity")
def logout(ctx: Context) -> Reply:
    """End the login that the refresh token belongs to (its access tokens stop working too)."""
    identity.logout(ctx.session, ctx.user, ctx.data.refresh_token)
    return NO_CONTENT


@authenticated(response=UserOut, scope="identity")
def get_me(ctx: Context) -> UserOut:
    """Your profile: username, email, names, date of birth, monthly income, base currency and role."""
    return UserOut.model_validate(ctx.user)


@authenticated(body=MePatch, response=UserOut, extra_statuses=(409,), scope="identity")
def patch_me(ctx: Context) -> UserOut:
    """Change your names, email, date of birth, monthly income or base currency; fields not sent stay as they
    are (the password has its own route)."""
    return UserOut.model_validate(identity.update_me(ctx.session, ctx.user, ctx.data))


@authenticated(body=PasswordChangeIn, status=204, extra_statuses=(429,), scope="identity")
def change_password(ctx: Context):
    """Change the password; every earlier access and refresh token stops working. A wrong current
    password counts toward the account's lock, as a failed login does."""
    data = ctx.data
    refused = identity.change_password(ctx.session, ctx.user, data.current_password, data.new_password)
    return NO_CONTENT if refused is None else _refused(refused)


@authenticated(body=DeleteMeIn, status=204, extra_statuses=(429,), scope="identity")
def delete_me(ctx: Context):
    """Delete the account and every row of the caller's data. A wrong password counts toward the
    account's lock, as a failed login does."""
    refused = identity.delete_user(ctx.session, ctx.user, ctx.data.password)
    return NO_CONTENT if refused is None else _refused(refused)
