"""An `Understanding` answered from the caller's own data: a reply in plain sentences, the intent,
and the figures behind the reply as `data`.

Every figure comes from a service the HTTP API uses too, so the assistant can never disagree with
it: sums from `shared.services.reports` (the /api/reports routes), balances, budgets and goal progress from
`shared.services.money` (the /api/accounts and /api/goals answers), and a recording goes through
`shared.services.transactions.Transactions().create`, the same service and validation as POST
/api/transactions. Every query is scoped to the caller (`user.id`); nothing here reads another
user's rows.

Money in `data` is a string with two decimals, fractions (shares, rates, progress) strings with
four, dates ISO. In a reply, money is written with the caller's currency ("$1,234.50").

A recording that fails validation is not an HTTP error: the chat call itself worked, so it answers
200 with intent "clarify", the reason in plain words, the field errors in `data.errors`, and nothing
is created (the attempt runs in a savepoint).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.data.models import Account, AssistantRecording, Category, CreditCard, Goal, User
from shared.errors import Forbidden, Invalid
from shared.schemas import to_money_string, validate
from shared.services import reports
from shared.services.assistant.nlu import CardRef, CategoryRef, NamedRef, Understanding, understand
from shared.services.assistant.periods import Period

MAX_TOP = 20
MAX_BUDGET_MONTHS = 12
EXAMPLES = (
    "How much did I spend on groceries last month?",
    "What is my balance?",
    "Spent 12.50 on coffee today",
)
MORE_EXAMPLES = (
    "How much did I earn this year?",
    "How much did I save last month?",
    "Am I over budget this month?",
    "How is my emergency fund goal doing?",
    "What are my top 3 spending categories?",
    "Got paid 2500 salary today",
    "How are my investments doing?",
    "What did my portfolio return this year?",
    "Any advice?",
    "Check my 50/30/20 split",
    "What bills are coming up?",
    "Will I have enough money until the 25th?",
)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


@dataclass(frozen=True)
class Answer:
    reply: str
    intent: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Names:
    """The caller's own category, account and goal names: all the language layer gets to see."""

    categories: tuple[CategoryRef, ...]
    accounts: tuple[NamedRef, ...]
    goals: tuple[NamedRef, ...]
    cards: tuple[CardRef, ...] = ()

    def category(self, category_id: int | None) -> CategoryRef | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def account(self, account_id: int | None) -> NamedRef | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def card(self, card_id: int | None) -> CardRef | None:
        return next((c for c in self.cards if c.id == card_id), None)


def caller_names(session: Session, user_id: int) -> Names:
    categories = session.execute(select(Category.id, Category.name, Category.kind)
                                 .where(Category.user_id == user_id).order_by(Category.id)).all()
    accounts = session.execute(select(Account.id, Account.name)
                               .where(Account.user_id == user_id).order_by(Account.id)).all()
    goals = session.execute(select(Goal.id, Goal.title).where(Goal.user_id == user_id).order_by(Goal.id)).all()
    cards = session.execute(select(CreditCard.id, CreditCard.name, CreditCard.issuer, CreditCard.last4)
                            .where(CreditCard.user_id == user_id).order_by(CreditCard.id)).all()
    return Names(tuple(CategoryRef(r.id, r.name, r.kind) for r in categories),
                 tuple(NamedRef(r.id, r.name) for r in accounts),
                 tuple(NamedRef(r.id, r.title) for r in goals),
                 tuple(CardRef(r.id, r.name, r.issuer, r.last4) for r in cards))


@dataclass(frozen=True)
class Caller:
    """Who is asking, and what every answer needs: their session, names, today and currency."""

    session: Session
    user: User
    names: Names
    today: dt.date
    may_write: bool = True  # False for a read-only personal access token: recording is refused (403)

    def money(self, value: Decimal, currency: str | None = None) -> str:
        """Money as people write it, in the caller's currency or the one named ("€12.50")."""
        return format_money(value, currency or self.user.currency or "USD")

    def held(self, value: Decimal, currency: str) -> str:
        """An amount of an account or card: its own currency, named when it is not the caller's."""
        text = self.money(value, currency)
        return text if currency == self.user.currency else f"{text} ({currency})"


