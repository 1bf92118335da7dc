"""Registration, login (with throttling), token rotation, logout, password change, deletion."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.data.config import get_settings
from shared.data.models import AuthSession, Category, LoginFailureWindow, RefreshToken, RegistrationWindow, User
from shared.data.ownership import owned_tables
from shared.data.types import utcnow
from shared.errors import Invalid, Throttled, Unauthenticated, conflict, invalid
from shared.schemas.identity import MePatch, RegisterIn, TokenPair
from shared.services import credentials as auth

ACCOUNT_FAILURE_LIMIT = 10
ACCOUNT_LOCK = dt.timedelta(minutes=15)
ACCOUNT_LOCK_MAX = dt.timedelta(hours=24)
ADDRESS_FAILURE_LIMIT = 100
ADDRESS_WINDOW = dt.timedelta(minutes=15)
REGISTRATION_WINDOW = dt.timedelta(hours=1)
BAD_CREDENTIALS = "Invalid username or password."

DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("Groceries", "expense", "#4CAF50"),
    ("Rent", "expense", "#795548"),
    ("Utilities", "expense", "#FFC107"),
    ("Transport", "expense", "#2196F3"),
    ("Dining", "expense", "#FF5722"),
    ("Health", "expense", "#E91E63"),
    ("Entertainment", "expense", "#9C27B0"),
    ("Shopping", "expense", "#00BCD4"),
    ("Other", "expense", "#9E9E9E"),
    ("Salary", "income", "#388E3C"),
    ("Freelance", "income", "#1976D2"),
    ("Interest", "income", "#FBC02D"),
)


@dataclass
class LoginRefused:
    """A refused password check whose failure counters must still be committed (so it is returned,
    not raised)."""

    error: Unauthenticated | Throttled | Invalid


def _email_taken(session: Session, email_key: str, except_user: int | None = None) -> bool:
    query = select(User.id).where(User.email_key == email_key)
    if except_user is not None:
        query = query.where(User.id != except_user)
    return session.execute(query).first() is not None


def register(session: Session, data: RegisterIn, address: str = "unknown") -> User:
    now = utcnow()
    limit = get_settings().registration_limit_per_hour
    window = _open_window(session, RegistrationWindow, address, REGISTRATION_WINDOW, now)
    if window is not None and window.registrations >= limit:
        raise Throttled(f"At most {limit} accounts can be registered from one address per hour; try again later.",
                        retry_after=_seconds_until(window.window_start + REGISTRATION_WINDOW, now))
    username_key = data.username.lower()
    email_key = data.email.lower() if data.email else None
    if session.execute(select(User.id).where(User.username_key == username_key)).first():
        raise conflict("That username is already taken.", "username")
    if email_key and _email_taken(session, email_key):
        raise conflict("That email address is already registered.", "email")
    user = User(
        username=data.username, username_key=username_key, email=data.email, email_key=email_key,
        first_name=data.first_name, last_name=data.last_name, dob=data.dob,
        monthly_income=data.monthly_income, currency=data.currency, role="user",
        password_hash=auth.hash_password(data.password), token_version=0,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        # Two registrations raced for the same name: the loser gets the same 409 as above.
        raise conflict("That username or email address is already taken.", "username") from None
    session.add_all(
        Category(user_id=user.id, name=name, name_key=name.lower(), kind=kind, color=color)
        for name, kind, color in DEFAULT_CATEGORIES
    )
    _count_in_window(session, RegistrationWindow.registrations, address, REGISTRATION_WINDOW, now)
    session.flush()
    return user


def _issue_tokens(session: Session, user: User, auth_session: AuthSession, now: dt.datetime) -> TokenPair:
    refresh, refresh_hash = auth.new_refresh_token()
    session.add(RefreshToken(
        session_id=auth_session.id, token_hash=refresh_hash, created_at=now,
        expires_at=now + dt.timedelta(days=get_settings().refresh_token_days),
    ))
    access, lifetime = auth.create_access_token(user, auth_session.key, now)
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=lifetime)


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def _open_window(session: Session, model, address: str, length: dt.timedelta, now: dt.datetime):
    """The address's counting window (LoginFailureWindow, RegistrationWindow) if it is still open."""
    window = session.get(model, address)
    if window is not None and window.window_start + length <= now:
        return None
    return window


def _count_in_window(session: Session, counter, address: str, length: dt.timedelta, now: dt.datetime) -> None:
    """Add one to `counter` (a column of a per-address window table) in the address's window, opening
    a new window when the last one has ended: atomic statements, so concurrent instances all count."""
    model = counter.class_
    updated = session.execute(
        update(model).where(model.address == address, model.window_start > now - length)
        .values({counter: counter + 1})
    ).rowcount
    if updated:
        return
    restarted = session.execute(
        update(model).where(model.address == address).values({counter: 1, model.window_start: now})
    ).rowcount
    if restarted:
        return
    try:
        with session.begin_nested():
            session.add(model(address=address, window_start=now, **{counter.key: 1}))
    except IntegrityError:  # another instance created it a moment ago
        session.execute(update(model).where(model.address == address).values({counter: counter + 1}))


def _locked(user: User, now: dt.datetime) -> Throttled | None:
    if user.locked_until is not None and user.locked_until > now:
        return Throttled("This account is locked after too many failed password checks; try again later.",
                         retry_after=_seconds_until(user.locked_until, now))
    return None


def _count_password_failure(session: Session, user: User, now: dt.datetime) -> None:
    """One more consecutive wrong password for the account (login, password change, deletion alike);
    the tenth locks it, for longer on each repeat."""
    session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    session.refresh(user, ["failed_logins", "lockouts"])
    if user.failed_logins >= ACCOUNT_FAILURE_LIMIT:
        lock = min(ACCOUNT_LOCK * (2 ** min(user.lockouts, 10)), ACCOUNT_LOCK_MAX)
        user.locked_until = now + lock
        user.lockouts += 1
        user.failed_logins = 0


