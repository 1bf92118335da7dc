"""Bodies and answers of /api/tokens (API.md, "Personal access tokens and AI agents")."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict, field_validator

from shared.schemas import Input, Name, Output, Timestamp

Scope = Literal["read", "write"]
SCOPE_ORDER = ("read", "write")


class TokenIn(Input):
    name: Name = Field(examples=["Claude Desktop"], description="what the token is for, so you can tell it apart")
    scopes: list[Scope] = Field(
        min_length=1, max_length=2, examples=[["read"], ["read", "write"]],
        description='["read"]: every GET and questions to the assistant; ["read", "write"]: also the money '
                    "routes. No token ever reaches the identity routes (/me, password, account, tokens)")
    expires_in_days: Annotated[int, Strict(), Field(ge=1, le=365, examples=[90])]

    @field_validator("scopes")
    @classmethod
    def _read_first(cls, scopes: list[str]) -> list[str]:
        if len(set(scopes)) != len(scopes):
            raise ValueError("lists a scope twice")
        if "read" not in scopes:
            raise ValueError('write needs read too: send ["read", "write"]')
        return [s for s in SCOPE_ORDER if s in scopes]


class TokenOut(Output):
    id: int
    name: str
    scopes: list[Scope]
    created_at: Timestamp
    expires_at: Timestamp
    last_used_at: Timestamp | None = Field(description="the last request made with it (kept to the minute)")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="the token itself, beginning fpat_; shown this once and never again",
                       examples=["fpat_0123456789abcdefAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"])
