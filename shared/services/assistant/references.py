"""Accounts and cards named in a sentence, and the part each plays in it.

A card is named by its name ("Visa Gold"), its issuer ("my visa", "the amex": when exactly one card
has that issuer), or its last four digits behind a cue ("card 4242", "ending in 4242"; those digits
are then not read as an amount). An account is named by its name. The word before a name says its
part: "from checking" is where money leaves, "to/into savings" or "off my visa" where it arrives,
"with/on/using my visa" what paid.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .matching import find_names, normalize, prepare

# Issuers as people say them; a card's issuer is compared after normalising it the same way.
ISSUER_WORDS = {
    "american express": ("amex", "american express"),
    "visa": ("visa",),
    "mastercard": ("mastercard", "master card", "mc"),
    "discover": ("discover",),
    "diners club": ("diners", "diners club"),
    "capital one": ("capital one",),
}
LAST_FOUR = re.compile(r"\b(?:(?:card\s+)?(?:ending|ends)(?:\s+(?:in|with))?|card(?:\s+(?:number|no))?"
                       r"|last\s+four(?:\s+digits)?)\s*#?\s*(\d{4})\b")
PLACEHOLDER = "cardref"
_SKIP = frozenset("my the our a an this that card account acct".split())
_SOURCE = frozenset({"from", "out"})
_DESTINATION = frozenset({"to", "into", "onto", "off", "towards", "toward"})
_INSTRUMENT = frozenset({"with", "using", "on", "via", "by", "through"})
_PAYING = frozenset({"pay", "paid", "paying", "pays", "payoff"})


@dataclass(frozen=True)
class CardRef:
    id: int
    name: str
    issuer: str | None = None
    last4: str | None = None


@dataclass(frozen=True)
class Named:
    kind: str  # "account" | "card"
    id: int
    start: int  # token index
    role: str | None  # "source" | "destination" | "instrument" | None


def mark_last_four(text: str, cards: Sequence[CardRef]) -> str:
    """Replace "card 4242" with a placeholder token naming the card, so the digits are not an amount."""
    def swap(m: re.Match) -> str:
        card = next((c for c in cards if c.last4 == m.group(1)), None)
        return f" {PLACEHOLDER}{card.id} " if card else m.group(0)
    return LAST_FOUR.sub(swap, text) if cards else text


def _role(tokens: Sequence[str], start: int) -> str | None:
    i = start - 1
    while i >= 0 and tokens[i] in _SKIP:
        i -= 1
    if i < 0:
        return None
    word = tokens[i]
    if word in _SOURCE:
        return "source"
    if word in _DESTINATION or word in _PAYING:
        return "destination"
    if word in _INSTRUMENT:
        return "instrument"
    return None


def find_cards(tokens: Sequence[str], cards: Sequence[CardRef]) -> list[Named]:
    found: dict[int, Named] = {}
    for m in find_names(tokens, prepare((c.id, c.name) for c in cards)):
        found.setdefault(m.id, Named("card", m.id, m.start, _role(tokens, m.start)))
    text = " ".join(tokens)
    for issuer, words in ISSUER_WORDS.items():
        holders = [c for c in cards if c.issuer and normalize(c.issuer) in (issuer, *words)]
        if len(holders) != 1:
            continue
        for word in words:
            m = re.search(rf"\b{word}\b", text)
            if m:
                start = len(text[:m.start()].split())
                found.setdefault(holders[0].id, Named("card", holders[0].id, start, _role(tokens, start)))
                break
    for index, token in enumerate(tokens):
        if token.startswith(PLACEHOLDER) and token[len(PLACEHOLDER):].isdigit():
            card_id = int(token[len(PLACEHOLDER):])
            found.setdefault(card_id, Named("card", card_id, index, _role(tokens, index)))
    return sorted(found.values(), key=lambda n: n.start)


def find_accounts(tokens: Sequence[str], accounts) -> list[Named]:
    """Accounts named closely enough (exactly, in another number, or with one typo)."""
    matches = [m for m in find_names(tokens, prepare((a.id, a.name) for a in accounts)) if m.score <= 3]
    return sorted((Named("account", m.id, m.start, _role(tokens, m.start)) for m in matches), key=lambda n: n.start)
