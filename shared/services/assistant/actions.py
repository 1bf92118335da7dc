"""Answers that act or look closer: moving money, undoing the assistant's own last recording, recent
transactions, two periods compared, spending at a payee, and one card's balance.

Like `answers`, every figure comes from the services the HTTP API uses (a transfer goes through
`Transactions().create`, the same validation as POST /api/transactions; a card's balance is the
/api/credit-cards answer), and every query is scoped to the caller.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select

from shared.data.models import AssistantRecording, Transaction
from shared.data.types import utcnow
from shared.errors import NotFound
from shared.services import fx, reports
from shared.services.assistant.answers import (
    Answer,
    Caller,
    create_transaction,
    long_date,
    money,
    percent,
    period_data,
    ref,
    when,
)
from shared.services.assistant.nlu import Understanding

UNDO_WINDOW = dt.timedelta(minutes=10)


def transfer(c: Caller, u: Understanding) -> Answer:
    proposed = {"type": "transfer", "amount": u.amount, "date": u.date, "account_id": u.from_account_id,
                "to_account_id": u.to_account_id, "to_credit_card_id": u.to_card_id}
    created = create_transaction(c, {k: v for k, v in proposed.items() if v is not None}, "transfer")
    if isinstance(created, Answer):
        return created
    row, out = created
    source = c.names.account(row.account_id)
    target = c.names.account(row.to_account_id) if row.to_account_id else c.names.card(row.to_credit_card_id)
    what = "Paid" if row.to_credit_card_id else "Moved"
    arrived = f" ({c.held(row.to_amount, target_currency(c, row))} arrived)" if row.to_amount is not None else ""
    reply = (f"{what} {c.held(row.amount, row.currency)}{arrived} from {source.name} to {target.name} on "
             f"{long_date(row.date)}. "
             'Say "undo that" within 10 minutes to take it back.')
    return Answer(reply, "transfer", {"transaction": out, "from": ref(source), "to": ref(target)})


def target_currency(c: Caller, row: Transaction) -> str:
    from shared.data.models import Account, CreditCard

    model, holder = (Account, row.to_account_id) if row.to_account_id else (CreditCard, row.to_credit_card_id)
    return c.session.execute(select(model.currency).where(model.id == holder)).scalar_one()


def undo(c: Caller, u: Understanding) -> Answer:
    """Delete the last transaction the assistant recorded for this caller, if within 10 minutes."""
    from shared.services.transactions import Transactions

    since = utcnow() - UNDO_WINDOW
    recording = c.session.execute(
        select(AssistantRecording).where(AssistantRecording.user_id == c.user.id,
                                         AssistantRecording.created_at >= since)
        .order_by(AssistantRecording.id.desc()).limit(1)).scalar_one_or_none()
    service = Transactions()
    row = None
    if recording is not None:
        try:
            row = service.get(c.session, c.user, recording.transaction_id, for_update=True)
        except NotFound:
            row = None  # already deleted through the API
        c.session.execute(delete(AssistantRecording).where(AssistantRecording.id == recording.id))
    if row is None:
        return Answer("There is nothing of mine to undo: I recorded nothing for you in the last 10 minutes "
                      "that still exists.", "undo", {"undone": None})
    out = service.to_out(c.session, c.user, [row])[0].model_dump(mode="json")
    service.delete(c.session, c.user, row, None)
    kind = {"expense": "the expense", "income": "the income", "transfer": "the transfer"}[row.type]
    return Answer(f"Undone: {kind} of {c.held(row.amount, row.currency)} on {long_date(row.date)} is deleted, and your "
                  "balances are as they were.", "undo", {"undone": out})


def recent_transactions(c: Caller, u: Understanding) -> Answer:
    from shared.services.transactions import Transactions

    service = Transactions()
    rows = list(c.session.execute(
        service.owned(c.user).order_by(Transaction.date.desc(), Transaction.id.desc()).limit(u.limit or 10))
        .scalars())
    items = [t.model_dump(mode="json") for t in service.to_out(c.session, c.user, rows)]
    if not items:
        return Answer("You have no transactions yet.", "recent_transactions", {"transactions": []})
    lines = []
    for t in items:
        category = c.names.category(t["category_id"])
        label = t.get("description") or (category.name if category else t["type"])
        sign = "+" if t["type"] == "income" else "" if t["type"] == "transfer" else "-"
        lines.append(f"{dt.date.fromisoformat(t['date']).strftime('%b %d')}: {label} {sign}"
                     f"{c.held(Decimal(t['amount']), t['currency'])}")
    noun = "transaction" if len(items) == 1 else f"{len(items)} transactions"
    return Answer(f"Your last {noun}: " + "; ".join(lines) + ".", "recent_transactions", {"transactions": items})


def compare_spending(c: Caller, u: Understanding) -> Answer:
    category = c.names.category(u.category_id)
    first = reports.totals(c.session, c.user, u.period.start, u.period.end, u.category_id).expenses
    second = reports.totals(c.session, c.user, u.other_period.start, u.other_period.end, u.category_id).expenses
    change = first - second
    rate = reports.ratio(change, second)
    on = f" on {category.name}" if category else ""
    if change == 0:
        verdict = "the same"
    else:
        verdict = f"{c.money(abs(change))} {'more' if change > 0 else 'less'}"
        if rate is not None:
            verdict += f" ({percent(abs(rate))} {'up' if change > 0 else 'down'})"
    reply = (f"You spent {c.money(first)}{on} {when(u.period)} and {c.money(second)} {when(u.other_period)}: "
             f"{verdict} {when(u.period)}.")
    return Answer(reply, "compare_spending", {
        "category": ref(category), "period": period_data(u.period), "other_period": period_data(u.other_period),
        "total": money(first), "other_total": money(second), "change": money(change),
        "change_rate": None if rate is None else format(rate.quantize(reports.FRACTION), "f")})


def payee_totals(c: Caller, payee: str, start: dt.date, end: dt.date, kind: str) -> tuple[Decimal, int]:
    """The caller's `kind` transactions in the range whose payee or description names `payee`."""
    text = payee.lower()
    matches = [func.lower(Transaction.description).contains(text, autoescape=True)]
    if hasattr(Transaction, "payee"):
        matches.append(func.lower(Transaction.payee).contains(text, autoescape=True))
    rows = c.session.execute(
        select(Transaction.date, Transaction.currency, func.sum(Transaction.amount), func.count())
        .where(Transaction.user_id == c.user.id, Transaction.type == kind, Transaction.date >= start,
               Transaction.date <= end, or_(*matches))
        .group_by(Transaction.date, Transaction.currency)).all()
    # In the caller's currency, each day's sum at that day's rate (left out when there is none).
    convert = fx.Converter(fx.load_rates(c.session, c.user.id, c.user.currency, {r[1] for r in rows}, start, end))
    total = sum((v for r in rows if (v := convert(r[2], r[1], r[0])) is not None), Decimal(0))
    return fx.to_money(total), sum(int(r[3]) for r in rows)


