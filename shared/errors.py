"""What went wrong, in the domain's words.

Services, the data layer and the jobs raise only these; none of them knows HTTP. The web edge
(`shared.web.http`) maps each kind to a status and a problem+json body in one table. A field error
is `{"field": ..., "message": ...}`; `where` says whether the field came from the body or the query.
"""
from __future__ import annotations

FieldErrors = list[dict[str, str]]


class DomainError(Exception):
    """Base of every refusal a caller can act on. `detail` is a sentence meant for the caller."""

    def __init__(self, detail: str, *, errors: FieldErrors | None = None, title: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.title = title


class Malformed(DomainError):
    """The request cannot be read at all (not JSON, not an object where one is expected)."""


class Unauthenticated(DomainError):
    """No valid credentials: missing, expired, forged or revoked token; wrong password at login."""


class Forbidden(DomainError):
    """Valid credentials that do not allow this (a personal access token's scope, say)."""


class NotFound(DomainError):
    """No such thing for this caller (another user's row is indistinguishable from none)."""


class Conflict(DomainError):
    """The change clashes with what is stored (a name taken, a row still in use)."""


class TooLarge(DomainError):
    """The request is larger than the product accepts."""


class Invalid(DomainError):
    """Well-formed input that breaks a rule; `errors` names each field and what to send instead."""


class Throttled(DomainError):
    """Too many attempts; try again after `retry_after` seconds."""

    def __init__(self, detail: str, *, retry_after: int, errors: FieldErrors | None = None):
        super().__init__(detail, errors=errors)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (the database, an upstream service) cannot answer right now."""

    def __init__(self, detail: str, *, retry_after: int = 5):
        super().__init__(detail)
        self.retry_after = retry_after


# --- the common sentences -----------------------------------------------------------------------

def not_found(what: str = "resource") -> NotFound:
    return NotFound(f"No such {what}.")


def conflict(detail: str, field_name: str | None = None) -> Conflict:
    errors = [{"field": field_name, "message": detail}] if field_name else None
    return Conflict(detail, errors=errors)


def invalid(field_name: str, message: str, *, where: str = "body") -> Invalid:
    """A rule one field breaks. The message becomes a sentence that names the field."""
    sentence = message if message.startswith(field_name) else f"{field_name} {message}"
    return Invalid(f"{sentence[0].upper()}{sentence[1:]}.", errors=[{"field": field_name, "message": sentence,
                                                                     "in": where}])
