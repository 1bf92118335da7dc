"""Accounts, cards, categories, income sources, transactions, kept monthly totals, budgets, goals."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Unicode,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, Timestamps, owner_id_column
from shared.data.types import ExactDecimal, Money, UTCDateTime, utcnow


class Account(Timestamps, Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    type: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    institution: Mapped[str | None] = mapped_column(Unicode(100))
    opening_balance: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")
    # opening_balance + income - expenses - transfers out + transfers in, kept in step by every write
    balance: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))


class CreditCard(Timestamps, Base):
    __tablename__ = "credit_cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    issuer: Mapped[str | None] = mapped_column(Unicode(100))
    last4: Mapped[str | None] = mapped_column(Unicode(4))
    credit_limit: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    apr: Mapped[Decimal | None] = mapped_column(ExactDecimal(7, 3))
    statement_day: Mapped[int] = mapped_column(Integer, nullable=False)
    due_day: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")
    # charges - payments, kept in step by every write
    balance: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))


class Category(Timestamps, Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    name_key: Mapped[str] = mapped_column(Unicode(64), nullable=False)
    kind: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    color: Mapped[str | None] = mapped_column(Unicode(7))
    __table_args__ = (UniqueConstraint("user_id", "name_key"),)


class IncomeSource(Timestamps, Base):
    __tablename__ = "income_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    name: Mapped[str] = mapped_column(Unicode(100), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    frequency: Mapped[str] = mapped_column(Unicode(16), nullable=False)
    next_date: Mapped[dt.date | None] = mapped_column(Date)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    # The day of the client's last `next_date`: what the calendar rule keeps to (a monthly source
    # on the 31st stays on month ends after February).
    anchor_date: Mapped[dt.date | None] = mapped_column(Date)


class Transaction(Timestamps, Base):
    __tablename__ = "transactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # The account's or card's currency (the user's when neither), fixed when written: a holder's
    # currency cannot change once transactions use it.
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")
    # A transfer between holders of different currencies: the amount that arrived, in the destination's.
    to_amount: Mapped[Decimal | None] = mapped_column(Money())
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    description: Mapped[str | None] = mapped_column(Unicode(500))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"))
    to_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    to_credit_card_id: Mapped[int | None] = mapped_column(ForeignKey("credit_cards.id"))
    income_source_id: Mapped[int | None] = mapped_column(ForeignKey("income_sources.id"))
    recurring_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_schedules.id"))
    payee: Mapped[str | None] = mapped_column(Unicode(100))
    # Imports: the bank's own id of the line (OFX FITID), the import that created the row, and the
    # key that makes a second copy of an imported line impossible (unique per user, see below).
    fitid: Mapped[str | None] = mapped_column(Unicode(255))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    import_key: Mapped[str | None] = mapped_column(Unicode(64))
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # The real guard against duplicate imports (two imports racing on one file included): a
        # digest of the account or card and the line's FITID, or its date, amount, description and
        # occurrence in the file. Filtered, so SQL Server allows the many rows without one.
        Index("ux_transactions_user_import_key", "user_id", "import_key", unique=True,
              postgresql_where=text("import_key IS NOT NULL"), sqlite_where=text("import_key IS NOT NULL"),
              mssql_where=text("import_key IS NOT NULL")),
        Index("ix_transactions_import", "import_id"),
        Index("ix_transactions_user_date", "user_id", "date", "id"),
        Index("ix_transactions_user_category_date", "user_id", "category_id", "date"),
        Index("ix_transactions_account", "account_id"),
        Index("ix_transactions_to_account", "to_account_id"),
        Index("ix_transactions_credit_card", "credit_card_id"),
        Index("ix_transactions_to_credit_card", "to_credit_card_id"),
        Index("ix_transactions_income_source", "income_source_id"),
        Index("ix_transactions_recurring", "recurring_id"),
    )


# Text search (`q`) on PostgreSQL: the trigrams of lower(description), so a search reads the rows that
# contain the term, not the caller's whole history (migration 0003_text_search says what the other
# databases do). Created on PostgreSQL only.
Index("ix_transactions_description_trgm", func.lower(Transaction.description).label("description_lower"),
      postgresql_using="gin", postgresql_ops={"description_lower": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


class MonthlyTotal(Base):
    """Per user, month, type, category and currency: the sum and count of transactions, kept exactly in step
    with every write (shared/services/balances.py), so reports over whole months never scan history."""

    __tablename__ = "monthly_totals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    month: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the month's first day
    type: Mapped[str] = mapped_column(Unicode(8), nullable=False)
    category_key: Mapped[int] = mapped_column(Integer, nullable=False)  # the category id, 0 for none
    currency: Mapped[str] = mapped_column(Unicode(3), nullable=False, default="USD")
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (
        UniqueConstraint("user_id", "month", "type", "category_key", "currency"),
        Index("ix_monthly_totals_user_category", "user_id", "category_key"),
    )


class Budget(Timestamps, Base):
    __tablename__ = "budgets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    # No cascade: SQL Server allows one cascade path per table (users -> budgets); the service
    # deletes a category's budgets itself.
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), nullable=False)
    month: Mapped[str] = mapped_column(Unicode(7), nullable=False)
    # The month's first and last day, derived from `month`, so spending joins on plain date ranges.
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "category_id", "month"),
                      Index("ix_budgets_user_month", "user_id", "month"))


class Goal(Timestamps, Base):
    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
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
