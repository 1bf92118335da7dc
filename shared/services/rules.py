"""Rules: the caller's conditions and actions that fill in category, payee, description and tags.

`RuleSet.load(session, user_id)` reads the active rules once (priority order, then id) and
`RuleSet.apply(values, sent)` runs them on one transaction's values; `apply_rules` is the one-call
form for a single transaction (POST /api/transactions, recurring postings). A field the client
(or the imported file) sent is never overwritten; a later rule may overwrite what an earlier one
set unless that one had `stop` (then no later rule runs); a category of the wrong kind is skipped.

Patterns are the caller's own text, so `regex` runs on RE2 (linear time, no backtracking): no
pattern can stall a request, and Python's `re` never sees one.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import re2
from sqlalchemy import bindparam, select, true, update
from sqlalchemy.orm import Session

from shared.data import prepared
from shared.data.models import Account, Category, CreditCard, Rule, Transaction, User
from shared.data.types import utcnow
from shared.errors import Invalid
from shared.schemas import rules as s
from shared.schemas.money import MAX_TAGS
from shared.services import balances, tags
from shared.services.resources import Resource

RULE_FIELDS = ("category_id", "payee", "description")
MAX_RUN_ITEMS = 100
_PAGE = 1000


def compile_pattern(pattern: str):
    """An RE2 program for a user's pattern, case-insensitive; ValueError with RE2's reason otherwise."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 1 << 20  # a pattern needing more than 1 MiB of program is refused, not run
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "not a valid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"the pattern cannot run on a linear-time engine: {reason}") from None


Test = Callable[[Mapping[str, Any]], bool]


def _condition(cond: Mapping[str, Any]) -> Test:
    field, op, value = cond["field"], cond["op"], cond["value"]
    if field in s.TEXT_FIELDS:
        if op == "regex":
            program = compile_pattern(value)
            return lambda v: v.get(field) is not None and program.search(v[field]) is not None
        needle = value.casefold()
        text_test = {"contains": lambda t: needle in t, "equals": lambda t: t == needle,
                     "starts_with": lambda t: t.startswith(needle)}[op]
        return lambda v: v.get(field) is not None and text_test(v[field].casefold())
    if field == "amount":
        if op == "between":
            low, high = Decimal(value[0]), Decimal(value[1])
            return lambda v: low <= v["amount"] <= high
        bound = Decimal(value)
        return {"equals": lambda v: v["amount"] == bound, "gt": lambda v: v["amount"] > bound,
                "lt": lambda v: v["amount"] < bound}[op]
    return lambda v: v.get(field) == value


class CompiledRule:
    def __init__(self, row: Rule):
        self.id, self.stop, self.actions = row.id, row.stop, row.actions
        self.tests = [_condition(c) for c in row.conditions]

    def matches(self, values: Mapping[str, Any]) -> bool:
        return all(test(values) for test in self.tests)


# What a CompiledRule reads of a rule, and the kinds of the caller's categories.
_ACTIVE_RULES = (select(Rule.id, Rule.stop, Rule.actions, Rule.conditions)
                 .where(Rule.user_id == bindparam("user_id"), Rule.active == true()).order_by(Rule.priority, Rule.id))
_CATEGORY_KINDS = select(Category.id, Category.kind).where(Category.user_id == bindparam("user_id"))


class RuleSet:
    """The caller's active rules, compiled once, with the kinds of their categories."""

    def __init__(self, rules: Iterable[Rule], category_kinds: Mapping[int, str]):
        self.rules = [CompiledRule(r) for r in rules]
        self.kinds = dict(category_kinds)

    @classmethod
    def load(cls, session: Session, user_id: int) -> RuleSet:
        # Statements built once, run as prepared ones: a write runs this on every create.
        rows = prepared.run(session, _ACTIVE_RULES, {"user_id": user_id})
        kinds = prepared.run(session, _CATEGORY_KINDS, {"user_id": user_id}) if rows else []
        return cls(rows, dict(kinds))

    def __bool__(self) -> bool:
        return bool(self.rules)

    def apply(self, values: dict[str, Any], sent: Iterable[str] = ()) -> dict[str, Any]:
        """Run the rules on `values` (changed in place and returned); `sent` fields are never touched."""
        locked = set(sent)
        for rule in self.rules:
            if not rule.matches(values):
                continue
            self.act(rule.actions, values, locked)
            if rule.stop:
                break
        return values

    def act(self, actions: list[Mapping[str, Any]], values: dict[str, Any], locked: set[str]) -> None:
        for action in actions:
            if "add_tag" in action:
                if "tags" in locked:
                    continue
                current = list(values.get("tags") or [])
                if len(current) < MAX_TAGS and action["add_tag"].lower() not in {t.lower() for t in current}:
                    values["tags"] = [*current, action["add_tag"]]
                continue
            field = action["set"]
            if field in locked:
                continue
            if field == "category_id" and self.kinds.get(action["value"]) != values.get("type"):
                continue  # a category of another kind (or one since deleted) would make it invalid
            values[field] = action["value"]


def apply_rules(session: Session, user: User, values: dict[str, Any], sent_fields: Iterable[str]) -> dict[str, Any]:
    """Run the caller's active rules on one transaction's values before it is written (the POST
    /api/transactions path, and any service that posts transactions on the caller's behalf).
    `values` holds the transaction's fields (type, amount, date, description, payee, category_id,
    account_id, credit_card_id, tags ...); the fields in `sent_fields` are kept as they are."""
    if getattr(user, "has_rules", None) is False:  # the write's caller check read that they have none
        return values
    return RuleSet.load(session, user.id).apply(values, sent_fields)


