"""Advice from the caller's own numbers. Every sentence states a figure that is also in `data`,
next to the sentence, under the section it belongs to; no sentence is generic.

Sections (one when the message names a topic, all five otherwise):
- `savings_rate`: net savings / income against a 20% target, for the last full month (or the
  period the message names), from `reports.totals` (the same figures as /api/reports/monthly).
- `50_30_20`: the same period's income split into needs, wants and savings. Expenses come from
  `reports.by_category`, grouped by the category's name (case-insensitive):
    needs: Rent, Utilities, Groceries, Transport, Health
    wants: Dining, Entertainment, Shopping, Other
  and any other category (one the user created, or Uncategorized) counts as a want, listed under
  `unclassified` so the user sees it; savings = income − expenses. Guide: needs at most 50% of
  income, wants at most 30%, savings at least 20%.
- `budgets`: the budgets of this month (or of the month the period ends in) that are over,
  from `reports.budget_status`.
- `goals`: goals with a target date that are behind pace, with the monthly amount that still
  reaches them (`GoalOut.monthly_needed`, as /api/goals shows). A goal is behind pace when its
  target date has passed with money still to save, or when it has less than a steady pace from
  the day it was created would have put aside by today: target × days elapsed / days planned.
- `unusual`: unusually large expenses (the reports' rule: above the category's median + 3 × MAD),
  over the last three full months and this month so far, from `reports.spending_patterns`.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from typing import Any

from shared.schemas import CENT
from shared.services import reports
from shared.services.assistant.answers import (
    Answer,
    Caller,
    fraction,
    long_date,
    money,
    month_name,
    percent,
    period_data,
    when,
)
from shared.services.assistant.nlu import Understanding
from shared.services.assistant.periods import Period

TOPICS = ("savings_rate", "50_30_20", "budgets", "goals", "unusual")
SAVINGS_TARGET = Decimal("0.20")
NEEDS = ("Rent", "Utilities", "Groceries", "Transport", "Health")
WANTS = ("Dining", "Entertainment", "Shopping", "Other")
GUIDE = {"needs": Decimal("0.50"), "wants": Decimal("0.30"), "savings": Decimal("0.20")}
MAX_UNUSUAL = 5
UNUSUAL_MONTHS_BACK = 3


def advise(c: Caller, u: Understanding) -> Answer:
    topics = [u.advice_topic] if u.advice_topic in TOPICS else list(TOPICS)
    data: dict[str, Any] = {"topic": u.advice_topic}
    sentences: list[str] = []
    for topic in topics:
        section = _SECTIONS[topic](c, u.period)
        data[topic] = section
        sentences += section["advice"]
    return Answer(" ".join(sentences), "advice", data)


def last_full_month(today: dt.date) -> Period:
    last = today.replace(day=1) - dt.timedelta(days=1)
    p = reports.month_period(last.year, last.month)
    return Period(p.start, p.end, "last month")


def savings_rate(c: Caller, period: Period | None) -> dict[str, Any]:
    p = period or last_full_month(c.today)
    t = reports.totals(c.session, c.user, p.start, p.end)
    rate = reports.ratio(t.net, t.income)
    section: dict[str, Any] = {"period": period_data(p), "income": money(t.income), "expenses": money(t.expenses),
                               "net_savings": money(t.net), "savings_rate": fraction(rate),
                               "target": fraction(SAVINGS_TARGET)}
    target = percent(SAVINGS_TARGET)
    if rate is None:
        advice = (f"You recorded no income {when(p)} ({c.money(t.income)}), so there is no savings rate to set "
                  f"against the {target} target; expenses were {c.money(t.expenses)}.")
    elif rate >= SAVINGS_TARGET:
        advice = (f"You saved {percent(rate)} of your income {when(p)} ({c.money(t.net)} of {c.money(t.income)}), "
                  f"at or above the {target} target.")
    else:
        shortfall = (SAVINGS_TARGET * t.income - t.net).quantize(CENT, rounding=ROUND_CEILING)
        section["shortfall"] = money(shortfall)
        advice = (f"You saved {percent(rate)} of your income {when(p)} ({c.money(t.net)} of {c.money(t.income)}), "
                  f"below the {target} target; {c.money(shortfall)} more saved would have reached it.")
    section["advice"] = [advice]
    return section


def split_50_30_20(c: Caller, period: Period | None) -> dict[str, Any]:
    p = period or last_full_month(c.today)
    t = reports.totals(c.session, c.user, p.start, p.end)
    groups: dict[str, list[reports.CategoryTotal]] = {"needs": [], "wants": []}
    unclassified: list[str] = []
    needs, wants = {n.lower() for n in NEEDS}, {w.lower() for w in WANTS}
    for line in reports.by_category(c.session, c.user, p.start, p.end, "expense"):
        name = line.name.lower()
        if line.category_id is not None and name in needs:
            groups["needs"].append(line)
        else:
            groups["wants"].append(line)
            if line.category_id is None or name not in wants:
                unclassified.append(line.name)
    # Group totals add up the per-category totals the report gave (needs + wants = expenses).
    amounts = {g: sum((line.total for line in lines), Decimal("0.00")) for g, lines in groups.items()}
    amounts["savings"] = t.net
    section: dict[str, Any] = {"period": period_data(p), "income": money(t.income),
                               "expenses": money(t.expenses), "mapping": {"needs": list(NEEDS),
                                                                          "wants": list(WANTS)},
                               "unclassified": unclassified}
    for group, amount in amounts.items():
        section[group] = {"total": money(amount), "share": fraction(reports.ratio(amount, t.income)),
                          "guide": fraction(GUIDE[group]),
                          "categories": [line.name for line in groups.get(group, [])]}
    if not t.income:
        section["advice"] = [f"You recorded no income {when(p)} ({c.money(t.income)}), so the 50/30/20 split "
                             f"cannot be measured; expenses were {c.money(t.expenses)}."]
        return section
    advice = []
    for group, limit_word in (("needs", "at most"), ("wants", "at most"), ("savings", "at least")):
        share = reports.ratio(amounts[group], t.income)
        ok = share >= GUIDE[group] if group == "savings" else share <= GUIDE[group]
        verdict = "within the guide" if ok else ("below the guide" if group == "savings" else "above the guide")
        advice.append(f"{group.capitalize()} were {percent(share)} of your income {when(p)} "
                      f"({c.money(amounts[group])} of {c.money(t.income)}); the guide is {limit_word} "
                      f"{percent(GUIDE[group])}, so this is {verdict}.")
    if unclassified:
        advice.append(f"{', '.join(unclassified)} counted as wants ({c.money(amounts['wants'])} in wants in all).")
    section["advice"] = advice
    return section


def over_budget(c: Caller, period: Period | None) -> dict[str, Any]:
    day = period.end if period else c.today
    key = reports.period_of(day, "month").key
    lines = reports.budget_status(c.session, c.user, key)
    over = [b for b in lines if b.over_budget]
    section: dict[str, Any] = {"month": key, "budgets_count": len(lines), "over_budget": [
        {"category_id": b.category_id, "name": b.name, "budgeted": money(b.budgeted), "actual": money(b.actual),
         "over_by": money(-b.remaining)} for b in over]}
    if not lines:
        advice = [f"You have set no budgets for {month_name(key)} (0 budgets), so overspending by category cannot "
                  f"be spotted; a budget per category makes it visible."]
    elif not over:
        advice = [f"Your {len(lines)} budget for {month_name(key)} is within its limit." if len(lines) == 1 else
                  f"All {len(lines)} of your budgets for {month_name(key)} are within their limits."]
    else:
        advice = [f"{b.name} is over budget in {month_name(key)}: {c.money(b.actual)} spent of "
                  f"{c.money(b.budgeted)}, {c.money(-b.remaining)} over." for b in over]
    section["advice"] = advice
    return section


def goals_behind(c: Caller, period: Period | None) -> dict[str, Any]:
    from shared.data.models import Goal
    from shared.services.money import Goals

    service = Goals()
    rows = list(c.session.execute(service.owned(c.user).where(Goal.target_date.is_not(None))
                                  .order_by(Goal.target_date, Goal.id)).scalars())
    created = {r.id: r.created_at.date() for r in rows}
    behind, advice = [], []
    for g in service.to_out(c.session, c.user, rows):
        if g.remaining <= 0:
            continue
        start, end = created[g.id], g.target_date
        overdue = end < c.today
        planned_days = (end - start).days
        expected = None
        if not overdue and planned_days > 0:
            elapsed = min(max((c.today - start).days, 0), planned_days)
            expected = (g.target_amount * elapsed / planned_days).quantize(CENT)
        if not overdue and (expected is None or g.current_savings >= expected):
            continue
        behind.append({"id": g.id, "title": g.title, "target_amount": money(g.target_amount),
                       "current_savings": money(g.current_savings), "remaining": money(g.remaining),
                       "target_date": end.isoformat(), "expected_by_now": money(expected),
                       "monthly_needed": money(g.monthly_needed), "overdue": overdue})
        if overdue:
            advice.append(f"{g.title} passed its target date, {long_date(end)}, with {c.money(g.remaining)} still "
                          f"to save ({c.money(g.current_savings)} of {c.money(g.target_amount)}).")
        else:
            advice.append(f"{g.title} is behind pace: {c.money(g.current_savings)} saved of "
                          f"{c.money(g.target_amount)}, where a steady pace would have {c.money(expected)} by now; "
                          f"saving {c.money(g.monthly_needed)} a month reaches it by {long_date(end)}.")
    section: dict[str, Any] = {"goals_with_target_date": len(rows), "behind": behind}
    if not rows:
        advice = ["You have no goals with a target date (0 goals), so there is no pace to check."]
    elif not behind:
        advice = [f"Your {len(rows)} goal with a target date is on pace." if len(rows) == 1 else
                  f"All {len(rows)} of your goals with a target date are on pace."]
    section["advice"] = advice
    return section


def unusual(c: Caller, period: Period | None) -> dict[str, Any]:
    if period is None:
        first = reports.period_of(c.today, "month").start
        for _ in range(UNUSUAL_MONTHS_BACK):
            first = reports.period_of(first - dt.timedelta(days=1), "month").start
        period = Period(first, c.today, f"since {long_date(first)}")
    patterns = reports.spending_patterns(c.session, c.user, period.start, period.end,
                                         unusual_limit=MAX_UNUSUAL)
    found = patterns.unusual_expenses[:MAX_UNUSUAL]
    section: dict[str, Any] = {"period": period_data(period), "rule": patterns.unusual_rule, "unusual_expenses": [
        {"transaction_id": e.transaction_id, "date": e.date.isoformat(), "category_id": e.category_id,
         "name": e.name, "amount": money(e.amount), "description": e.description,
         "category_median": money(e.category_median), "threshold": money(e.threshold)} for e in found],
        "total_expenses": money(patterns.total_expenses)}
    if not found:
        section["advice"] = [f"No expense stood out {when(period)}: none of your "
                             f"{c.money(patterns.total_expenses)} in expenses was far above its category's usual "
                             f"amount."]
        return section
    section["advice"] = [
        f"{c.money(e.amount)} in {e.name} on {long_date(e.date)}{_about(e.description)} is unusually large: "
        f"your typical {e.name} expense is {c.money(e.category_median)}, and anything above "
        f"{c.money(e.threshold)} stands out." for e in found]
    return section


def _about(description: str | None) -> str:
    return f' ("{description}")' if description else ""


_SECTIONS = {
    "savings_rate": savings_rate,
    "50_30_20": split_50_30_20,
    "budgets": over_budget,
    "goals": goals_behind,
    "unusual": unusual,
}
