"""Optional: Azure OpenAI picks the intent by function calling; our services answer it.

On only when AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT are both set. Nothing here imports a
client library: the request is one HTTPS POST through the standard library (urllib), so cold start
stays small, and azure-identity is imported only when a token is needed (no AZURE_OPENAI_API_KEY).

What goes into the prompt: the caller's message, today's date, the caller's currency, and the ids and
names of the caller's own categories, accounts and goals (so the model can name them). Never another
user's data, never a setting, key or token (those travel only in the request header, and the
api-key header only over https or to localhost).

The model chooses one tool; the tool runs through `answers` (the same report, money and transaction
services as the rules) for the caller only, with every id checked against the caller's own names.
The model then phrases the reply from the tool's result; that text is used only when every number in
it is one of the figures the tool returned, otherwise the tool's own sentences are the reply.

Any failure (not configured correctly, network error, timeout, HTTP error, malformed answer, a tool
or argument that does not check out) falls back to the rules (`answers.read`), logged as a warning
without the message. Once a tool has run (a transaction may have been recorded) a later failure
falls back to that tool's answer, never to running the message a second time.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlsplit

from shared.data.config import Settings, get_settings
from shared.services.assistant import answers
from shared.services.assistant.answers import Answer, Caller
from shared.services.assistant.nlu import ADVICE_TOPICS, DEFAULT_TOP_LIMIT, Understanding
from shared.services.assistant.periods import Period, default_period
from shared.services.months import month_bounds
from shared.services.performance import default_start

log = logging.getLogger("finance.assistant.llm")

TOKEN_SCOPE = "https://cognitiveservices.azure.com/.default"
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_REPLY_CHARS = 2000
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class ModelUnavailable(Exception):
    """The model could not be asked, or answered something we cannot use."""


def enabled(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return bool(settings.azure_openai_endpoint and settings.azure_openai_deployment)


# --- the tools ----------------------------------------------------------------------------------

def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


_DATE = {"type": "string", "description": "YYYY-MM-DD"}
_RANGE = {"start_date": {**_DATE, "description": "first day included, YYYY-MM-DD (default: 1st of this month)"},
          "end_date": {**_DATE, "description": "last day included, YYYY-MM-DD (default: today)"}}
_CATEGORY = {"category_id": {"type": "integer", "description": "one of the user's category ids; omit for all"}}
_RECORD = _object({
    "amount": {"type": "string", "description": "positive, at most 2 decimals, e.g. \"12.50\""},
    "date": {**_DATE, "description": "the day, YYYY-MM-DD (default: today)"},
    "category_id": {"type": "integer"},
    "account_id": {"type": "integer"},
    "description": {"type": "string"},
}, ("amount",))

TOOLS: dict[str, tuple[str, dict[str, Any]]] = {
    "spending": ("Total expenses in a date range, optionally for one expense category.",
                 _object({**_RANGE, **_CATEGORY})),
    "income": ("Total income in a date range, optionally for one income category.", _object({**_RANGE, **_CATEGORY})),
    "net_savings": ("Income, expenses, net savings and savings rate in a date range.", _object(_RANGE)),
    "balance": ("Current balance of one account, or of every account.",
                _object({"account_id": {"type": "integer", "description": "omit for every account"}})),
    "budget_status": ("Budgets, spending against them and what is left, for the months of a date range.",
                      _object({**_RANGE, **_CATEGORY})),
    "goal_progress": ("Progress of one savings goal, or of every goal.",
                      _object({"goal_id": {"type": "integer", "description": "omit for every goal"}})),
    "top_spending": ("The expense categories with the most spending in a date range.",
                     _object({**_RANGE, "limit": {"type": "integer", "minimum": 1, "maximum": answers.MAX_TOP}})),
    "investments": ("How the user's portfolios performed over a date range: values, contributions, dividends, "
                    "fees, gains, time- and money-weighted return.",
                    _object({"start_date": {**_DATE, "description": "first day included (default: 12 months "
                                                                    "before end_date)"},
                             "end_date": {**_DATE, "description": "last day included (default: today)"}})),
    "record_expense": ("Record an expense the user says they made.", _RECORD),
    "record_income": ("Record income the user says they received.", _RECORD),
    "advice": ("Advice from the user's numbers: savings rate, 50/30/20 split, over-budget categories, goals "
               "behind pace, unusual expenses.",
               _object({"topic": {"type": "string", "enum": list(ADVICE_TOPICS), "description": "omit for all"}})),
    "upcoming_bills": ("The bills and payments scheduled from today until a day (default: the next 30 days).",
                       _object({"until": {**_DATE, "description": "last day included, YYYY-MM-DD"}})),
    "cash_check": ("Whether every account stays above zero until a day (or until the next payday), from the "
                     "scheduled payments and income.",
                     _object({"until": {**_DATE, "description": "last day included, YYYY-MM-DD"},
                              "payday": {"type": "boolean", "description": "until the next expected income"}})),
}


def tool_definitions() -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}
            for name, (description, parameters) in TOOLS.items()]


def system_prompt(caller: Caller) -> str:
    names = caller.names
    categories = "; ".join(f"{c.id}={c.name} ({c.kind})" for c in names.categories) or "none"
    accounts = "; ".join(f"{a.id}={a.name}" for a in names.accounts) or "none"
    goals = "; ".join(f"{g.id}={g.name}" for g in names.goals) or "none"
    return (
        "You are a personal-finance assistant. Answer by calling exactly one tool; never state a figure "
        "that a tool did not return. If the message is not about the user's money, answer in one short "
        "sentence without numbers. After a tool result, reply in one to three plain sentences using its "
        f"figures. Today is {caller.today.isoformat()}. Currency: {caller.user.currency or 'USD'}.\n"
        f"Categories (id=name): {categories}\nAccounts: {accounts}\nGoals: {goals}"
    )


# --- the conversation ---------------------------------------------------------------------------

def answer(caller: Caller, message: str) -> Answer:
    settings = get_settings()
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt(caller)},
                                      {"role": "user", "content": message}]
    try:
        first = _complete(settings, {"messages": messages, "tools": tool_definitions(), "tool_choice": "auto"})
        call = _first_tool_call(first)
        if call is None:
            return _plain(caller, message, _content(first))
        understanding = to_understanding(caller, call["name"], call["arguments"])
    except ModelUnavailable as exc:
        log.warning("assistant model not used (%s); answered by rules", exc)
        return answers.answer(caller, answers.read(caller, message))

    result = answers.answer(caller, understanding)
    tool_message = {"role": "assistant", "content": None, "tool_calls": [call["raw"]]}
    content = json.dumps({"reply": result.reply, "data": result.data}, ensure_ascii=False)
    messages += [tool_message, {"role": "tool", "tool_call_id": call["id"], "content": content}]
    try:
        text = _content(_complete(settings, {"messages": messages}))
    except ModelUnavailable as exc:
        log.warning("assistant model did not phrase the answer (%s); the tool's sentences are the reply", exc)
        return result
    if text and figures(text) <= figures(result.reply) | figures(json.dumps(result.data)):
        return Answer(text, result.intent, result.data)
    return result


def _plain(caller: Caller, message: str, text: str | None) -> Answer:
    """No tool call: the rules answer; the model's words replace the reply only when the rules had
    no figures to give (help, clarify, unknown) and the words hold no number at all."""
    ruled = answers.answer(caller, answers.read(caller, message))
    if text and ruled.intent in {"help", "unknown"} and not re.search(r"\d", text):
        return Answer(text, ruled.intent, ruled.data)
    return ruled


def to_understanding(caller: Caller, name: str, arguments: dict[str, Any]) -> Understanding:
    """A tool call as the rules would have understood it; every id must be the caller's own."""
    _check_arguments(name, arguments)
    names = caller.names
    category_id = _own_category(names, name, arguments.get("category_id"))
    account_id = _own_id(arguments.get("account_id"), names.accounts)
    if name == "balance":
        return Understanding("balance", account_id=account_id)
    if name == "goal_progress":
        return Understanding("goal_progress", goal_id=_own_id(arguments.get("goal_id"), names.goals))
    if name == "advice":
        return Understanding("advice", advice_topic=_advice_topic(arguments.get("topic")))
    if name in {"upcoming_bills", "cash_check"}:
        payday = _payday(arguments.get("payday", False))
        return Understanding(name, until=_date(arguments.get("until")), payday=payday)
    if name in {"record_expense", "record_income"}:
        return _recording(caller, name, arguments, category_id, account_id)
    if name == "investments":
        return Understanding(name, period=_investment_period(caller.today, arguments))
    return _report(caller.today, name, arguments, category_id)


