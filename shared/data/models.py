"""The tables. Every owned row carries `user_id`; cascades form a tree (SQL Server allows one path)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Unicode,
    UnicodeText,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.data.types import Money, Quantity, ExactDecimal, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _owner() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


# --- identity -------------------------------------------------------------------------------

class User(Timestamps, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Unicode(32), nullable=False)
    username_key: Mapped[str] = mapped_column(Unicode(32), nullable=False, unique=True)
    email: Mapped[str | None] = mapped_column(Unicode(254))
    email_key: Mapped[str | None] = mapped_column(Unicode(254))
    first_name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    last_name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    dob: Mapped[dt.date | None] = mapped_column(Date)
    monthly_income: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")
    role: Mapped[str] = mapped_column(Unicode(16), nullable=False, default="user")
    password_hash: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # SQL Server treats NULLs as equal in a unique index, so the index is filtered there.
        Index(
            "uq_users_email_key",
            "email_key",
            unique=True,
            mssql_where=text("email_key IS NOT NULL"),
        ),
    )


class AuthSession(Base):
    """One login: its refresh tokens form a family; revoking it ends its access tokens too."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(Unicode(64), nullable=False, unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class LoginFailureWindow(Base):
    """Failed logins per client address in a fixed 15-minute window (shared by every instance)."""

    __tablename__ = "login_failure_windows"
    address: Mapped[str] = mapped_column(Unicode(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    scope: Mapped[str] = mapped_column(Unicode(200), nullable=False)
    key: Mapped[str] = mapped_column(Unicode(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str] = mapped_column(UnicodeText, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)


# --- everyday money -------------------------------------------------------------------------

class Account(Timestamps, Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    type: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    institution: Mapped[str | None] = mapped_column(Unicode(100))
    opening_balance: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    # opening_balance + income - expenses - transfers out + transfers in, kept in step by every write
    balance: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))


class CreditCard(Timestamps, Base):
    __tablename__ = "credit_cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    issuer: Mapped[str | None] = mapped_column(Unicode(100))
    last4: Mapped[str | None] = mapped_column(Unicode(4))
    credit_limit: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    apr: Mapped[Decimal | None] = mapped_column(ExactDecimal(7, 3))
    statement_day: Mapped[int] = mapped_column(Integer, nullable=False)
    due_day: Mapped[int] = mapped_column(Integer, nullable=False)
    # charges - payments, kept in step by every write
    balance: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))


class Category(Timestamps, Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    name_key: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    kind: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    color: Mapped[str | None] = mapped_column(Unicode(7))
    __table_args__ = (UniqueConstraint("user_id", "name_key"),)


class IncomeSource(Timestamps, Base):
    __tablename__ = "income_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    frequency: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    next_date: Mapped[dt.date | None] = mapped_column(Date)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)


class Transaction(Timestamps, Base):
    __tablename__ = "transactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    description: Mapped[str | None] = mapped_column(Unicode(500))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"))
    to_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    to_credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"))
    income_source_id: Mapped[int | None] = mapped_column(ForeignKey("income_sources.id"))
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_transactions_user_date", "user_id", "date", "id"),
        Index("ix_transactions_user_category_date", "user_id", "category_id", "date"),
        Index("ix_transactions_account", "account_id"),
        Index("ix_transactions_to_account", "to_account_id"),
        Index("ix_transactions_credit_card", "credit_card_id"),
        Index("ix_transactions_to_credit_card", "to_credit_card_id"),
        Index("ix_transactions_income_source", "income_source_id"),
    )


class MonthlyTotal(Base):
    """Per user, month, type and category: the sum and count of transactions, kept exactly in step
    with every write (shared/services/balances.py), so reports over whole months never scan history."""

    __tablename__ = "monthly_totals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    month: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the month's first day
    type: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    category_key: Mapped[int] = mapped_column(Integer, nullable=False)  # the category id, 0 for none
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (
        UniqueConstraint("user_id", "month", "type", "category_key"),
        Index("ix_monthly_totals_user_category", "user_id", "category_key"),
    )


class Budget(Timestamps, Base):
    __tablename__ = "budgets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    # No cascade: SQL Server allows one cascade path per table (users -> budgets); the service
    # deletes a category's budgets itself.
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), nullable=False)
    month: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    # The month's first and last day, derived from `month`, so spending joins on plain date ranges.
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "category_id", "month"), Index("ix_budgets_user_month", "user_id", "month"))


class Goal(Timestamps, Base):
    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    title: Mapped[str] = mapped_column(Unicode(200), nullable=False)
    target_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    current_savings: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    target_date: Mapped[dt.date | None] = mapped_column(Date)


class GoalContribution(Base):
    __tablename__ = "goal_contributions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --- investments ----------------------------------------------------------------------------

class Portfolio(Timestamps, Base):
    __tablename__ = "portfolios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)


class Asset(Timestamps, Base):
    __tablename__ = "assets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    type: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    symbol: Mapped[str | None] = mapped_column(Unicode(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    amount_invested: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    purchase_date: Mapped[dt.date] = mapped_column(Date, nullable=False)


class AssetPrice(Timestamps, Base):
    __tablename__ = "asset_prices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    price: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    __table_args__ = (UniqueConstraint("asset_id", "date"),)


# --- scheduled summaries --------------------------------------------------------------------

class PeriodSummary(Base):
    __tablename__ = "period_summaries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    granularity: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    period: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    income: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    expenses: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    net: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    outcome: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "granularity", "period"),)


class SummaryRun(Base):
    __tablename__ = "summary_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(Unicode(64), nullable=False, index=True)
    period: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    status: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    batches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    users: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
