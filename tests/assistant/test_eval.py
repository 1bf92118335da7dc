"""Accuracy of `understand()` on the hand-written evaluation set: a phrasing counts only when its
intent and every slot it names (and the defaults below) come out right."""
from __future__ import annotations

from decimal import Decimal

from shared.services.assistant.nlu import CategoryRef, NamedRef, Understanding, understand
from tests.assistant.eval_set import (
    ACCOUNTS,
    CASES,
    EXPENSE_CATEGORIES,
    GOALS,
    INCOME_CATEGORIES,
    THIS_MONTH,
    TODAY,
    Case,
)

REQUIRED_ACCURACY = 0.95

CATEGORIES = [CategoryRef(i, name, "expense") for i, name in enumerate(EXPENSE_CATEGORIES, start=1)] + [
    CategoryRef(i, name, "income") for i, name in enumerate(INCOME_CATEGORIES, start=len(EXPENSE_CATEGORIES) + 1)]
ACCOUNT_REFS = [NamedRef(i, name) for i, name in enumerate(ACCOUNTS, start=101)]
GOAL_REFS = [NamedRef(i, name) for i, name in enumerate(GOALS, start=201)]
CATEGORY_IDS = {c.name: c.id for c in CATEGORIES}
ACCOUNT_IDS = {a.name: a.id for a in ACCOUNT_REFS}
GOAL_IDS = {g.name: g.id for g in GOAL_REFS}

# Slots checked for every case of an intent, with the value expected when the case does not say.
CHECKED = {
    "spending": {"period": THIS_MONTH, "category": None},
    "income": {"period": THIS_MONTH, "category": None},
    "net_savings": {"period": THIS_MONTH},
    "top_spending": {"period": THIS_MONTH, "limit": 5},
    "budget_status": {"period": THIS_MONTH, "category": None},
    "balance": {"account": None},
    "goal_progress": {"goal": None},
    "record_expense": {"date": TODAY.isoformat(), "category": None},
    "record_income": {"date": TODAY.isoformat(), "category": None},
    "advice": {"advice_topic": None},
}


def _actual(u: Understanding, slot: str):
    if slot == "period":
        return None if u.period is None else (u.period.start.isoformat(), u.period.end.isoformat())
    if slot == "category":
        return _name(CATEGORY_IDS, u.category_id)
    if slot == "account":
        return _name(ACCOUNT_IDS, u.account_id)
    if slot == "goal":
        return _name(GOAL_IDS, u.goal_id)
    if slot == "candidates":
        return tuple(sorted(_name(CATEGORY_IDS, i) for i in u.category_candidates))
    if slot == "date":
        return None if u.date is None else u.date.isoformat()
    return getattr(u, slot)


def _name(ids: dict[str, int], value):
    return next((name for name, i in ids.items() if i == value), value)


def _expected(case: Case) -> dict:
    expected = dict(CHECKED.get(case.intent, {}))
    expected.update(case.slots)
    if "amount" in expected:
        expected["amount"] = Decimal(expected["amount"])
    if "candidates" in expected:
        expected["candidates"] = tuple(sorted(expected["candidates"]))
    return expected


def judge(case: Case) -> list[str]:
    u = understand(case.text, today=TODAY, categories=CATEGORIES, accounts=ACCOUNT_REFS, goals=GOAL_REFS)
    wrong = []
    if u.intent != case.intent:
        wrong.append(f"intent {u.intent!r} (expected {case.intent!r})")
        return wrong
    for slot, want in _expected(case).items():
        got = _actual(u, slot)
        if got != want:
            wrong.append(f"{slot} {got!r} (expected {want!r})")
    if case.intent == "clarify" and not u.question:
        wrong.append("no question")
    return wrong


def test_eval_set_is_big_enough_and_covers_every_intent():
    assert len(CASES) >= 160
    assert {c.intent for c in CASES} == set(CHECKED) | {"help", "clarify", "unknown"}


def test_eval_accuracy_is_at_least_95_percent():
    misses = [(case, wrong) for case in CASES if (wrong := judge(case))]
    accuracy = 1 - len(misses) / len(CASES)
    print(f"\nassistant NLU accuracy: {accuracy:.1%} ({len(CASES) - len(misses)}/{len(CASES)})")
    for case, wrong in misses:
        print(f"  MISS {case.text!r}: {'; '.join(wrong)}")
    assert accuracy >= REQUIRED_ACCURACY
