"""The recurring timer's job: post every due occurrence of every `auto_post` schedule, and of every
income source linked to an account, each exactly once, through the same service as POST
/api/transactions (its rules, ledger and validation).

Exactly once, however the job is run (twice, by two instances at once, or after days of downtime):
- each source is handled in its own database transaction, holding its row lock (SELECT … FOR
  UPDATE; SQLite takes its write lock at BEGIN), and walks from its stored `next_date` up to today,
  so a late run catches up every missed day once and a second run finds nothing due;
- the real guard is `scheduled_postings`' unique key (kind, source, occurrence date): an occurrence
  someone else already posted refuses the insert, and that occurrence is skipped.

One source that cannot post (say a balance would pass what the ledger keeps) is rolled back alone,
reported with its reason, and tried again on the next run; the others are posted.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.data.db import run_unit_of_work
from shared.data.models import IncomeSource, RecurringSchedule, ScheduledPosting, User
from shared.errors import DomainError
from shared.schemas.money import TransactionIn
from shared.services.recurring import (
    INCOME_SOURCE,
    RECURRING,
    current_day,
    income_rule,
    schedule_rule,
)
from shared.services.transactions import Transactions

log = logging.getLogger("finance.recurring")
_DAY = dt.timedelta(days=1)


@dataclass
class PostingRun:
    day: dt.date
    sources: int = 0
    posted: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "sources": self.sources, "posted": self.posted,
                "skipped": self.skipped}


def due_sources(session: Session, today: dt.date, user_id: int | None = None) -> list[tuple[str, int]]:
    """(kind, id) of every schedule and income source whose next date has come (of one user, if given)."""
    found = []
    for kind, model, posts in ((RECURRING, RecurringSchedule, RecurringSchedule.auto_post == true()),
                               (INCOME_SOURCE, IncomeSource, IncomeSource.account_id.is_not(None))):
        due = select(model.id).where(or_(
            and_(posts, model.next_date <= today),
            model.next_date < today,  # not posted (forecast only): its next date just moves on
        ))
        if user_id is not None:
            due = due.where(model.user_id == user_id)
        found += [(kind, i) for i in session.execute(due.order_by(model.id)).scalars()]
    return found


def post_due(today: dt.date | None = None, *, user_id: int | None = None,
             unit_of_work: Callable[[Callable[[Session], Any]], Any] = run_unit_of_work) -> PostingRun:
    """The whole job: every due source (of one user, if given), one database transaction each."""
    run = PostingRun(today or current_day())
    for kind, source_id in unit_of_work(lambda session: due_sources(session, run.day, user_id)):
        run.sources += 1
        try:
            run.posted += unit_of_work(
                lambda session, kind=kind, source_id=source_id: post_source(session, kind, source_id, run.day))
        except DomainError as exc:
            log.warning("%s %s not posted: %s", kind, source_id, exc.detail)
            run.skipped.append({"kind": kind, "id": source_id, "reason": exc.detail})
    log.info("recurring run for %s: %d sources, %d posted, %d skipped", run.day, run.sources, run.posted,
             len(run.skipped))
    return run


def post_source(session: Session, kind: str, source_id: int, today: dt.date) -> int:
    """Post one source's due occurrences up to `today` and move its next date; how many were posted."""
    model = RecurringSchedule if kind == RECURRING else IncomeSource
    locked = select(model).where(model.id == source_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        locked = locked.with_for_update()
    row = session.execute(locked).scalar_one_or_none()
    if row is None or row.next_date is None or row.next_date > today:
        return 0  # deleted, finished, or another run got here first
    if kind == RECURRING:
        rule, posts = schedule_rule(row), row.auto_post
    else:
        rule, posts = income_rule(row), row.account_id is not None
    if not posts:
        row.next_date = rule.next_on_or_after(today)
        return 0
    user = session.get(User, row.user_id)
    posted = 0
    # From the stored next date: it is never before the day the client set the calendar (schedules and income
    # sources alike start at their first occurrence from that day), so walking from it catches up every day a
    # late run missed, and back-fills nothing from before.
    for day in rule.occurrences(first=row.next_date, last=today):
        if _post_occurrence(session, user, kind, row, day):
            posted += 1
        if kind == RECURRING:
            row.last_posted = day
    row.next_date = rule.next_on_or_after(today + _DAY) if today < dt.date.max else None
    session.flush()
    return posted


def _post_occurrence(session: Session, user: User, kind: str, row, day: dt.date) -> bool:
    try:
        with session.begin_nested():
            posting = ScheduledPosting(user_id=user.id, kind=kind, source_id=row.id, occurrence_date=day)
            session.add(posting)
            session.flush()
    except IntegrityError:
        log.info("%s %s: %s was already posted", kind, row.id, day)
        return False
    service = Transactions()
    transaction = service.create(session, user, TransactionIn.model_validate(_transaction_fields(kind, row, day)))
    if kind == RECURRING:
        transaction.recurring_id = row.id
    posting.transaction_id = transaction.id
    session.flush()
    return True


def _transaction_fields(kind: str, row, day: dt.date) -> dict[str, Any]:
    """The body POST /api/transactions would get: only the fields it knows, only those set."""
    if kind == INCOME_SOURCE:
        fields = {"type": "income", "amount": row.amount, "date": day, "account_id": row.account_id,
                  "income_source_id": row.id, "description": row.name}
    else:
        fields = {name: getattr(row, name) for name in (
            "type", "amount", "category_id", "account_id", "credit_card_id", "to_account_id", "to_credit_card_id",
            "payee", "tags")}
        fields.update(date=day, description=row.description or row.name)
    known = TransactionIn.model_fields
    return {name: value for name, value in fields.items() if name in known and value not in (None, [])}
