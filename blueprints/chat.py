"""POST /api/chat: the finance assistant (shared/assistant/). Always 200 once the message is valid
(the chat call worked, whatever the message said); 422 for a message that is empty, over 2,000
characters, or not text. A recording honours Idempotency-Key like POST /api/transactions."""
from __future__ import annotations

import datetime as dt

import azure.functions as func

from shared.web.auth import authenticated
from shared.web.http import Context
from shared.web.idempotency import HEADER, idempotent
from shared.schemas.chat import ChatIn, ChatOut

bp = func.Blueprint()


def _replayable(inner):
    return idempotent(inner, status=200)


@bp.route(route="chat", methods=["POST"])
@authenticated(body=ChatIn, response=ChatOut, wrap=(_replayable,), headers=(HEADER,))
def chat(ctx: Context) -> ChatOut:
    """Ask about your money or record an expense or income, in plain English."""
    from shared.services.assistant import answers, llm

    caller = answers.caller(ctx.session, ctx.user, dt.date.today())
    if llm.enabled():
        result = llm.answer(caller, ctx.data.message)
    else:
        result = answers.answer(caller, answers.read(caller, ctx.data.message))
    return ChatOut(reply=result.reply, intent=result.intent, data=result.data)