def caller(session: Session, user: User, today: dt.date, may_write: bool = True) -> Caller:
    return Caller(session, user, caller_names(session, user.id), today, may_write)


def answer_message(session: Session, user: User, message: str, today: dt.date) -> Answer:
    """Read the message by rules and answer it from the caller's data."""
    who = caller(session, user, today)
    return answer(who, read(who, message))


def read(caller: Caller, message: str) -> Understanding:
    names = caller.names
    return understand(message, today=caller.today, categories=names.categories, accounts=names.accounts,
                      goals=names.goals, cards=names.cards)


# Intents that write (record, move money, undo): refused for a read-only personal access token.
WRITING_INTENTS = frozenset({"record_expense", "record_income", "transfer", "undo"})


def answer(caller: Caller, u: Understanding) -> Answer:
    if u.intent in WRITING_INTENTS and not caller.may_write:
        raise Forbidden("That would change your data, which needs a token with the write scope; this personal "
                        "access token may only read.")
    return _BY_INTENT[u.intent](caller, u)


# --- formatting -------------------------------------------------------------------------------

def money(value: Decimal | None) -> str | None:
    """Money for `data`: a string with two decimals."""
    return None if value is None else to_money_string(value)


def fraction(value: Decimal | None) -> str | None:
    """A fraction for `data`: a string with four decimals."""
    return None if value is None else format(Decimal(value).quantize(reports.FRACTION), "f")


def format_money(value: Decimal, currency: str) -> str:
    amount = Decimal(to_money_string(value))
    text = format(abs(amount), ",.2f")
    symbol = _SYMBOLS.get(currency)
    text = f"{symbol}{text}" if symbol else f"{text} {currency}"
    return f"-{text}" if amount < 0 else text


def percent(value: Decimal) -> str:
    """A fraction as a percentage with one decimal: 0.2525 → "25.3%" (half-even, like the reports)."""
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


def long_date(day: dt.date) -> str:
    return f"{calendar.month_name[day.month]} {day.day}, {day.year}"


def month_name(key: str) -> str:
    return f"{calendar.month_name[int(key[5:7])]} {key[:4]}"


def when(period: Period) -> str:
    """The period as the end of a sentence: "last month", "in March 2026", "on May 3, 2026"."""
    label = period.label
    if label.startswith(("this ", "last ", "the ", "since ", "today", "yesterday")):
        return label
    if period.start == period.end:
        return f"on {label}"
    if " to " in label:
        return f"from {label}"
    return f"in {label}"


def period_data(period: Period) -> dict[str, str]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def ref(item: CategoryRef | NamedRef | None) -> dict[str, Any] | None:
    return None if item is None else {"id": item.id, "name": item.name}


