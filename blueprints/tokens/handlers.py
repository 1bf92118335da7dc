"""Routes of /api/tokens: personal access tokens for scripts and AI agents (shared/services/access_tokens.py).
Identity routes: only a login's access token reaches them, never a personal access token."""
from __future__ import annotations

from shared.schemas import PageQuery
from shared.schemas.tokens import TokenCreatedOut, TokenIn, TokenOut
from shared.services.access_tokens import AccessTokens
from shared.web.auth import IDENTITY, authenticated
from shared.web.http import NO_CONTENT, Context, Reply, page_of
from shared.web.routes import ListOf

tokens = AccessTokens()


@authenticated(body=TokenIn, response=TokenCreatedOut, status=201, scope=IDENTITY)
def create_token(ctx: Context) -> TokenCreatedOut:
    """Create a personal access token; the answer's `token` is shown this once and never again.

    Use it as `Authorization: Bearer fpat_...`. `read` reaches every GET and the assistant's questions;
    `read` + `write` also the money routes; no token reaches the identity routes (403). Only a hash is
    stored; a password change or deleting the account revokes every token."""
    return tokens.issue(ctx.session, ctx.user, ctx.data)


@authenticated(query=PageQuery, response=ListOf(TokenOut), scope=IDENTITY)
def list_tokens(ctx: Context):
    """Your personal access tokens (never the secret), oldest first; expired ones stay listed until deleted."""
    rows, total = tokens.list(ctx.session, ctx.user, ctx.params)
    items = [t.model_dump(mode="json") for t in tokens.to_out(ctx.session, ctx.user, rows)]
    return page_of(items, ctx.params.page, ctx.params.page_size, total)


@authenticated(response=TokenOut, scope=IDENTITY)
def get_token(ctx: Context) -> TokenOut:
    """One of your personal access tokens (never the secret)."""
    row = tokens.get(ctx.session, ctx.user, ctx.route_int())
    return tokens.to_out(ctx.session, ctx.user, [row])[0]


@authenticated(status=204, scope=IDENTITY)
def delete_token(ctx: Context) -> Reply:
    """Revoke a personal access token: it answers 401 from now on."""
    row = tokens.get(ctx.session, ctx.user, ctx.route_int())
    tokens.delete(ctx.session, ctx.user, row, None)
    return NO_CONTENT