def _check_arguments(name: str, arguments: Any) -> None:
    """A tool of ours, called with a dict of its own arguments only."""
    if name not in TOOLS:
        raise ModelUnavailable(f"unknown tool {name!r}")
    allowed = set(TOOLS[name][1]["properties"])
    if not isinstance(arguments, dict) or set(arguments) - allowed:
        raise ModelUnavailable(f"unexpected arguments for {name}")


def _own_category(names, tool: str, category_id: Any) -> int | None:
    """The category id a tool call names: one of the caller's, of the kind the tool is about."""
    if category_id is None:
        return None
    kind = "income" if tool in {"income", "record_income"} else "expense"
    category = names.category(category_id) if isinstance(category_id, int) else None
    if category is None or category.kind != kind:
        raise ModelUnavailable("a category id that is not one of the caller's")
    return category_id


def _advice_topic(topic: Any) -> str | None:
    if topic is not None and topic not in ADVICE_TOPICS:
        raise ModelUnavailable("unknown advice topic")
    return topic


def _payday(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ModelUnavailable("payday is not true or false")
    return value


def _recording(caller: Caller, name: str, arguments: dict[str, Any], category_id: int | None,
               account_id: int | None) -> Understanding:
    description = arguments.get("description")
    if description is not None and not isinstance(description, str):
        raise ModelUnavailable("description is not text")
    return Understanding(name, amount=_amount(arguments.get("amount")),
                         date=_date(arguments.get("date")) or caller.today, category_id=category_id,
                         account_id=account_id, description=(description or "").strip()[:200] or None)


def _report(today: dt.date, name: str, arguments: dict[str, Any], category_id: int | None) -> Understanding:
    """A question about a period (this month so far unless the model named days)."""
    period, is_default = _period(today, arguments.get("start_date"), arguments.get("end_date"))
    if name == "top_spending":
        limit = arguments.get("limit", DEFAULT_TOP_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise ModelUnavailable("limit is not a whole number")
        return Understanding(name, period=period, period_is_default=is_default, limit=limit)
    if name == "net_savings":
        return Understanding(name, period=period, period_is_default=is_default)
    return Understanding(name, period=period, period_is_default=is_default, category_id=category_id)


def _investment_period(today: dt.date, arguments: dict[str, Any]) -> Period | None:
    """None (the performance routes' default: 12 months up to today) unless the model named a day."""
    start, end = _date(arguments.get("start_date")), _date(arguments.get("end_date"))
    if start is None and end is None:
        return None
    end = end or today
    start = start or default_start(end)
    if start > end:
        raise ModelUnavailable("a date range that ends before it starts")
    return Period(start, end, _label(start, end))


def _own_id(value: Any, refs) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value not in {r.id for r in refs}:
        raise ModelUnavailable("an id that is not one of the caller's")
    return value


@functools.cache
def _money_adapter():
    from pydantic import TypeAdapter

    from shared.schemas import PositiveMoney

    return TypeAdapter(PositiveMoney)


def _amount(value: Any) -> Decimal:
    """The amount a tool call names, judged like a request body's (ASCII digits, positive, at most two
    decimals, within the money maximum): "1e999" must never reach the arithmetic."""
    from pydantic import ValidationError

    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ModelUnavailable("amount is not a number")
    try:
        return _money_adapter().validate_python(value)
    except ValidationError:
        raise ModelUnavailable("amount is not a positive amount of money") from None


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ModelUnavailable("a date that is not YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ModelUnavailable("a date that does not exist") from None


def _period(today: dt.date, start_text: Any, end_text: Any) -> tuple[Period, bool]:
    start, end = _date(start_text), _date(end_text)
    if start is None and end is None:
        return default_period(today), True
    start = start or (end or today).replace(day=1)
    end = end or today
    if start > end:
        raise ModelUnavailable("a date range that ends before it starts")
    if (end.year - start.year) * 12 + end.month - start.month >= 1200:
        raise ModelUnavailable("a date range over 100 years")
    return Period(start, end, _label(start, end)), False


def _label(start: dt.date, end: dt.date) -> str:
    if start == end:
        return answers.long_date(start)
    if (start, end) == month_bounds(start.year, start.month):
        return f"{calendar.month_name[start.month]} {start.year}"
    return f"{answers.long_date(start)} to {answers.long_date(end)}"


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def figures(text: str) -> set[Decimal]:
    """Every number in a text, as a value (so "1,300.00", "1300" and "1300.0" are one figure)."""
    found = set()
    for raw in _NUMBER.findall(text):
        try:
            found.add(Decimal(raw.replace(",", "")).normalize())
        except InvalidOperation:
            continue
    for raw in re.findall(r"\d+(?:\.\d+)?(?=%)", text):  # a percentage may also be written as a fraction
        found.add((Decimal(raw) / 100).normalize())
    return found | {(f * 100).normalize() for f in list(found) if f < 1}


# --- the wire -----------------------------------------------------------------------------------

def _complete(settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    """One chat-completions call; ModelUnavailable on any failure."""
    import urllib.error
    import urllib.request

    endpoint = settings.azure_openai_endpoint.rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
        raise ModelUnavailable("the endpoint is not https")
    url = (f"{endpoint}/openai/deployments/{quote(settings.azure_openai_deployment, safe='')}/chat/completions"
           f"?api-version={quote(settings.azure_openai_api_version, safe='')}")
    headers = {"Content-Type": "application/json", "Accept": "application/json", **_auth_header(settings)}
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                     headers=headers, method="POST")
    opener = _opener()
    try:
        with opener.open(request, timeout=settings.azure_openai_timeout_seconds) as response:
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ModelUnavailable(f"HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, bad URLs
        raise ModelUnavailable(type(exc).__name__) from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise ModelUnavailable("answer too large")
    try:
        data = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise ModelUnavailable("answer is not JSON") from None
    if not isinstance(data, dict):
        raise ModelUnavailable("answer is not a JSON object")
    return data


def _auth_header(settings: Settings) -> dict[str, str]:
    if settings.azure_openai_api_key:
        return {"api-key": settings.azure_openai_api_key}
    try:
        return {"Authorization": f"Bearer {_credential().get_token(TOKEN_SCOPE).token}"}
    except Exception as exc:  # azure-identity raises many kinds; any of them means "no token"
        raise ModelUnavailable(f"no token ({type(exc).__name__})") from None


_CREDENTIAL = None


def _credential():
    global _CREDENTIAL
    if _CREDENTIAL is None:
        from azure.identity import DefaultAzureCredential  # only when the model is on and keyless

        _CREDENTIAL = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return _CREDENTIAL


def _opener():
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        """A redirect would carry the key to another address: treat it as a failure."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            return None

    return urllib.request.build_opener(NoRedirect)


def _message(data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise ModelUnavailable("no choices in the answer") from None
    if not isinstance(message, dict):
        raise ModelUnavailable("no message in the answer")
    return message


def _content(data: dict[str, Any]) -> str | None:
    content = _message(data).get("content")
    if content is None:
        return None
    if not isinstance(content, str):
        raise ModelUnavailable("content is not text")
    return " ".join(content.split())[:MAX_REPLY_CHARS] or None


def _first_tool_call(data: dict[str, Any]) -> dict[str, Any] | None:
    calls = _message(data).get("tool_calls") or []
    if not isinstance(calls, list) or not calls:
        return None
    raw = calls[0]
    try:
        function = raw["function"]
        name, arguments_text, call_id = function["name"], function.get("arguments") or "{}", raw["id"]
    except (KeyError, TypeError):
        raise ModelUnavailable("a malformed tool call") from None
    if not isinstance(name, str) or not isinstance(arguments_text, str) or not isinstance(call_id, str):
        raise ModelUnavailable("a malformed tool call")
    try:
        arguments = json.loads(arguments_text, parse_float=Decimal)
    except ValueError:
        raise ModelUnavailable("tool arguments are not JSON") from None
    clean = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments_text}}
    return {"id": call_id, "name": name, "arguments": arguments, "raw": clean}