def or_list(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- questions about figures --------------------------------------------------------------------

def spending(c: Caller, u: Understanding) -> Answer:
    if u.payee:
        from shared.services.assistant.actions import at_payee

        return at_payee(c, u)
    p, category = u.period, c.names.category(u.category_id)
    t = reports.totals(c.session, c.user, p.start, p.end, u.category_id)
    on = f" on {category.name}" if category else ""
    return Answer(f"You spent {c.money(t.expenses)}{on} {when(p)}.", "spending",
                  {"period": period_data(p), "category": ref(category), "total": money(t.expenses)})


def income(c: Caller, u: Understanding) -> Answer:
    if u.payee:
        from shared.services.assistant.actions import at_payee

        return at_payee(c, u)
    p, category = u.period, c.names.category(u.category_id)
    t = reports.totals(c.session, c.user, p.start, p.end, u.category_id)
    source = f" from {category.name}" if category else ""
    return Answer(f"You received {c.money(t.income)} in income{source} {when(p)}.", "income",
                  {"period": period_data(p), "category": ref(category), "total": money(t.income)})


def net_savings(c: Caller, u: Understanding) -> Answer:
    p = u.period
    t = reports.totals(c.session, c.user, p.start, p.end)
    rate = reports.ratio(t.net, t.income)
    head = f"{when(p).capitalize()} you earned {c.money(t.income)} and spent {c.money(t.expenses)}"
    if t.net >= 0:
        reply = f"{head}, so you saved {c.money(t.net)}"
        reply += f" ({percent(rate)} of your income)." if rate is not None else "."
    else:
        reply = f"{head}, so you spent {c.money(-t.net)} more than you earned."
    return Answer(reply, "net_savings", {
        "period": period_data(p), "income": money(t.income), "expenses": money(t.expenses),
        "net_savings": money(t.net), "savings_rate": fraction(rate)})


def balance(c: Caller, u: Understanding) -> Answer:
    from shared.services.money import Accounts

    if u.card_id is not None:
        from shared.services.assistant.actions import card_balance

        return card_balance(c, u)

    service = Accounts()
    if u.account_id is not None:
        rows = [service.get(c.session, c.user, u.account_id)]
    else:
        rows = list(c.session.execute(service.owned(c.user).order_by(Account.name, Account.id)).scalars())
    accounts = [a.model_dump(mode="json") for a in service.to_out(c.session, c.user, rows)]
    data: dict[str, Any] = {"as_of": c.today.isoformat(), "currency": c.user.currency, "accounts": [
        {"id": a["id"], "name": a["name"], "type": a["type"], "currency": a["currency"], "balance": a["balance"]}
        for a in accounts]}
    if not accounts:
        return Answer("You have no accounts yet, so there is no balance to show.", "balance", data)
    listed = ", ".join(f"{a['name']} {c.held(Decimal(a['balance']), a['currency'])}" for a in accounts)
    if len(accounts) == 1:
        reply = f"Your balance today: {listed}."
    else:
        # The total in the caller's currency, each balance converted at today's rate, as net worth does.
        from shared.services.net_worth import net_worth

        worth = net_worth(c.session, c.user, c.today)
        wanted = {a["id"] for a in accounts}
        converted = [i.converted for i in worth.items if i.kind == "account" and i.id in wanted]
        total = sum((v for v in converted if v is not None), Decimal(0))
        data["total"] = money(total)
        data["missing_rates"] = [{"currency": m.currency, "first_date": m.first_date.isoformat()}
                                 for m in worth.missing_rates]
        reply = f"Your balances today: {listed}; {c.money(total)} in all"
        reply += _left_out(worth.missing_rates) + "."
    if u.period is not None:
        reply += " These are today's balances; I cannot tell a balance on an earlier day."
    return Answer(reply, "balance", data)


def _left_out(missing) -> str:
    if not missing:
        return ""
    return f" (leaving out {or_list([m.currency for m in missing]).replace(' or ', ' and ')}: no exchange rate yet)"


def net_worth(c: Caller, u: Understanding) -> Answer:
    """Accounts + investments − card debt, in the caller's currency (GET /api/net-worth)."""
    from shared.services.net_worth import net_worth as compute

    worth = compute(c.session, c.user, c.today)
    data = worth.model_dump(mode="json")
    if not worth.items:
        return Answer("You have no accounts, cards or portfolios yet, so your net worth is "
                      f"{c.money(Decimal(0))}.", "net_worth", data)
    reply = (f"Your net worth today is {c.money(worth.total)}: {c.money(worth.accounts)} in accounts, "
             f"{c.money(worth.investments)} in investments, minus {c.money(worth.credit_cards)} of card debt"
             f"{_left_out(worth.missing_rates)}.")
    if u.period is not None:
        reply += " That is today's figure; GET /api/net-worth/history has it over time."
    return Answer(reply, "net_worth", data)


def budget_status(c: Caller, u: Understanding) -> Answer:
    p, category = u.period, c.names.category(u.category_id)
    months = reports.periods_between(p.start, p.end, "month")[-MAX_BUDGET_MONTHS:]
    lines, sentences = [], []
    for month in months:
        found = [b for b in reports.budget_status(c.session, c.user, month.key)
                 if category is None or b.category_id == category.id]
        lines += [{"month": month.key, "category_id": b.category_id, "name": b.name, "budgeted": money(b.budgeted),
                   "actual": money(b.actual), "remaining": money(b.remaining), "over_budget": b.over_budget}
                  for b in found]
        for b in found:
            if b.over_budget:
                state = f"{c.money(-b.remaining)} over budget"
            else:
                state = f"{c.money(b.remaining)} left"
            sentences.append(f"{b.name} in {month_name(month.key)}: {c.money(b.actual)} spent of "
                             f"{c.money(b.budgeted)}, {state}.")
    data = {"period": period_data(p), "category": ref(category), "budgets": lines}
    if not lines:
        what = f"a {category.name} budget" if category else "any budget"
        span = or_list([month_name(m.key) for m in months])
        return Answer(f"You have not set {what} for {span}.", "budget_status", data)
    over = [line for line in lines if line["over_budget"]]
    data["over_budget_count"] = len(over)
    lead = ""
    if len(lines) > 1:
        lead = (f"You are within all {len(lines)} budgets." if not over else
                f"{len(over)} of your {len(lines)} budgets {'is' if len(over) == 1 else 'are'} over.")
    return Answer(" ".join(s for s in [lead, *sentences] if s), "budget_status", data)


def goal_progress(c: Caller, u: Understanding) -> Answer:
    from shared.services.money import Goals

    service = Goals()
    if u.goal_id is not None:
        rows = [service.get(c.session, c.user, u.goal_id)]
    else:
        rows = list(c.session.execute(service.owned(c.user).order_by(Goal.id)).scalars())
    goals = [g.model_dump(mode="json") for g in service.to_out(c.session, c.user, rows)]
    data = {"goals": [{k: g[k] for k in ("id", "title", "target_amount", "current_savings", "target_date",
                                          "progress", "remaining", "monthly_needed")} for g in goals]}
    if not goals:
        return Answer("You have no savings goals yet.", "goal_progress", data)
    return Answer(" ".join(goal_sentence(c, g) for g in goals), "goal_progress", data)


def goal_sentence(c: Caller, g: dict[str, Any]) -> str:
    saved, target = Decimal(g["current_savings"]), Decimal(g["target_amount"])
    head = f"{g['title']}: {c.money(saved)} of {c.money(target)} saved ({percent(Decimal(g['progress']))})"
    if Decimal(g["remaining"]) == 0:
        return f"{head}, reached."
    head += f", {c.money(Decimal(g['remaining']))} to go"
    if g["target_date"] is None:
        return f"{head}."
    target_date = dt.date.fromisoformat(g["target_date"])
    if target_date < c.today:
        return f"{head}; its target date, {long_date(target_date)}, has passed."
    return f"{head}; {c.money(Decimal(g['monthly_needed']))} a month reaches it by {long_date(target_date)}."


def top_spending(c: Caller, u: Understanding) -> Answer:
    p = u.period
    limit = max(1, min(u.limit or 5, MAX_TOP))
    lines = reports.by_category(c.session, c.user, p.start, p.end, "expense")
    t = reports.totals(c.session, c.user, p.start, p.end)
    top = lines[:limit]
    data = {"period": period_data(p), "total_expenses": money(t.expenses), "categories": [
        {"category_id": line.category_id, "name": line.name, "total": money(line.total),
         "share": fraction(reports.ratio(line.total, t.expenses)), "count": line.count} for line in top]}
    if not top:
        return Answer(f"You recorded no expenses {when(p)}.", "top_spending", data)
    parts = [f"{line.name} {c.money(line.total)} ({percent(reports.ratio(line.total, t.expenses))})" for line in top]
    noun = "spending category" if len(top) == 1 else f"{len(top)} spending categories"
    return Answer(f"Your top {noun} {when(p)}: {', '.join(parts)}; "
                  f"{c.money(t.expenses)} spent in all.", "top_spending", data)


# --- recording ----------------------------------------------------------------------------------

def create_transaction(c: Caller, proposed: dict[str, Any], what: str) -> tuple[Any, dict] | Answer:
    """Create a transaction through the same service and validation as POST /api/transactions, and
    remember that the assistant made it (for "undo that"). A refusal is a `clarify` answer and leaves
    nothing behind (the attempt runs in a savepoint)."""
    from shared.schemas.money import TransactionIn
    from shared.services.transactions import Transactions

    service = Transactions()
    try:
        data_in = validate(TransactionIn, proposed)
        with c.session.begin_nested():
            row = service.create(c.session, c.user, data_in)
            c.session.add(AssistantRecording(user_id=c.user.id, transaction_id=row.id))
            c.session.flush()
    except Invalid as exc:
        shown = {**proposed, "amount": money(proposed.get("amount")),
                 "date": proposed["date"].isoformat() if proposed.get("date") else None}
        return Answer(f"I could not record that {what}: {exc.detail} Please say it again with the details "
                      f"fixed.", "clarify", {"question": exc.detail, "candidates": [], "errors": exc.errors or [],
                                             "proposed": shown})
    return row, service.to_out(c.session, c.user, [row])[0].model_dump(mode="json")


def record(c: Caller, u: Understanding) -> Answer:
    kind = "expense" if u.intent == "record_expense" else "income"
    fields = {"type": kind, "amount": u.amount, "date": u.date, "description": u.description,
              "category_id": u.category_id, "account_id": u.account_id, "credit_card_id": u.card_id}
    created = create_transaction(c, {k: v for k, v in fields.items() if v is not None}, kind)
    if isinstance(created, Answer):
        return created
    row, out = created
    category = c.names.category(row.category_id)
    filed = f" under {category.name}" if category else " without a category"
    about = f' ("{row.description}")' if row.description else ""
    account = c.names.account(row.account_id)
    card = c.names.card(row.credit_card_id)
    if card is not None:
        paid = f" on {card.name}" if kind == "expense" else f" as a refund on {card.name}"
    elif account is not None:
        paid = (" from " if kind == "expense" else " into ") + account.name
    else:
        paid = " in cash" if kind == "expense" else ""
    reply = (f"Recorded {'an expense' if kind == 'expense' else 'income'} of {c.held(row.amount, row.currency)}"
             f"{about} on {long_date(row.date)}{filed}{paid}. Say \"undo that\" within 10 minutes to take it back.")
    return Answer(reply, u.intent, {"transaction": out, "category": ref(category), "account": ref(account),
                                    "card": None if card is None else {"id": card.id, "name": card.name}})


# --- conversation -------------------------------------------------------------------------------

def help_(c: Caller, u: Understanding) -> Answer:
    examples = list(EXAMPLES + MORE_EXAMPLES)
    reply = ("I answer questions about your own money and record expenses and income from a sentence: spending "
             "or income for a category and a period, savings, balances, budgets, goals, your top spending "
             "categories, advice, the bills coming up and whether your money lasts to a day. Try: "
             + " / ".join(f'"{e}"' for e in examples[:5]))
    return Answer(reply, "help", {"examples": examples})


def clarify(c: Caller, u: Understanding) -> Answer:
    candidates = [ref(c.names.category(i)) for i in u.category_candidates if c.names.category(i)]
    question = u.question or "Could you say that another way?"
    return Answer(question, "clarify", {"question": question, "candidates": candidates})


def unknown(c: Caller, u: Understanding) -> Answer:
    examples = list(EXAMPLES)
    reply = ("Sorry, I did not understand that. You can ask, for example: "
             + "; ".join(f'"{e}"' for e in examples) + ".")
    return Answer(reply, "unknown", {"examples": examples})


def _actions():
    from shared.services.assistant import actions

    return actions


_FIGURES = ("start_value", "end_value", "net_contributions", "dividends", "fees", "realized_gain", "unrealized_gain",
            "twr", "xirr")


def investments(c: Caller, u: Understanding) -> Answer:
    """How the caller's portfolios did, from the same service as GET /api/portfolios/{id}/performance
    (default: the 12 months up to today, like that route)."""
    from shared.services.performance import default_start, user_performance

    end = c.today if u.period is None else min(u.period.end, c.today)
    start = default_start(end) if u.period is None else u.period.start
    if start > end:
        return Answer("That period has not started yet, so there is no return to tell.", "investments", {})
    overview = user_performance(c.session, c.user, start, end)
    data: dict[str, Any] = {"date_from": start.isoformat(), "date_to": end.isoformat(),
                            "total": None, "portfolios": []}
    if overview.total is None:
        return Answer("You have no portfolios yet.", "investments", data)
    total = overview.total.model_dump(mode="json")
    data["total"] = {k: total[k] for k in _FIGURES}
    for portfolio_id, name, figures in overview.portfolios:
        dumped = figures.model_dump(mode="json")
        data["portfolios"].append({"id": portfolio_id, "name": name, **{k: dumped[k] for k in _FIGURES}})
    span = when(u.period) if u.period else f"from {long_date(start)} to {long_date(end)}"
    span = span[:1].upper() + span[1:]
    t = overview.total
    sentences = [f"{span} your investments went from {c.money(t.start_value)} to {c.money(t.end_value)}."]
    if t.twr is None:
        sentences.append("Nothing was held in that time, so there is no return to tell.")
    else:
        mwr = "" if total["xirr"] is None else f" (money-weighted: {total['xirr']}% a year)"
        sentences.append(f"Time-weighted return: {total['twr']}%{mwr}.")
        sentences.append(f"You put in {c.money(t.net_contributions)} net, received {c.money(t.dividends)} in "
                         f"dividends and paid {c.money(t.fees)} in fees; gains: {c.money(t.realized_gain)} "
                         f"realized, {c.money(t.unrealized_gain)} unrealized.")
    if len(data["portfolios"]) > 1:
        sentences.append("By portfolio: " + "; ".join(
            f"{p['name']} {p['twr']}%" if p["twr"] is not None else f"{p['name']} nothing held"
            for p in data["portfolios"]) + ".")
    return Answer(" ".join(sentences), "investments", data)


def _advice(c: Caller, u: Understanding) -> Answer:
    from shared.services.assistant.advice import advise

    return advise(c, u)


def _ahead(c: Caller, u: Understanding) -> Answer:
    from shared.services.assistant import ahead

    return getattr(ahead, u.intent)(c, u)


_BY_INTENT: dict[str, Callable[[Caller, Understanding], Answer]] = {
    "spending": spending,
    "income": income,
    "net_savings": net_savings,
    "balance": balance,
    "net_worth": net_worth,
    "budget_status": budget_status,
    "goal_progress": goal_progress,
    "top_spending": top_spending,
    "record_expense": record,
    "record_income": record,
    "advice": _advice,
    "transfer": lambda c, u: _actions().transfer(c, u),
    "undo": lambda c, u: _actions().undo(c, u),
    "recent_transactions": lambda c, u: _actions().recent_transactions(c, u),
    "compare_spending": lambda c, u: _actions().compare_spending(c, u),
    "upcoming_bills": _ahead,
    "cash_check": _ahead,
    "investments": investments,
    "help": help_,
    "clarify": clarify,
    "unknown": unknown,
}
