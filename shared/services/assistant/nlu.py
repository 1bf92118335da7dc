"""What a chat message asks for, read by rules (no model, no network, no database).

    understand("how much did I spend on groceries last month?", today=date(2026, 11, 25),
               categories=[CategoryRef(1, "Groceries", "expense"), ...])
    → Understanding(intent="spending", category_id=1,
                    period=Period(date(2026, 10, 1), date(2026, 10, 31), "last month"), ...)

The caller answers the Understanding from the user's own data; nothing here knows any data but the
names it is handed. Defaults, stated once:
- spending, income, net_savings, top_spending and budget_status questions that name no period are
  about this month so far (`period_is_default` is then True);
- balance, goal_progress, investments and advice carry a period only when the message names one
  (investments then answer for the 12 months up to today, like the performance routes);
- top_spending's `limit` is 5 unless a number is said ("top 3");
- a recording's `date` is today unless a day is said; a recording that names a longer period
  ("last week") is asked about rather than guessed;
- a greeting on its own ("hi") is answered with help;
- upcoming_bills and cash_check look ahead to `until` (see `horizon`), or to the next payday when
  one is asked about (`payday`); with neither they look 30 days ahead.
Periods are described in `periods`, amounts in `amounts`, name matching in `matching`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from . import vocabulary
from .amounts import find_amounts, pick_amount
from .horizon import find_horizon
from .matching import EVERYDAY_WORDS, Match, choose, find_names, normalize, prepare, singular
from .periods import Found, Period, default_period, find_period, impossible_date
from .references import PLACEHOLDER, CardRef, Named, find_accounts, find_cards, mark_last_four

INTENTS = ("spending", "income", "net_savings", "balance", "net_worth", "budget_status", "goal_progress",
           "top_spending", "investments", "record_expense", "record_income", "transfer", "compare_spending",
           "recent_transactions", "undo",
           "advice", "upcoming_bills", "cash_check", "help", "clarify", "unknown")
__all__ = ["INTENTS", "CardRef", "CategoryRef", "NamedRef", "Understanding", "understand"]
ADVICE_TOPICS = ("savings_rate", "50_30_20", "budgets", "goals", "unusual")
MAX_MESSAGE_CHARS = 2000
DEFAULT_TOP_LIMIT = 5
DEFAULT_RECENT = 10
MAX_RECENT = 50
_PERIOD_INTENTS = frozenset({"spending", "income", "net_savings", "top_spending", "budget_status"})


@dataclass(frozen=True)
class CategoryRef:
    id: int
    name: str
    kind: str  # "income" | "expense"


@dataclass(frozen=True)
class NamedRef:
    id: int
    name: str


@dataclass(frozen=True)
class Understanding:
    intent: str
    period: Period | None = None
    period_is_default: bool = False
    category_id: int | None = None
    category_candidates: tuple[int, ...] = ()
    account_id: int | None = None
    card_id: int | None = None
    from_account_id: int | None = None
    to_account_id: int | None = None
    to_card_id: int | None = None
    goal_id: int | None = None
    amount: Decimal | None = None
    date: dt.date | None = None
    description: str | None = None
    limit: int | None = None
    advice_topic: str | None = None
    question: str | None = None
    other_period: Period | None = None
    payee: str | None = None
    until: dt.date | None = None
    payday: bool = False

    def as_dict(self) -> dict:
        """JSON-ready: dates as ISO strings, the amount as a string."""
        data = asdict(self)
        if self.period is not None:
            data["period"] = {"start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                              "label": self.period.label}
        data["amount"] = None if self.amount is None else str(self.amount)
        data["date"] = None if self.date is None else self.date.isoformat()
        data["until"] = None if self.until is None else self.until.isoformat()
        data["category_candidates"] = list(self.category_candidates)
        if self.other_period is not None:
            data["other_period"] = {"start": self.other_period.start.isoformat(),
                                    "end": self.other_period.end.isoformat(), "label": self.other_period.label}
        return data


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# All patterns below run on `normalize()`d text: lower case, no punctuation, "what's" → "whats".
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HELP = _rx(r"^(?:help(?: me)?|menu|commands?|options|hi|hello|hey|hiya|yo|start|good (?:morning|afternoon|evening)"
            r")(?: there)?(?: please)?$"
            r"|\bwhat (?:can|do|else can) you (?:do|help with)\b|\bhow can you help\b"
            r"|\bwhat can i (?:ask|say|do here)\b"
            r"|\b(?:kinds?|sorts?|types?) of (?:questions|things) (?:can|do|should) i ask\b"
            r"|\bhow (?:do|does|should) (?:i use (?:this|you|it)|this work|it work)\b|\bwho are you\b|\bwhat are you\b"
            r"|\bshow (?:me )?(?:the )?(?:commands|help)\b")
_QUESTION_START = _rx(r"^(?:how|what|whats|did|do|does|am|is|are|was|were|when|where|why|which|can|could|should|would"
                      r"|will|shall|show|tell|list|give|have|has|any)\b|\bhow much\b|\bhow many\b")
_50_30_20 = _rx(r"\b50 30 20\b|\bfifty thirty twenty\b")
_SAVINGS_RATE = _rx(r"\bsavings? rate\b|\brate of sav|\b(?:percent|percentage|share|fraction|portion|proportion)"
                    r" of (?:my |our )?(?:income|pay|salary|earnings)\b.*\bsav"
                    r"|\bhow much of (?:my |our )?income\b.*\bsav")
_UNUSUAL = _rx(r"\b(?:unusual|unusually|anomal\w*|weird|strange|odd|suspicious|irregular|spikes?|unexpected|abnormal)\b"
               r"|\bout of the ordinary\b|\bstand out\b|\bstands out\b")
_GOAL_PACE = _rx(r"\b(?:on track|on pace|behind|ahead of schedule|in time|reach|hit|achieve|meet|make it)\b")
_ADVICE = _rx(r"\b(?:advice|advise|tips?|suggestions?|suggest|recommend\w*|guidance|pointers|insights?)\b"
              r"|\bhow (?:can|could|do|should|might) (?:i|we) (?:save|spend less|cut|reduce|improve|budget|do better"
              r"|stop overspending)\b|\bhelp me (?:save|budget|spend less|cut)\b|\bimprove (?:my|our) finances\b"
              r"|\bwhat should (?:i|we) (?:do|change|cut)\b|\bhow am i doing\b|\bwhere can i (?:save|cut)\b")
_TOP = _rx(r"\btop\b(?! up)|\bbiggest\b|\blargest\b|\bhighest\b|\bspen[dt] (?:the )?most\b|\bmost (?:money|spending)\b"
           r"|\bwhere(?:s| (?:does|did|do|has|is)) (?:all )?(?:most of )?(?:my|our|the) money (?:go|gone|going|went)\b"
           r"|\bmost of (?:my|our) money\b|\bbreak ?down\b|\b(?:by|per|each) category\b")
_TOP_N = re.compile(r"\btop\s+(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty)\b"
                    r"|\b(\d{1,2}|three|four|five|six|seven|eight|nine|ten) (?:biggest|largest|highest|top)\b")
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20}
# Overspending and money "left to spend" are measured against a budget.
_BUDGET = _rx(r"\bbudget|\bover ?spen(?:d|t|ding)\b|\bleft to spend\b")
_GOALS = _rx(r"\bgoals?\b")
_GOAL_CUE = _rx(r"\b(?:sav(?:e|ed|ing) (?:up )?(?:for|towards?)|put (?:aside|away) for|progress|close|far|how much more"
                r"|need (?:for|to save)|status|left (?:for|to save)|towards?|target|coming along|doing|going|hows"
                r"|how is)\b")
_BALANCE = _rx(r"\bbalances?\b|\bhow much (?:money |cash )?(?:do|did) (?:i|we) (?:have|got)\b"
               r"|\bhow much (?:money |cash )?(?:is|s) (?:there )?(?:left )?in\b|\bwhats in\b"
               r"|\bwhat (?:do|did) (?:i|we) have in\b|\bmoney (?:do i have|in (?:my|the|our))\b|\bin the bank\b"
               r"|\bhow much (?:money |cash )?(?:have i|do i) got\b")
# Net worth: accounts + investments − card debt (shared/services/net_worth.py), not just the balances.
_NET_WORTH = _rx(r"\bnet ?worth\b|\bhow much am i worth\b|\bwhat am i worth\b|\bwhat (?:is|s) my worth\b")
_ACCOUNT = _rx(r"\baccounts?\b")
# Looking ahead: bills and payments to come; whether the money lasts to a day.
_OUTGOING = r"(?:bills?|payments?|subscriptions?|debits?|direct debits?|standing orders?|charges?|expenses?|outgoings?)"
_UPCOMING = _rx(rf"\b{_OUTGOING}\b.*\b(?:coming(?: up)?|upcoming|due|ahead|soon|scheduled|expected|to pay"
                r"|next (?:week|month|\d+ days))\b"
                rf"|\b(?:upcoming|coming up|due soon|scheduled|recurring|next)\b.*\b{_OUTGOING}\b"
                r"|\bwhat(?:s| is| will be)? (?:coming up|due)\b|\bwhat do i (?:have to|need to|owe) pay\b")
_ENOUGH = _rx(r"\b(?:have|had) enough\b|\benough (?:money|cash|funds)\b|\brun(?:ning)? (?:short|out|low|dry)\b"
              r"|\bbe short\b|\boverdra(?:wn|ft|w)\b"
              r"|\bgo(?:ing)? (?:negative|below zero|into (?:the )?red|into overdraft)\b"
              r"|\bmake it (?:to|until|till|through)\b|\b(?:money|cash|balance) (?:last|hold out|stretch)\b"
              r"|\bcash ?flow (?:forecast|ahead)\b|\bforecast\b|\bprojected balance\b")
# How investments did: a word for them, with no account, budget or spending word around it.
_INVESTMENTS = _rx(r"\b(?:investments?|invested|investing|portfolios?|stocks?|shares|holdings?|brokerage|etfs?)\b")
_NET = _rx(r"\bnet\b|\bsav(?:e|ed|ing)\b|\bsavings\b|\bcash ?flow\b|\bincome minus\b"
           r"|\bminus (?:my |our )?(?:expenses|spending)\b"
           r"|\bspen(?:d|t|ding) more than (?:i|we) (?:earn|earned|made|make)\b"
           r"|\bearn(?:ed)? more than (?:i|we) spen[dt]\b"
           r"|\bsurplus\b|\bdeficit\b|\bleft over\b|\bin the (?:red|black)\b")
_INCOME = _rx(r"\bearn\w*|\bincome\b|\bmade\b|\bmake\b|\breceived?\b|\b(?:get|got|getting) paid\b|\bpaid me\b"
              r"|\bpaychecks?\b|\bwages?\b|\bcame in\b|\bcome in\b|\bcoming in\b|\brevenue\b")
_SPENDING = _rx(r"\bspen[dt]\w*|\bexpenses?\b|\bexpenditures?\b|\bcosts?\b|\bcosted\b|\bpaid\b|\bpurchases?\b"
                r"|\bmoney (?:went|go|goes)\b|\bbought\b|\boutgoings?\b|\bcharges?\b")
# Recording: a statement with an amount and one of these verbs (or a category with no verb at all).
_RECORD_INCOME = _rx(r"\b(?:got paid|get paid|received|receive|earned|earn|paid me|came in|add(?:ed)? income"
                     r"|record(?:ed)? income|log(?:ged)? income|income of|deposited|deposit|got my|got a)\b")
_RECORD_EXPENSE = _rx(r"\b(?:spent|spend|paid|pay|bought|buy|purchased|add|added|log|logged|record|recorded|expense"
                      r"|cost|charged|dropped)\b")
_GOT = _rx(r"\bgot\b")
_REFUND = _rx(r"\brefund(?:s|ed)?\b|\b(?:money|paid) back\b|\breimburs\w*")
# A statement that starts like a recording but says no amount is asked about, never guessed.
_RECORD_START = _rx(r"^(?:i\s+)?(?:just\s+)?(?:add|record|log|spent|paid|bought|purchased|got paid|received|earned"
                    r"|put|charged)\b")
_TRANSFER = _rx(r"\b(?:move|moved|moving|transfer|transferred|transferring|send|sent|shift|shifted|put|pay|paid"
                r"|paying)\b")
_EXPLICIT_TRANSFER = _rx(r"\b(?:move|moved|moving|transfer|transferred|transferring|shift|shifted)\b")
_UNDO = _rx(r"\bundo\b|\b(?:cancel|delete|remove|revert|reverse|scratch|take back|erase)\s+(?:that|it|this"
            r"|the (?:last|previous|latest)|my (?:last|previous|latest)|last|what you)\b")
_COUNT = r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty"
_RECENT = _rx(rf"\b(?:(?P<n1>{_COUNT})\s+)?(?:most\s+)?(?:recent|latest|last|newest)\s+(?:(?P<n2>{_COUNT})\s+)?"
              r"(?:transactions?|purchases?|expenses?|payments?|entries|things|items|charges|spending|records)\b"
              r"|\brecent (?:activity|transactions?)\b")
_COMPARE = _rx(r"\b(?:compare\w*|comparison|vs|versus|against|than|difference)\b")
_OWE = _rx(r"\bowe\b|\bowing\b|\bleft on\b|\bon (?:my |the )?card\b|\bavailable credit\b|\bcredit left\b")
_PAYEE = re.compile(r"\b(?:at|to|from)\s+([a-z0-9][a-z0-9&'-]*(?:\s+[a-z0-9&'-]+)?)")
_ON_WHAT = re.compile(r"\b(?:on|for|at)\s+(?:the\s+|my\s+|a\s+|an\s+|our\s+)?([a-z][a-z]+(?:\s[a-z]+)?)")
_NOT_A_THING = EVERYDAY_WORDS | frozenset(
    "average everything anything overall whole groceries total it that them things stuff".split())
_TRAILING = frozenset("last this since between and or so far please all".split())
# A named account or card leaves the description with its preposition, determiner and trailing noun.
_VIA = frozenset("with from on using via by to into onto".split())
_DETERMINERS = frozenset("my the our".split())
_HOLDER_TAIL = frozenset("card account acct credit debit ending in".split())
# Words dropped from either end of a recording's description.
_FILLER = frozenset("""
i we ive just spent spend paid pay bought buy purchased got get received receive earned earn made add added
log logged record recorded expense expenses income an a the my our on for at of from to in came me with
charged charge put
dollars dollar bucks euros euro pounds usd eur gbp some new new today this morning and an
""".split())


def understand(message: str, *, today: dt.date, categories: Sequence[CategoryRef],
               accounts: Sequence[NamedRef] = (), goals: Sequence[NamedRef] = (),
               cards: Sequence[CardRef] = ()) -> Understanding:
    """Read one chat message. Never raises on any text; what is not understood is intent "unknown"."""
    text = _CONTROL.sub(" ", (message or "")[:MAX_MESSAGE_CHARS])
    low = " ".join(text.lower().split())
    norm = normalize(low)
    if not re.search(r"[a-z0-9]", norm):
        return Understanding("unknown")
    return _Reader(low, norm, today, categories, accounts, goals, cards).read()


class _Reader:
    """One message being read; the steps share what was found in it."""

    def __init__(self, low: str, norm: str, today: dt.date, categories: Sequence[CategoryRef],
                 accounts: Sequence[NamedRef], goals: Sequence[NamedRef], cards: Sequence[CardRef] = ()):
        low = mark_last_four(low, cards)
        self.low, self.norm, self.today = low, normalize(low) if cards else norm, today
        self.categories = {c.id: c for c in categories}
        self.accounts, self.goals, self.cards = accounts, goals, cards
        self.bad_date = impossible_date(low, today)
        if self.bad_date:
            low = _blank(low, self.bad_date[1])
        self.found: Found | None = find_period(low, today)
        rest = _blank(low, self.found.span) if self.found else low
        self.second: Found | None = find_period(rest, today) if self.found else None
        if self.second is not None:
            rest = _blank(rest, self.second.span)
        self.recent = _RECENT.search(normalize(rest))
        self.limit: int | None = None
        top_n = _TOP_N.search(rest)
        if top_n:
            raw = top_n.group(1) or top_n.group(2)
            self.limit = _WORD_NUMBERS.get(raw) or int(raw)
            rest = _blank(rest, top_n.span())
        rest = re.sub(r"\b50\s*[/\-\s]\s*30\s*[/\-\s]\s*20\b", " ", rest)
        self.amount = pick_amount(find_amounts(rest))
        if self.amount:
            rest = _blank(rest, self.amount.span)
        self.rest_tokens = normalize(rest).split()
        self.category_matches = self._category_matches()

    # -- the decision ---------------------------------------------------------------------

    def read(self) -> Understanding:
        """The first step that recognises the message answers it: where two would, the earlier wins."""
        for step in (self._command, self._transfer, self._recording, self._looking_ahead, self._compare,
                     self._investments, self._advice_request, self._top_spending, self._budget_status,
                     self._goal, self._card_balance, self._holdings, self._money_flow):
            understood = step()
            if understood is not None:
                return understood
        return Understanding("unknown")

    # -- intents --------------------------------------------------------------------------

    def _command(self) -> Understanding | None:
        """Help, undo, or the recent transactions: about the conversation, not about a period."""
        n = self.norm
        if _HELP.search(n) and not _ADVICE.search(n):
            return Understanding("help")
        if _UNDO.search(n):
            return Understanding("undo")
        if self.recent:
            raw = self.recent.group("n1") or self.recent.group("n2")
            limit = DEFAULT_RECENT if raw is None else (_WORD_NUMBERS.get(raw) or int(raw))
            return Understanding("recent_transactions", limit=max(1, min(limit, MAX_RECENT)))
        return None

    def _looking_ahead(self) -> Understanding | None:
        n = self.norm
        if _ENOUGH.search(n) and not _GOALS.search(n):
            return self._ahead("cash_check")
        if _UPCOMING.search(n) and not _BUDGET.search(n):
            return self._ahead("upcoming_bills")
        return None

    def _investments(self) -> Understanding | None:
        n = self.norm
        if _INVESTMENTS.search(n) and not (_ACCOUNT.search(n) or _BUDGET.search(n) or _SPENDING.search(n)):
            return Understanding("investments", period=self.found.period if self.found else None)
        return None

    def _advice_request(self) -> Understanding | None:
        n = self.norm
        if _50_30_20.search(n):
            return self._advice("50_30_20")
        if _SAVINGS_RATE.search(n):
            return self._advice("savings_rate")
        if _UNUSUAL.search(n):
            return self._advice("unusual")
        if (_GOALS.search(n) or self._goal_matches()) and _GOAL_PACE.search(n) and not _BUDGET.search(n):
            return self._advice("goals")
        if _ADVICE.search(n):
            topic = "budgets" if _BUDGET.search(n) else "goals" if _GOALS.search(n) else None
            return self._advice(topic)
        return None

    def _top_spending(self) -> Understanding | None:
        if not _TOP.search(self.norm):
            return None
        return self._with_period(Understanding("top_spending", limit=self.limit or DEFAULT_TOP_LIMIT))

    def _budget_status(self) -> Understanding | None:
        return self._about_category("budget_status", "expense") if _BUDGET.search(self.norm) else None

    def _holdings(self) -> Understanding | None:
        """Net worth, or the balance of the accounts (one when it is named)."""
        n = self.norm
        if _NET_WORTH.search(n):
            return Understanding("net_worth", period=self.found.period if self.found else None)
        if _BALANCE.search(n) or (self._account_matches() and (_ACCOUNT.search(n) or (
                _QUESTION_START.search(n) and not (_SPENDING.search(n) or _INCOME.search(n) or _NET.search(n))))):
            return self._balance()
        return None

    def _money_flow(self) -> Understanding | None:
        """Net savings, income or spending over a period."""
        n = self.norm
        if _NET.search(n):
            return self._with_period(Understanding("net_savings"))
        kind = self._best_kind()
        if _INCOME.search(n) or (kind == "income" and not _SPENDING.search(n)):
            return self._about_category("income", "income")
        if _SPENDING.search(n) or (kind == "expense" and _QUESTION_START.search(n)):
            return self._about_category("spending", "expense")
        return None

    def _with_period(self, u: Understanding) -> Understanding:
        if self.found:
            return replace(u, period=self.found.period)
        return replace(u, period=default_period(self.today), period_is_default=True)

    def _advice(self, topic: str | None) -> Understanding:
        return Understanding("advice", advice_topic=topic, period=self.found.period if self.found else None)

    def _about_category(self, intent: str, kind: str) -> Understanding:
        payee = self._payee() if intent in ("spending", "income") else None
        if payee is not None:
            return self._with_period(Understanding(intent, payee=payee))
        category_id, tied = self._pick_category(kind)
        if tied:
            return self._ask_which(tied)
        if category_id is None and intent != "budget_status":
            unknown = self._unknown_thing(kind)
            if unknown is not None:
                return unknown
        return self._with_period(Understanding(intent, category_id=category_id))

    def _ahead(self, intent: str) -> Understanding:
        horizon = find_horizon(self.low, self.today)
        return Understanding(intent, until=horizon.until, payday=horizon.payday)

    def _balance(self) -> Understanding:
        account_id, tied = choose(self._account_matches())
        if tied:
            names = [a.name for a in self.accounts if a.id in tied]
            return Understanding("clarify", question=f"Which account do you mean: {_or_list(names)}?")
        period = self.found.period if self.found else None
        return Understanding("balance", account_id=account_id, period=period)

    def _goal(self) -> Understanding | None:
        matches = self._goal_matches()
        named_alone = len(self.rest_tokens) <= 3  # "emergency fund?"
        if not (_GOALS.search(self.norm) or (matches and (_GOAL_CUE.search(self.norm) or named_alone))):
            return None
        goal_id, tied = choose(matches)
        if tied:
            names = [g.name for g in self.goals if g.id in tied]
            return Understanding("clarify", question=f"Which goal do you mean: {_or_list(names)}?")
        return Understanding("goal_progress", goal_id=goal_id)

    def _recording(self) -> Understanding | None:
        n = self.norm
        if _QUESTION_START.search(n) or self.low.rstrip().endswith("?"):
            return None
        if self.amount is None:
            if _RECORD_START.search(n) and (self.found is None or self.found.single_day):
                return Understanding("clarify", question="How much was it? Say the amount too, like "
                                                         '"spent 12.50 on coffee today".')
            return None
        if self.bad_date is not None:
            return Understanding("clarify", question=f'There is no such day as "{self.bad_date[0]}". On which day '
                                                     'was it? Say "today", "yesterday" or a date like "on March 3".')
        intent = self._recording_intent()
        if intent is None:
            return None
        if self.amount.value is None:
            return Understanding("clarify", question=_amount_question(self.amount.raw, self.amount.problem))
        if self.found is not None and not self.found.single_day:
            return Understanding("clarify",
                                 question='On which day? Say "today", "yesterday" or a date like "on March 3".')
        day = self.found.period.start if self.found is not None else self.today
        category_kind = "income" if intent == "record_income" else "expense"
        category_id, tied = self._pick_category(category_kind, include_items=True)
        if tied:
            return self._ask_which(tied)
        account_id, _ = choose(self._account_matches())
        cards = [c for c in self._cards() if c.role != "source"]
        card_id = cards[0].id if cards else None
        if card_id is not None and account_id is not None:
            account_id = None  # "with my visa from checking" is a card charge; the account is not paid from
        return Understanding(intent, amount=self.amount.value, date=day, category_id=category_id,
                             account_id=account_id, card_id=card_id, description=self._description())

    def _recording_intent(self) -> str | None:
        """Income or expense, by the verb ("got paid", "spent"), else by the kind of the category or
        item named; None when neither says."""
        n = self.norm
        kind = self._best_kind(include_items=True)
        if _REFUND.search(n) or _RECORD_INCOME.search(n):
            return "record_income"
        if _GOT.search(n):
            return "record_expense" if kind == "expense" else "record_income"
        if _RECORD_EXPENSE.search(n):
            return "record_expense"
        if kind == "income":
            return "record_income"
        if kind == "expense":
            return "record_expense"
        return None

    def _transfer(self) -> Understanding | None:
        """Money moved between the caller's own accounts, or an account paying a card."""
        n = self.norm
        if not _TRANSFER.search(n) or _QUESTION_START.search(n):
            return None
        named = self._accounts() + self._cards()
        source = next((x for x in named if x.kind == "account" and x.role == "source"), None)
        target = next((x for x in named if x.role == "destination" and x is not source), None)
        explicit = _EXPLICIT_TRANSFER.search(n)
        if target is None and explicit and source is not None:
            target = next((x for x in named if x.kind == "account" and x is not source), None)
        if not (explicit and (source or target)) and not (source and target):
            return None
        if self.amount is None or self.amount.value is None:
            raw = self.amount.raw if self.amount else None
            question = _amount_question(raw, self.amount.problem) if raw else "How much should I move?"
            return Understanding("clarify", question=question)
        if source is None:
            return Understanding("clarify", question="From which account? Say it like "
                                                     '"move 100 from checking to savings".')
        if target is None:
            return Understanding("clarify", question="To which account or card? Say it like "
                                                     '"move 100 from checking to savings".')
        day = self.found.period.start if self.found and self.found.single_day else self.today
        return Understanding("transfer", amount=self.amount.value, date=day, from_account_id=source.id,
                             to_account_id=target.id if target.kind == "account" else None,
                             to_card_id=target.id if target.kind == "card" else None)

    def _compare(self) -> Understanding | None:
        if self.second is None or not _COMPARE.search(self.norm):
            return None
        first, second = sorted((self.found, self.second), key=lambda f: f.span[0])
        category_id, tied = self._pick_category("expense")
        if tied:
            return self._ask_which(tied)
        return Understanding("compare_spending", period=first.period, other_period=second.period,
                             category_id=category_id)

    def _card_balance(self) -> Understanding | None:
        n = self.norm
        cards = self._cards()
        if not cards or _SPENDING.search(n) or _INCOME.search(n):
            return None
        if not (_BALANCE.search(n) or _OWE.search(n) or _QUESTION_START.search(n) or self.low.rstrip().endswith("?")):
            return None
        return Understanding("balance", card_id=cards[0].id)

    def _payee(self) -> str | None:
        """The shop or payee in "spent at Lidl" / "paid to Netflix", unless it is one of the caller's
        category names (then the question is about that category)."""
        text = " ".join(self.rest_tokens)
        m = _PAYEE.search(text)
        if not m:
            return None
        words = m.group(1).split()
        if len(words) > 1 and (words[1] in _FILLER or words[1] in _TRAILING):
            words = words[:1]
        if words[0] in _NOT_A_THING or words[0] in _FILLER:
            return None
        thing = " ".join(words)
        if self._category_matches(words):
            return None  # "received from freelancing": one of the caller's categories, not a payee
        return thing

    # -- names ----------------------------------------------------------------------------

    def _category_matches(self, tokens: Sequence[str] | None = None) -> list[tuple[Match, str]]:
        """Matches of the caller's category names and of the aliases of default names in `tokens`
        (the message's own words by default); each with the category's kind."""
        tokens = self.rest_tokens if tokens is None else tokens
        names = prepare((c.id, c.name) for c in self.categories.values())
        matches = find_names(tokens, names)
        by_id = {m.id: m for m in matches}
        for category_id, phrase in self._vocabulary_hits(vocabulary.ALIASES, tokens):
            alias = Match(category_id, 1, 0, len(phrase.split()))
            if category_id not in by_id or alias.key < by_id[category_id].key:
                by_id[category_id] = alias
        return sorted(((m, self.categories[m.id].kind) for m in by_id.values()), key=lambda mk: mk[0].key)

    def _vocabulary_hits(self, table: dict[str, tuple[str, ...]],
                         tokens: Sequence[str] | None = None) -> list[tuple[int, str]]:
        """(category id, phrase) for each phrase of `table` in the message whose category the caller has."""
        by_name = {" ".join(singular(w) for w in normalize(c.name).split()): c.id for c in self.categories.values()}
        tokens = self.rest_tokens if tokens is None else tokens
        padded = " " + " ".join(singular(t) for t in tokens) + " "
        hits = []
        for name, phrases in table.items():
            category_id = by_name.get(singular(name))
            if category_id is None:
                continue
            for phrase in sorted(phrases, key=len, reverse=True):
                key = " ".join(singular(w) for w in phrase.split())
                if f" {key} " in padded:
                    hits.append((category_id, phrase))
                    break
        return hits

    def _item_hits(self, kind: str) -> list[tuple[int, str]]:
        """Item words ("coffee") of categories of `kind`, longest phrase first ("gas bill" before "gas")."""
        hits = [(cid, phrase) for cid, phrase in self._vocabulary_hits(vocabulary.ITEMS)
                if self.categories[cid].kind == kind]
        return sorted(hits, key=lambda hit: -len(hit[1]))

    def _best_kind(self, include_items: bool = False) -> str | None:
        if self.category_matches:
            return self.category_matches[0][1]
        if include_items:
            for kind in ("income", "expense"):
                if self._item_hits(kind) and not self._item_hits("expense" if kind == "income" else "income"):
                    return kind
            if self._item_hits("expense"):
                return "expense"
        return None

    def _pick_category(self, kind: str, include_items: bool = False) -> tuple[int | None, tuple[int, ...]]:
        category_id, tied = choose([m for m, k in self.category_matches if k == kind])
        if category_id is None and not tied and include_items:
            hits = self._item_hits(kind)
            if hits:
                longest = [cid for cid, phrase in hits if len(phrase) == len(hits[0][1])]
                if len(set(longest)) == 1:
                    return longest[0], ()
                return None, tuple(dict.fromkeys(longest))
        return category_id, tied

    def _accounts(self) -> list[Named]:
        return find_accounts(self.rest_tokens, self.accounts)

    def _cards(self) -> list[Named]:
        return find_cards(self.rest_tokens, self.cards) if self.cards else []

    def _account_matches(self) -> list[Match]:
        return find_names(self.rest_tokens, prepare((a.id, a.name) for a in self.accounts))

    def _goal_matches(self) -> list[Match]:
        return find_names(self.rest_tokens, prepare((g.id, g.name) for g in self.goals))

    # -- questions back -------------------------------------------------------------------

    def _ask_which(self, ids: tuple[int, ...]) -> Understanding:
        names = [self.categories[i].name for i in ids]
        return Understanding("clarify", category_candidates=ids,
                             question=f"Which category do you mean: {_or_list(names)}?")

    def _unknown_thing(self, kind: str) -> Understanding | None:
        """A question about something that is not one of the caller's categories ("how much did I
        spend on coffee"): ask, rather than answer with a total that is not what was asked."""
        m = _ON_WHAT.search(" ".join(self.rest_tokens))
        if not m:
            return None
        words = m.group(1).split()
        if words[0] in _NOT_A_THING:
            return None
        if len(words) > 1 and (words[1] in _FILLER or words[1] in _TRAILING):
            words = words[:1]
        thing = " ".join(words)
        hits = self._item_hits(kind)
        if hits:
            cid = hits[0][0]
            return Understanding("clarify", category_candidates=(cid,),
                                 question=f'You have no category called "{thing}". '
                                          f"Did you mean {self.categories[cid].name}?")
        own = sorted(c.name for c in self.categories.values() if c.kind == kind)
        listing = f" Your {kind} categories are: {', '.join(own)}." if own else ""
        return Understanding("clarify", question=f'You have no category called "{thing}".{listing}')

    def _holder_clauses(self) -> set[int]:
        """Token positions of "with my Visa card", "from checking", "on the card ending 4242": the account or
        card a recording names is a field of its own, not part of what the money was for."""
        tokens, drop = self.rest_tokens, set()
        for start, end in _holder_spans(self):
            while end < len(tokens) and (tokens[end] in _HOLDER_TAIL or tokens[end].startswith(PLACEHOLDER)):
                end += 1
            begin = start
            while begin > 0 and tokens[begin - 1] in _DETERMINERS:
                begin -= 1
            if begin > 0 and tokens[begin - 1] in _VIA:
                drop.update(range(begin - 1, end))
        return drop

    def _description(self) -> str | None:
        clauses = self._holder_clauses()
        words = [w for i, w in enumerate(self.rest_tokens) if i not in clauses]
        while words and words[0] in _FILLER:
            words.pop(0)
        while words and words[-1] in _FILLER:
            words.pop()
        return " ".join(words)[:200] or None


def _holder_spans(reader: _Reader) -> list[tuple[int, int]]:
    """Where the accounts and cards a sentence names stand (token start, end)."""
    tokens = reader.rest_tokens
    spans = [(m.start, m.end) for m in reader._account_matches() if m.score <= 3]
    if reader.cards:
        spans += [(m.start, m.end) for m in find_names(tokens, prepare((c.id, c.name) for c in reader.cards))]
        spans += [(c.start, c.start + 1) for c in reader._cards()]
    return spans


def _blank(text: str, span: tuple[int, int]) -> str:
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def _or_list(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _amount_question(raw: str, problem: str | None) -> str:
    raw = raw.strip()
    if problem == "ambiguous":
        return (f'Is "{raw}" a thousand-something or a little over one? Write it as 1234 or 1,234 for the first, '
                f"and with two decimals (like 1.23) for the second.")
    if problem == "not_positive":
        return "The amount has to be more than zero. How much was it?"
    if problem == "too_precise":
        return f'"{raw}" has more than two decimal places. How much was it, to the cent?'
    if problem == "too_large":
        return f'"{raw}" is too large for an amount. How much was it?'
    return f'I could not read "{raw}" as an amount. How much was it?'
