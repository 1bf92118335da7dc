"""The body and answer of POST /api/chat (the assistant: shared/assistant/)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.schemas import Input, Output, Text

MAX_MESSAGE_CHARS = 2000

Intent = Literal["spending", "income", "net_savings", "balance", "net_worth", "budget_status", "goal_progress",
                 "top_spending",
                 "investments", "record_expense", "record_income", "transfer", "compare_spending",
                 "recent_transactions", "undo",
                 "advice", "upcoming_bills", "cash_check", "help", "clarify", "unknown"]


class ChatIn(Input):
    message: Text(MAX_MESSAGE_CHARS) = Field(  # type: ignore[valid-type]
        description="What the user asks or tells, in plain English: 1 to 2,000 characters of text "
                    "(leading and trailing spaces do not count).",
        examples=["how much did I spend on groceries last month?"])


class ChatOut(Output):
    reply: str = Field(description="The answer in plain sentences, with the figures.",
                       examples=["You spent $182.40 on Groceries last month (October 1 to 31, 2026)."])
    intent: Intent = Field(description="What the message was understood to ask for.")
    data: dict[str, Any] = Field(
        description="The figures behind the reply, by intent (money as strings with 2 decimals, fractions "
                    "with 4, dates YYYY-MM-DD). A recording carries the created `transaction`; a question "
                    "back (`clarify`) carries `question` and `candidates` [{id, name}]; `help` and `unknown` "
                    "carry `examples`.",
        examples=[{"period": {"start": "2026-10-01", "end": "2026-10-31", "label": "last month"},
                   "category": {"id": 1, "name": "Groceries"}, "total": "182.40"}])