# --- the /api/rules resource -----------------------------------------------------------------------

def _dump_condition(c: Any) -> dict[str, Any]:
    return c if isinstance(c, dict) else {"field": c.field, "op": c.op, "value": c.value}


def _dump_action(a: Any) -> dict[str, Any]:
    if isinstance(a, dict):
        return a
    return {"add_tag": a.add_tag} if a.add_tag is not None else {"set": a.set, "value": a.value}


class Rules(Resource[Rule]):
    model, noun = Rule, "rule"
    create_schema, update_schema, out_schema = s.RuleIn, s.RulePatch, s.RuleOut

    def order_by(self, params) -> list[Any]:
        return [Rule.priority, Rule.id]

    def to_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        values = dict(values)
        if values.get("conditions") is not None:
            values["conditions"] = [_dump_condition(c) for c in values["conditions"]]
        if values.get("actions") is not None:
            values["actions"] = [_dump_action(a) for a in values["actions"]]
        return values

    def current_values(self, row: Rule) -> dict[str, Any]:
        return {name: getattr(row, name) for name in ("name", "priority", "active", "stop", "conditions", "actions")}

    def validate_row(self, session: Session, user: User, values: dict[str, Any], row: Rule | None) -> None:
        errors = []
        owned = {"account_id": Account, "credit_card_id": CreditCard}
        for index, cond in enumerate(_dump_condition(c) for c in values["conditions"]):
            if cond["op"] == "regex":
                try:
                    compile_pattern(cond["value"])
                except ValueError as exc:
                    errors.append({"field": f"conditions.{index}.value", "message": str(exc)})
            elif cond["field"] in owned and not self._owns(session, user, owned[cond["field"]], cond["value"]):
                noun = "account" if cond["field"] == "account_id" else "credit card"
                errors.append({"field": f"conditions.{index}.value", "message": f"no {noun} with id {cond['value']}"})
        for index, action in enumerate(_dump_action(a) for a in values["actions"]):
            if action.get("set") == "category_id" and not self._owns(session, user, Category, action["value"]):
                errors.append({"field": f"actions.{index}.value", "message": f"no category with id {action['value']}"})
        if errors:
            raise Invalid("The rule is not valid: " + "; ".join(f"{e['field']} {e['message']}" for e in errors) + ".",
                          errors=errors)

    @staticmethod
    def _owns(session: Session, user: User, model, row_id: int) -> bool:
        return session.execute(select(model.id).where(model.id == row_id, model.user_id == user.id)).first() is not None

    def run(self, session: Session, user: User, rule_id: int, params: s.RuleRunIn) -> s.RuleRunOut:
        """Apply one rule to the caller's existing transactions in a date range. Asked for explicitly,
        it sets its fields whatever they hold (a category of the wrong kind is still skipped); without
        dry_run the changes go through the ledger, so monthly totals follow a category change."""
        rule = self.get(session, user, rule_id)
        kinds = dict(session.execute(select(Category.id, Category.kind).where(Category.user_id == user.id)).all())
        engine = RuleSet([rule], kinds)
        compiled = engine.rules[0]
        matched = changed = 0
        items: list[s.RuleRunItem] = []
        change = balances.Change()
        now = utcnow()
        for page in _pages(session, user.id, params.date_from, params.date_to):
            hits = [t for t in page if compiled.matches(_values_of(t))]
            if not hits:
                continue
            matched += len(hits)
            tag_names = tags.of(session, [t.id for t in hits])
            updates, retagged = [], {}
            for row in hits:
                before = {**_values_of(row), "tags": tag_names.get(row.id, [])}
                after = dict(before)
                engine.act(compiled.actions, after, set())
                if all(before[f] == after[f] for f in (*RULE_FIELDS, "tags")):
                    continue
                changed += 1
                if len(items) < MAX_RUN_ITEMS:
                    items.append(s.RuleRunItem(transaction_id=row.id, date=row.date, amount=row.amount,
                                               before=s.RuleFields(**{k: before[k] for k in (*RULE_FIELDS, "tags")}),
                                               after=s.RuleFields(**{k: after[k] for k in (*RULE_FIELDS, "tags")})))
                updates.append({"id": row.id, "updated_at": now, **{f: after[f] for f in RULE_FIELDS}})
                if after["tags"] != before["tags"]:
                    retagged[row.id] = after["tags"]
                change.add(before, -1).add(after, +1)
            if not params.dry_run and updates:
                session.execute(update(Transaction), updates)
                if retagged:
                    tags.link(session, user.id, retagged)
        if not params.dry_run:
            change.apply(session, user.id)
        return s.RuleRunOut(dry_run=params.dry_run, matched=matched, changed=changed, items=items)


_COLUMNS = ("id", "type", "amount", "date", "description", "payee", "category_id", "account_id",
            "credit_card_id", "to_account_id", "to_credit_card_id", "currency", "to_amount")


def _values_of(row) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _COLUMNS}


def _pages(session: Session, user_id: int, date_from: dt.date | None, date_to: dt.date | None):
    """The user's transactions in keyset pages by id: memory stays flat however long the history."""
    stmt = select(*(getattr(Transaction, c) for c in _COLUMNS)).where(Transaction.user_id == user_id)
    if date_from:
        stmt = stmt.where(Transaction.date >= date_from)
    if date_to:
        stmt = stmt.where(Transaction.date <= date_to)
    last = 0
    while True:
        page = session.execute(stmt.where(Transaction.id > last).order_by(Transaction.id).limit(_PAGE)).all()
        if not page:
            return
        yield page
        last = page[-1].id