def _password_accepted(user: User) -> None:
    user.failed_logins = 0
    user.lockouts = 0
    user.locked_until = None


def login(session: Session, username: str, password: str, address: str) -> TokenPair | LoginRefused:
    now = utcnow()
    window = _open_window(session, LoginFailureWindow, address, ADDRESS_WINDOW, now)
    if window is not None and window.failures >= ADDRESS_FAILURE_LIMIT:
        return LoginRefused(Throttled("Too many failed logins from this address; try again later.",
                                      retry_after=_seconds_until(window.window_start + ADDRESS_WINDOW, now)))
    key = username.strip().lower()
    user = session.execute(
        select(User).where(or_(User.username_key == key, User.email_key == key)).order_by(User.id).limit(1)
    ).scalar_one_or_none()
    locked = _locked(user, now) if user is not None else None
    if locked is not None:
        return LoginRefused(locked)
    valid = auth.verify_password(password, user.password_hash if user else auth.dummy_hash())
    if not valid or user is None:
        _count_in_window(session, LoginFailureWindow.failures, address, ADDRESS_WINDOW, now)
        if user is not None:
            _count_password_failure(session, user, now)
        return LoginRefused(Unauthenticated(BAD_CREDENTIALS))
    _password_accepted(user)
    return start_session(session, user, now)


def start_session(session: Session, user: User, now: dt.datetime | None = None) -> TokenPair:
    """A new login for `user` (its own random key) and its first token pair."""
    now = now or utcnow()
    auth_session = AuthSession(user_id=user.id, key=auth.new_session_key(), created_at=now)
    session.add(auth_session)
    session.flush()
    return _issue_tokens(session, user, auth_session, now)


def refresh(session: Session, token: str) -> TokenPair | LoginRefused:
    now = utcnow()
    row = session.execute(
        select(RefreshToken, AuthSession, User)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .join(User, User.id == AuthSession.user_id)
        .where(RefreshToken.token_hash == auth.hash_refresh_token(token))
    ).first()
    if row is None:
        return LoginRefused(Unauthenticated("The refresh token is not valid."))
    stored, auth_session, user = row
    if auth_session.revoked_at is not None:
        return LoginRefused(Unauthenticated("The refresh token has been revoked."))
    # Mark it used atomically: of two concurrent uses exactly one wins; the other is a reuse.
    claimed = session.execute(
        update(RefreshToken).where(RefreshToken.id == stored.id, RefreshToken.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if not claimed:
        session.execute(update(AuthSession).where(AuthSession.id == auth_session.id).values(revoked_at=now))
        return LoginRefused(Unauthenticated(
            "This refresh token was already used; every token of this login is now revoked."))
    if stored.expires_at <= now:
        return LoginRefused(Unauthenticated("The refresh token has expired; log in again."))
    return _issue_tokens(session, user, auth_session, now)


def logout(session: Session, user: User, token: str) -> None:
    found = session.execute(
        select(AuthSession.id).join(RefreshToken, RefreshToken.session_id == AuthSession.id)
        .where(RefreshToken.token_hash == auth.hash_refresh_token(token), AuthSession.user_id == user.id)
    ).scalar_one_or_none()
    if found is not None:
        session.execute(update(AuthSession).where(AuthSession.id == found).values(revoked_at=utcnow()))


def revoke_everything(session: Session, user: User) -> None:
    from shared.services import access_tokens

    user.token_version += 1
    access_tokens.revoke_all(session, user.id)
    session.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def check_password(session: Session, user: User, password: str, field_name: str) -> LoginRefused | None:
    """The password check behind a token (password change, account deletion). It counts toward the
    account's lock exactly like /api/login, so a stolen access token cannot guess around the lock.
    A refusal is returned, not raised: the failure count must be committed with it."""
    now = utcnow()
    locked = _locked(user, now)
    if locked is not None:
        return LoginRefused(locked)
    if not auth.verify_password(password, user.password_hash):
        _count_password_failure(session, user, now)
        return LoginRefused(invalid(field_name, "does not match this account's password; send the current one"))
    _password_accepted(user)
    return None


def change_password(session: Session, user: User, current: str, new: str) -> LoginRefused | None:
    refused = check_password(session, user, current, "current_password")
    if refused is not None:
        return refused
    user.password_hash = auth.hash_password(new)
    revoke_everything(session, user)
    return None


def update_me(session: Session, user: User, patch: MePatch) -> User:
    changes = patch.changes()
    if "email" in changes:
        email_key = changes["email"].lower() if changes["email"] else None
        if email_key and _email_taken(session, email_key, except_user=user.id):
            raise conflict("That email address is already registered.", "email")
        user.email_key = email_key
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        session.flush()
    except IntegrityError:
        raise conflict("That email address is already registered.", "email") from None
    return user


def delete_user(session: Session, user: User, password: str) -> LoginRefused | None:
    refused = check_password(session, user, password, "password")
    if refused is not None:
        return refused
    delete_user_data(session, user.id)
    return None


def delete_user_data(session: Session, user_id: int) -> None:
    """Every row of the user, in every table the model metadata says is owned (shared/data/ownership.py),
    children first, so no engine's cascade rules are relied on."""
    for owned in reversed(owned_tables()):
        session.execute(delete(owned.table).where(owned.rows_of([user_id])))


def count_users(session: Session) -> int:
    return session.execute(select(func.count()).select_from(User)).scalar_one()
