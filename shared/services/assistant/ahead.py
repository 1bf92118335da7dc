"""Answers that look ahead, from the forecast (shared/services/forecast.py, the figures of GET
/api/forecast): the bills and payments coming up, and whether the money lasts to a day.

A card's balance is a debt, so "enough money" is about accounts: every account stays at or above
zero at the end of every day until then. Cards are listed in the data, not judged.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.services.assistant.answers import Answer, Caller, long_date, money
from shared.services.assistant.nlu import Understanding
from shared.services.forecast import Forecast, forecast

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_LISTED = 10
_OUTGOING = ("expense", "transfer")


def _window(c: Caller, u: Understanding) -> tuple[int | None, str | None]:
    """Days from today to the horizon asked about (None with the reason when it cannot be used)."""
    until = u.until
    if u.payday:
        ahead = forecast(c.session, c.user, MAX_DAYS, today=c.today)
        paydays = [i.date for i in ahead.items if i.type == "income" and i.date > c.today]
        if not paydays:
            return None, ("I see no income coming in the next year (no income source with a next date, and no "
                          "recurring income), so I cannot tell when payday is. Ask me until a day instead, "
                          "like \"until the 25th\".")
        until = paydays[0]
    if until is None:
        return DEFAULT_DAYS, None
    days = (until - c.today).days
    if days < 0:
        return None, f"{long_date(until)} has already passed. Ask me about a day from today on."
    if days > MAX_DAYS:
        return None, "I can look at most a year ahead (366 days). Ask me about an earlier day."
    return days, None


def _item(i) -> dict[str, Any]:
    return {"date": i.date.isoformat(), "name": i.name, "type": i.type, "amount": money(i.amount),
            "account_id": i.account_id, "credit_card_id": i.credit_card_id, "recurring_id": i.recurring_id,
            "income_source_id": i.income_source_id}


def _until(f: Forecast) -> str:
    return long_date(f.date_to)


def upcoming_bills(c: Caller, u: Understanding) -> Answer:
    days, problem = _window(c, u)
    if problem:
        return Answer(problem, "clarify", {"question": problem, "candidates": []})
    f = forecast(c.session, c.user, days, today=c.today)
    bills = [i for i in f.items if i.type in _OUTGOING]
    total = sum((i.amount for i in bills), Decimal(0))
    data = {"date_from": f.date_from.isoformat(), "until": f.date_to.isoformat(), "items": [_item(i) for i in bills],
            "count": len(bills), "total": money(total)}
    if not bills:
        return Answer(f"No bills or payments are scheduled from today until {_until(f)}. Add your regular bills as "
                      f"recurring schedules and I will list them here.", "upcoming_bills", data)
    listed = "; ".join(f"{i.name} {c.money(i.amount)} on {long_date(i.date)}" for i in bills[:MAX_LISTED])
    more = f"; and {len(bills) - MAX_LISTED} more" if len(bills) > MAX_LISTED else ""
    noun = "payment" if len(bills) == 1 else "payments"
    return Answer(f"Coming up until {_until(f)}: {listed}{more}. That is {len(bills)} {noun}, "
                  f"{c.money(total)} in all.", "upcoming_bills", data)


def cash_check(c: Caller, u: Understanding) -> Answer:
    days, problem = _window(c, u)
    if problem:
        return Answer(problem, "clarify", {"question": problem, "candidates": []})
    f = forecast(c.session, c.user, days, today=c.today)
    accounts = [a for a in f.accounts if a.kind == "account"]
    data: dict[str, Any] = {
        "date_from": f.date_from.isoformat(), "until": f.date_to.isoformat(),
        "accounts": [{"id": a.id, "name": a.name, "balance": money(a.balance), "projected": money(a.projected),
                      "lowest": money(a.lowest), "lowest_date": a.lowest_date.isoformat()} for a in accounts],
        "items": [_item(i) for i in f.items]}
    if not accounts:
        data["enough"] = None
        return Answer("You have no accounts yet, so I cannot tell whether your money lasts.", "cash_check", data)
    short = [a for a in accounts if a.lowest < 0]
    data["enough"] = not short
    if short:
        worst = min(short, key=lambda a: (a.lowest_date, a.lowest))
        others = f" ({len(short) - 1} more account{'s' if len(short) > 2 else ''} too)" if len(short) > 1 else ""
        reply = (f"No: with what is scheduled until {_until(f)}, {worst.name} would go down to "
                 f"{c.money(worst.lowest)} on {long_date(worst.lowest_date)}{others}.")
    else:
        lowest = min(accounts, key=lambda a: (a.lowest, a.lowest_date))
        reply = (f"Yes: with what is scheduled until {_until(f)}, your balances stay above zero; the lowest is "
                 f"{lowest.name} at {c.money(lowest.lowest)} on {long_date(lowest.lowest_date)}.")
    scheduled = len(f.items)
    reply += (f" That counts {scheduled} scheduled payment{'s' if scheduled != 1 else ''} and income."
              if scheduled else " Nothing is scheduled in that time, so this is today's balance.")
    return Answer(reply, "cash_check", data)
