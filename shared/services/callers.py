"""The caller behind a login's access token, checked on every request: their login session still open,
their token version current (so logout and a password change act at once, on every instance).

Most routes need only the caller's id, home currency, role and join date: `Caller`, from one cheap
statement (`CALLER_ROW`). On a read route the check can ride on the route's own first statement
instead of costing a round trip of its own: the route gets a `PendingCaller`, whose id is the token's,
and a statement built with `checked_from()` reads the caller's columns beside its rows (no row at all:
the check failed). Whatever the route does, the check has run before its answer leaves
(`PendingCaller.confirm`, called by the web edge after the handler, and before any error it raised
is answered). Creating a transaction does the same on a write (`PendingWriter`): its references'
lookup, the first statement it sends, carries the check, before anything is written."""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, exists, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, FromClause

from shared.data.models import AuthSession, Rule, User
from shared.data.prepared import Prepared
from shared.errors import Unauthenticated

_USERS, _SESSIONS = User.__table__, AuthSession.__table__
# The caller's columns, first in every statement that checks the caller.
CALLER_COLUMNS = (_USERS.c.id, _USERS.c.currency, _USERS.c.role, _USERS.c.created_at)
WIDTH = len(CALLER_COLUMNS)
USER_ID = _USERS.c.id
# The check, on the bound parameters user_id, session_key and version (what the token names).
CONDITIONS: tuple[ColumnElement[bool], ...] = (
    _USERS.c.id == bindparam("user_id"),
    # The login is named by its random key, never by a row id a later login could be given.
    _SESSIONS.c.key == bindparam("session_key"),
    _SESSIONS.c.revoked_at.is_(None),
    _USERS.c.token_version == bindparam("version"),
)


def checked_from() -> FromClause:
    """The caller's user row joined to their login session: outer-join a route's rows onto it and add
    `CONDITIONS` to its WHERE; one row per route row, or one with the route's columns NULL."""
    return _USERS.join(_SESSIONS, _SESSIONS.c.user_id == _USERS.c.id)


CALLER_ROW = Prepared(select(*CALLER_COLUMNS).select_from(checked_from()).where(*CONDITIONS))
# A write's check: the caller's columns and whether they have an active rule (a create that finds none
# skips reading the rules; shared/services/rules.py).
# (CASE WHEN EXISTS: T-SQL takes no bare EXISTS in a select list.)
_HAS_RULES = case((exists().where(Rule.user_id == USER_ID, Rule.active == true()), 1), else_=0)
# A write's caller columns: CALLER_COLUMNS and whether they have an active rule.
WRITER_COLUMNS = (*CALLER_COLUMNS, _HAS_RULES.label("has_rules"))
WRITER_ROW = Prepared(select(*WRITER_COLUMNS).select_from(checked_from()).where(*CONDITIONS))
REVOKED = "The access token has been revoked."


class Caller:
    """The caller as most routes use them: id, home currency, role and when they joined, from one
    cheap statement. Any other attribute loads the whole `User` row from the same session on first
    use, so a service that needs more still sees the real, current row."""

    __slots__ = ("id", "currency", "role", "created_at", "has_rules", "token_scopes", "_session")

    def __init__(self, session: Session, id: int, currency: str, role: str, created_at: Any,  # noqa: A002
                 has_rules: bool | None = None):
        self.id, self.currency, self.role, self.created_at = id, currency, role, created_at
        self.has_rules = has_rules  # whether they have an active rule (None: not read)
        self.token_scopes = None  # a login, not a personal access token
        self._session = session

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._session.get(User, self.id), name)


class PendingCaller(Caller):
    """A login's caller on a read route before the check has run: `id` is the token's; reading any
    other attribute runs the check first (401 when it fails), as does `confirm()`. A statement that
    carried the check hands its caller columns to `confirmed_by()`."""

    __slots__ = ("check", "confirmed")

    def __init__(self, session: Session, check: dict[str, Any]):  # noqa: D107 - no super(): nothing is known yet
        self.id = check["user_id"]
        self.has_rules = None
        self.token_scopes = None
        self._session = session
        self.check = check  # the check's bound parameters, for a statement that carries it
        self.confirmed = False

    def confirmed_by(self, row: tuple[Any, ...] | None) -> None:
        """The caller columns a checked statement read (None: it read no row, so the check failed)."""
        if row is None:
            raise Unauthenticated(REVOKED)
        _, self.currency, self.role, self.created_at = row[:WIDTH]
        self.confirmed = True

    def confirm(self) -> None:
        """Run the check unless a statement already carried it; 401 when it fails."""
        if not self.confirmed:
            self.confirmed_by(CALLER_ROW.first(self._session, self.check))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        self.confirm()  # the unset slots (currency, role, created_at) come here too
        if name in ("currency", "role", "created_at"):
            return object.__getattribute__(self, name)
        return super().__getattr__(name)


class PendingWriter(PendingCaller):
    """A login's caller on a write route whose first statement carries the check (creating a
    transaction: the check rides on its references' lookup, shared/services/transactions.py): as a
    `PendingCaller`, with `has_rules` read by the check as well (WRITER_COLUMNS). The route confirms
    before its first write; the web edge confirms in any case before anything is answered, and a
    failed check rolls the unit of work back (401)."""

    __slots__ = ()

    def __init__(self, session: Session, check: dict[str, Any]):
        super().__init__(session, check)
        del self.has_rules  # unknown until the check has run: reading it runs the check

    def confirmed_by(self, row: tuple[Any, ...] | None) -> None:
        """The WRITER_COLUMNS a checked statement read (None: it read no row, so the check failed)."""
        if row is None:
            raise Unauthenticated(REVOKED)
        _, self.currency, self.role, self.created_at = row[:WIDTH]
        self.has_rules = bool(row[WIDTH])
        self.confirmed = True

    def confirm(self) -> None:
        if not self.confirmed:
            self.confirmed_by(WRITER_ROW.first(self._session, self.check))

    def __getattr__(self, name: str) -> Any:
        if name == "has_rules":
            self.confirm()
            return object.__getattribute__(self, name)
        return super().__getattr__(name)


def pending(user: Any) -> PendingCaller | None:
    """`user` when it is a caller not yet checked (a statement may carry the check), else None."""
    return user if isinstance(user, PendingCaller) and not user.confirmed else None
