"""Accounts, credit cards, income sources, categories, budgets and goals: the rules that differ
from the shared resource machinery in shared/crud.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.data.models import (
    Account,
    Budget,
    Category,
    CreditCard,
    Goal,
    GoalContribution,
    Import,
    IncomeSource,
    RecurringSchedule,
    Transaction,
    User,
)
from shared.data.types import utcnow
from shared.errors import conflict, invalid
from shared.schemas import MAX_MONEY, Output
from shared.schemas import money as s
from shared.services import balances, reports
from shared.services.months import parse_month
from shared.services.resources import CurrencyHolder, Resource


def _count(session: Session, stmt) -> int:
    return session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def _refuse_if_used(session: Session, noun: str, uses: int) -> None:
    if uses:
        raise conflict(f"This {noun} is used by {uses} transaction(s); delete or move them first.")


def _refuse_if_scheduled(session: Session, noun: str, row_id: int, *columns) -> None:
    uses = _count(session, select(RecurringSchedule.id).where(or_(*(c == row_id for c in columns))))
    if uses:
        raise conflict(f"This {noun} is used by {uses} recurring schedule(s); change or delete them first.")


def _account_uses(session: Session, account_id: int) -> int:
    return _count(session, select(Transaction.id).where(
        or_(Transaction.account_id == account_id, Transaction.to_account_id == account_id)))


def _card_uses(session: Session, card_id: int) -> int:
    return _count(session, select(Transaction.id).where(
        or_(Transaction.credit_card_id == card_id, Transaction.to_credit_card_id == card_id)))


class Accounts(CurrencyHolder, Resource[Account]):
    model, noun = Account, "account"
    holder_noun = "account"
    create_schema, update_schema, out_schema = s.AccountIn, s.AccountPatch, s.AccountOut

    def uses(self, session: Session, row: Account) -> int:
        return _account_uses(session, row.id)

    def new_row(self, user: User, values: dict[str, Any]) -> Account:
        row = super().new_row(user, values)
        row.balance = row.opening_balance  # in the INSERT itself, not a second statement
        return row

    def after_update(self, session: Session, user: User, row: Account, before: dict[str, Any]) -> None:
        delta = row.opening_balance - before["opening_balance"]
        if delta:
            balances.move_balance(session, Account, row.id, delta, "opening_balance")
            session.refresh(row, ["balance"])

    def before_delete(self, session: Session, user: User, row: Account, params) -> None:
        _refuse_if_used(session, "account", _account_uses(session, row.id))
        _refuse_if_scheduled(session, "account", row.id, RecurringSchedule.account_id, RecurringSchedule.to_account_id)
        # Its import records only (every transaction they made is gone by now, or the delete is refused).
        session.execute(delete(Import).where(Import.account_id == row.id))
        session.execute(update(IncomeSource).where(IncomeSource.account_id == row.id).values(account_id=None))


class CreditCards(CurrencyHolder, Resource[CreditCard]):
    model, noun = CreditCard, "credit card"
    holder_noun = "credit card"
    create_schema, update_schema, out_schema = s.CreditCardIn, s.CreditCardPatch, s.CreditCardOut

    def uses(self, session: Session, row: CreditCard) -> int:
        return _card_uses(session, row.id)

    def before_delete(self, session: Session, user: User, row: CreditCard, params) -> None:
        _refuse_if_used(session, "credit card", _card_uses(session, row.id))
        _refuse_if_scheduled(session, "credit card", row.id, RecurringSchedule.credit_card_id,
                             RecurringSchedule.to_credit_card_id)
        session.execute(delete(Import).where(Import.credit_card_id == row.id))


_SOURCE_RULE = frozenset({"next_date", "frequency", "account_id"})


def _next_from_today(row: IncomeSource) -> None:
    """Where a source stands once the client has set its calendar (or where it posts to): the first occurrence
    from today on. Days before that are not posted (a next_date written in the past never back-fills income the
    user may have recorded by hand); from then on `next_date` only moves when the timer posts, so a late timer
    catches up every day it missed, whatever else the client changed meanwhile (a name, an amount)."""
    from shared.services.recurring import current_day, income_rule

    rule = income_rule(row)
    if rule is not None:
        row.next_date = rule.next_on_or_after(max(row.next_date, current_day()))


class IncomeSources(Resource[IncomeSource]):
    model, noun = IncomeSource, "income source"
    create_schema, update_schema, out_schema = s.IncomeSourceIn, s.IncomeSourcePatch, s.IncomeSourceOut
    references = {"account_id": Account}

    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        if "next_date" in values:  # the day the calendar keeps to (shared/services/recurring.py)
            values = {**values, "anchor_date": values["next_date"]}
        return values

    def new_row(self, user: User, values: dict[str, Any]) -> IncomeSource:
        row = super().new_row(user, values)
        _next_from_today(row)
        return row

    def update(self, session: Session, user: User, row: IncomeSource, changes: dict[str, Any]) -> IncomeSource:
        row = super().update(session, user, row, changes)
        if _SOURCE_RULE & changes.keys():
            _next_from_today(row)
            session.flush()
        return row

    def before_delete(self, session: Session, user: User, row: IncomeSource, params) -> None:
        from shared.services.recurring import INCOME_SOURCE, forget_postings

        # Past income stays income; it just no longer names the source.
        session.execute(update(Transaction).where(Transaction.income_source_id == row.id)
                        .values(income_source_id=None))
        forget_postings(session, INCOME_SOURCE, row.id)


class Categories(Resource[Category]):
    model, noun = Category, "category"
    create_schema, update_schema, out_schema = s.CategoryIn, s.CategoryPatch, s.CategoryOut
    delete_query = s.CategoryDeleteQuery

    def order_by(self, params) -> list[Any]:
        return [Category.kind, Category.name_key, Category.id]

    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("name") is not None:
            values = {**values, "name_key": values["name"].lower()}
        return values

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row: Category | None) -> None:
        name_key = values["name"].lower()
        taken = select(Category.id).where(Category.user_id == user.id, Category.name_key == name_key)
        if row is not None:
            taken = taken.where(Category.id != row.id)
            if values["kind"] != row.kind:
                uses = _count(session, select(Transaction.id).where(Transaction.category_id == row.id))
                budgets = _count(session, select(Budget.id).where(Budget.category_id == row.id))
                if uses or budgets:
                    raise conflict(f"This category is used by {uses} transaction(s) and {budgets} budget(s) "
                                   f"of its kind; its kind cannot change.", "kind")
        if session.execute(taken).first() is not None:
            raise conflict(f"You already have a category named {values['name']!r}.", "name")

    def create(self, session: Session, user: User, data) -> Category:
        try:
            with session.begin_nested():
                return super().create(session, user, data)
        except IntegrityError:
            raise conflict("You already have a category with that name.", "name") from None

    def before_delete(self, session: Session, user: User, row: Category, params) -> None:
        target_id = getattr(params, "reassign_to", None)
        if target_id is not None:
            target = session.execute(
                select(Category).where(Category.id == target_id, Category.user_id == user.id)
            ).scalar_one_or_none()
            if target is None:
                raise invalid("reassign_to", f"names no category of yours (id {target_id})", where="query")
            if target.id == row.id:
                raise invalid("reassign_to", "must be another category than the one deleted", where="query")
            if target.kind != row.kind:
                raise invalid("reassign_to", f"must be an {row.kind} category like the one deleted", where="query")
            session.execute(update(Transaction).where(Transaction.category_id == row.id)
                            .values(category_id=target.id, updated_at=utcnow()))
            session.execute(update(RecurringSchedule).where(RecurringSchedule.category_id == row.id)
                            .values(category_id=target.id, updated_at=utcnow()))
            balances.move_category(session, user.id, row.id, target.id)
        else:
            uses = _count(session, select(Transaction.id).where(Transaction.category_id == row.id))
            if uses:
                raise conflict(f"This category is used by {uses} transaction(s); pass ?reassign_to=<id> to move "
                               "them to another category first.")
            scheduled = _count(session, select(RecurringSchedule.id).where(RecurringSchedule.category_id == row.id))
            if scheduled:
                raise conflict(f"This category is used by {scheduled} recurring schedule(s); pass ?reassign_to=<id> "
                               "to move them to another category first.")
        balances.forget_category(session, user.id, row.id)  # only empty totals are left by now
        # A budget is a plan for the category, not a money record: it goes with it.
        session.execute(delete(Budget).where(Budget.category_id == row.id))


class Budgets(Resource[Budget]):
    model, noun = Budget, "budget"
    create_schema, update_schema, out_schema = s.BudgetIn, s.BudgetPatch, s.BudgetOut
    list_query = s.BudgetQuery

    def filter(self, stmt, params):
        if params.month:
            stmt = stmt.where(Budget.month == params.month)
        return stmt

    def order_by(self, params) -> list[Any]:
        return [Budget.month.desc(), Budget.category_id, Budget.id]

    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("month"):
            period = parse_month(values["month"])
            values = {**values, "start_date": period.start, "end_date": period.end}
        return values

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row: Budget | None) -> None:
        kind = session.execute(select(Category.kind).where(
            Category.id == values["category_id"], Category.user_id == user.id)).scalar_one_or_none()
        if kind is None:
            raise invalid("category_id", f"names no category of yours (id {values['category_id']})")
        if kind != "expense":
            raise invalid("category_id", "must be an expense category: a budget limits spending")
        clash = select(Budget.id).where(Budget.user_id == user.id, Budget.category_id == values["category_id"],
                                        Budget.month == values["month"])
        if row is not None:
            clash = clash.where(Budget.id != row.id)
        if session.execute(clash).first() is not None:
            raise conflict("There is already a budget for that category and month.", "category_id")

    def create(self, session: Session, user: User, data) -> Budget:
        try:
            with session.begin_nested():
                return super().create(session, user, data)
        except IntegrityError:
            raise conflict("There is already a budget for that category and month.", "category_id") from None

    def to_out(self, session: Session, user: User, rows: list[Budget]) -> list[Output]:
        if not rows:
            return []
        # The month's expenses in the category, in the user's currency: the same figure the monthly
        # report's budget lines read, from one ledger read spanning the page's months.
        months = [parse_month(r.month) for r in rows]
        book = reports.ledger(session, user, min(m.start for m in months), max(m.end for m in months),
                              kinds=("expense",))
        spent = reports.spent_by_month_and_category(book)
        return [s.BudgetOut.model_validate({**_columns(r), "spent": spent.get((r.month, r.category_id), Decimal(0))})
                for r in rows]


def _columns(row) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


class Goals(Resource[Goal]):
    model, noun = Goal, "goal"
    create_schema, update_schema, out_schema = s.GoalIn, s.GoalPatch, s.GoalOut

    def contribute(self, session: Session, user: User, goal_id: int, data: s.ContributionIn) -> s.ContributionOut:
        goal = self.get(session, user, goal_id)
        # One atomic UPDATE: concurrent contributions all count (no read-modify-write). The bound is in
        # the same statement, so savings never pass what a client may write (nor overflow the column).
        added = session.execute(
            update(Goal)
            .where(Goal.id == goal.id, Goal.user_id == user.id, Goal.current_savings <= MAX_MONEY - data.amount)
            .values(current_savings=Goal.current_savings + data.amount, updated_at=utcnow()))
        if added.rowcount != 1:
            raise invalid("amount", f"would take the goal's savings past {MAX_MONEY}")
        contribution = GoalContribution(goal_id=goal.id, user_id=user.id, amount=data.amount,
                                        date=data.date or dt.date.today())
        session.add(contribution)
        session.flush()
        session.refresh(goal)
        out = s.GoalOut.model_validate(goal)
        return s.ContributionOut(id=contribution.id, goal_id=goal.id, amount=contribution.amount,
                                 date=contribution.date, goal=out)

    def before_delete(self, session: Session, user: User, row: Goal, params) -> None:
        session.execute(delete(GoalContribution).where(GoalContribution.goal_id == row.id))