def at_payee(c: Caller, u: Understanding) -> Answer:
    kind = "expense" if u.intent == "spending" else "income"
    total, count = payee_totals(c, u.payee, u.period.start, u.period.end, kind)
    shown = u.payee.title() if u.payee.islower() else u.payee
    data: dict[str, Any] = {"period": period_data(u.period), "payee": u.payee, "total": money(total),
                            "count": count}
    if kind == "expense":
        reply = f"You spent {c.money(total)} at {shown} {when(u.period)}"
    else:
        reply = f"You received {c.money(total)} from {shown} {when(u.period)}"
    if count == 0:
        reply += f" (no transaction's payee or description names \"{u.payee}\")."
    else:
        reply += f", in {count} transaction{'s' if count != 1 else ''}."
    return Answer(reply, u.intent, data)


def card_balance(c: Caller, u: Understanding) -> Answer:
    from shared.services.money import CreditCards

    service = CreditCards()
    card = service.to_out(c.session, c.user, [service.get(c.session, c.user, u.card_id)])[0].model_dump(mode="json")
    owed, available = Decimal(card["balance"]), Decimal(card["available_credit"])
    held = lambda value: c.held(value, card["currency"])  # noqa: E731 - the card's own currency
    if owed > 0:
        head = f"You owe {held(owed)} on {card['name']}"
    elif owed < 0:
        head = f"{card['name']} is {held(-owed)} in credit"
    else:
        head = f"You owe nothing on {card['name']}"
    reply = (f"{head}; {held(available)} of its {held(Decimal(card['credit_limit']))} limit is available.")
    return Answer(reply, "balance", {"as_of": c.today.isoformat(), "card": {
        k: card[k] for k in ("id", "name", "currency", "balance", "credit_limit", "available_credit", "utilization")}})
