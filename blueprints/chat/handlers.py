"""POST /api/chat: the finance assistant (shared/assistant/). Always 200 once the message is valid
(the chat call worked, whatever the message said); 422 for a message that is empty, over 2,000
characters, or not text. A recording honours Idempotency-Key like POST /api/transactions.

A personal access token with only the read scope may ask questions (the route declares "read"); a
message that would record a transaction answers 403 with it, and nothing is written."""
from __future__ import annotations

import datetime as dt

from shared.schemas.chat import ChatIn, ChatOut
from shared.web.auth import READ, WRITE, authenticated, granted_scopes
from shared.web.http import Context
from shared.web.idempotency import HEADER, idempotent


def _replayable(inner):
    return idempotent(inner, status=200)


@authenticated(body=ChatIn, response=ChatOut, wrap=(_replayable,), headers=(HEADER,), scope=READ,
               extra_statuses=(403,))
def chat(ctx: Context) -> ChatOut:
    """Ask about your money or record an expense or income, in plain English."""
    from shared.services.assistant import answers, llm

    caller = answers.caller(ctx.session, ctx.user, dt.date.today(), may_write=WRITE in granted_scopes(ctx.user))
    if llm.enabled():
        result = llm.answer(caller, ctx.data.message)
    else:
        result = answers.answer(caller, answers.read(caller, ctx.data.message))
    return ChatOut(reply=result.reply, intent=result.intent, data=result.data)
