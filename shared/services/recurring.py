"""Recurring schedules: the resource (the transaction a schedule posts is checked by the same rules
as POST /api/transactions) and where a schedule stands on its calendar (`next_date`, `last_posted`).

A schedule's occurrences before the day it is created (or before the day its rule is changed) are
not posted: a schedule is a promise about the future, and back-filling years of rent from an old
`start_date` would double what the user has already recorded. Posting lives in
shared/services/posting.py, the forecast in shared/services/forecast.py.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from shared.data.models import Account, CreditCard, IncomeSource, RecurringSchedule, ScheduledPosting, Transaction, User
from shared.data.types import utcnow
from shared.errors import invalid
from shared.schemas import Output
from shared.schemas import recurring as s
from shared.services.calendar_rules import Rule
from shared.services.resources import Resource
from shared.services.transactions import Transactions

RULE_FIELDS = frozenset({"frequency", "interval", "start_date", "end_date", "auto_post"})
RECURRING, INCOME_SOURCE = "recurring", "income_source"


def current_day() -> dt.date:
    """Today in UTC: the day the timer (01:00 UTC) and the API agree on."""
    return utcnow().date()


def schedule_rule(row: RecurringSchedule) -> Rule:
    return Rule(row.frequency, row.start_date, row.interval, row.end_date)


def income_rule(row: IncomeSource) -> Rule | None:
    if row.next_date is None:
        return None
    return Rule(row.frequency, row.anchor_date or row.next_date)


def next_expected(rule: Rule, stored: dt.date | None, today: dt.date) -> dt.date | None:
    """The first occurrence on or after today, walking from the stored next date (never earlier)."""
    if stored is None:
        return None
    return rule.next_on_or_after(max(stored, today))


def _unique_tags(tags: list[str] | None) -> list[str] | None:
    """Tags compare case-insensitively: the first spelling of each is kept."""
    if tags is None:
        return None
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.lower(), tag)
    return list(seen.values())


class RecurringSchedules(Resource[RecurringSchedule]):
    model, noun = RecurringSchedule, "recurring schedule"
    create_schema, update_schema, out_schema = s.RecurringIn, s.RecurringPatch, s.RecurringOut

    def __init__(self) -> None:
        self.transactions = Transactions()

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row) -> None:
        # The transaction it posts: the same references and shape rules as POST /api/transactions.
        self.transactions.check_references(session, user, values)
        self._one_currency(session, user, values)
        self.transactions.validate_row(session, user, dict(values), None)  # a copy: it notes the currency
        if values.get("end_date") is not None and values["end_date"] < values["start_date"]:
            raise invalid("end_date", "must be on or after start_date")

    def _one_currency(self, session: Session, user: User, values: dict[str, Any]) -> None:
        """A schedule posts one amount (it has no `to_amount`), so a transfer it posts stays in one currency;
        said here about the field the client can change, not about `to_amount`, which a schedule does not take."""
        if values.get("type") != "transfer" or values.get("account_id") is None:
            return
        for name, model in (("to_account_id", Account), ("to_credit_card_id", CreditCard)):
            if values.get(name) is None:
                continue
            leaves = self.transactions.holder_currency(session, user, Account, values["account_id"])
            arrives = self.transactions.holder_currency(session, user, model, values[name])
            if leaves and arrives and leaves != arrives:
                raise invalid(name, f"must be in the currency the money leaves in: a recurring transfer posts one "
                                    f"amount, and this one would leave in {leaves} and arrive in {arrives}; "
                                    f"choose a destination in {leaves}")

    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        if "tags" in values:
            values = {**values, "tags": _unique_tags(values["tags"])}
        return values

    def new_row(self, user: User, values: dict[str, Any]) -> RecurringSchedule:
        row = super().new_row(user, values)
        row.next_date = schedule_rule(row).next_on_or_after(max(row.start_date, current_day()))
        return row

    def update(self, session: Session, user: User, row: RecurringSchedule,
               changes: dict[str, Any]) -> RecurringSchedule:
        row = super().update(session, user, row, changes)
        if RULE_FIELDS & changes.keys():
            # A changed rule applies from today on, and never re-posts a day already posted.
            first = max(row.start_date, current_day())
            if row.last_posted is not None:
                first = max(first, row.last_posted + dt.timedelta(days=1))
            row.next_date = schedule_rule(row).next_on_or_after(first)
            session.flush()
        return row

    def before_delete(self, session: Session, user: User, row: RecurringSchedule, params) -> None:
        # What it posted stays (money that moved); it just no longer names the schedule.
        session.execute(update(Transaction).where(Transaction.recurring_id == row.id)
                        .values(recurring_id=None, updated_at=utcnow()))
        forget_postings(session, RECURRING, row.id)

    def to_out(self, session: Session, user: User, rows: list[RecurringSchedule]) -> list[Output]:
        today = current_day()
        out = []
        for row in rows:
            values = {c.key: getattr(row, c.key) for c in row.__table__.columns}
            values["tags"] = row.tags or []
            if not row.auto_post:  # nothing is posted: the next day it is expected
                values["next_date"] = next_expected(schedule_rule(row), row.next_date, today)
            out.append(s.RecurringOut.model_validate(values))
        return out


def forget_postings(session: Session, kind: str, source_id: int) -> None:
    session.execute(delete(ScheduledPosting).where(ScheduledPosting.kind == kind,
                                                   ScheduledPosting.source_id == source_id))

