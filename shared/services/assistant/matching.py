"""Finding the caller's own names (categories, accounts, goals) in a sentence, forgiving of case,
plurals and small typos, and honest about ties.

Each stretch of one to four words is compared with each name; the best comparison wins:
  0  the same words ("Groceries" / "groceries")
  1  the same words once plurals are undone ("grocery" / "Groceries", "restaurants" / "Restaurant")
  2  the same stem ("transportation" / "Transport", "freelancing" / "Freelance"): a common start of at
     least five letters that covers all but the last letter of the shorter word
  3+d a typo at edit distance d (transpositions count once): d ≤ 1 for names of up to six letters,
     d ≤ 2 for longer ones; never for names under four letters, never when the first letter differs,
     never for the everyday words of a question ("doing" is one letter from "dining")
  5  one distinctive word of a longer name ("vacation" for "Summer vacation")
Among equal scores the longer stretch wins ("car insurance" is Car insurance, not Car). When two
different names still tie, the match is ambiguous and the caller asks which one was meant.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_TOKENS = 120
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Words of the questions themselves: never read as a typo of a name.
EVERYDAY_WORDS = frozenset("""
a about account accounts across add advice after all along am amount an and any anything are as at ate
balance balances be been between biggest bill bills bought budget budgets by can categories category
cost costs current daily day days did do does doing done dont each earn earned earning earnings
expense expenses far few for from get getting give go goal goals going got had has have help how i
im in income into is it its just largest last left less like list log look looking made make many me
money month monthly months more most much my need net new of on or our out over paid past pay per
please previous progress received record remaining rest right save saved saving savings say see show
since so some spend spending spent stand stat stats status stuff such tell than that the their them
then there these they thing things this those through to today top total track under up us was we
week weekly weeks well went were what whats when where which while who why will with within year
years yesterday you your
""".split())


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces; accents and punctuation dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", " and ")
    text = text.replace("'", "")
    return _NON_WORD.sub(" ", text).strip()


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or limit + 1 as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@dataclass(frozen=True)
class Name:
    id: int
    words: tuple[str, ...]          # normalized
    singular_words: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    id: int
    score: int
    start: int  # token index
    end: int    # token index, exclusive

    @property
    def key(self) -> tuple[int, int]:
        return (self.score, -(self.end - self.start))


def prepare(items: Iterable[tuple[int, str]]) -> list[Name]:
    names = []
    for item_id, raw in items:
        words = tuple(normalize(raw or "").split())
        if words:
            names.append(Name(item_id, words, tuple(singular(w) for w in words)))
    return names


def _compare(tokens: Sequence[str], sing: Sequence[str], name: Name) -> int | None:
    """`sing` holds the singular of each of `tokens`, worked out once per message."""
    if tuple(tokens) == name.words:
        return 0
    if tuple(sing) == name.singular_words:
        return 1
    text, target = " ".join(sing), " ".join(name.singular_words)
    if text[0] != target[0] or abs(len(text) - len(target)) > 0.4 * len(target) + 2:
        return None  # cheap exit: stems and typos keep the first letter and roughly the length
    if all(t in EVERYDAY_WORDS for t in tokens):
        return None
    shorter, longer = sorted((text, target), key=len)
    common = 0
    for x, y in zip(shorter, longer, strict=False):  # the common prefix
        if x != y:
            break
        common += 1
    if common >= 5 and common >= len(shorter) - 1 and len(shorter) >= 0.6 * len(longer):
        return 2
    letters = len(target.replace(" ", ""))
    if letters < 4 or len(text) < 4:
        return None
    limit = 1 if letters <= 6 else 2
    distance = edit_distance(text, target, limit)
    return 3 + distance if distance <= limit else None


def find_names(tokens: Sequence[str], names: Sequence[Name]) -> list[Match]:
    """Every name that some stretch of `tokens` matches, with its best score, best first. Only the
    first MAX_TOKENS words are searched: a question is short, and the cost grows with words × names."""
    tokens = tokens[:MAX_TOKENS]
    best: dict[int, Match] = {}
    sing = [singular(t) for t in tokens]
    by_first_letter: dict[str, list[Name]] = {}
    for name in names:  # every kind of match keeps the first letter, so only those are compared
        by_first_letter.setdefault(name.words[0][0], []).append(name)
    for start, token in enumerate(tokens):
        for name in by_first_letter.get(token[0], ()):
            width = len(name.words)
            if start + width <= len(tokens):
                score = _compare(tokens[start:start + width], sing[start:start + width], name)
                if score is not None:
                    _keep(best, Match(name.id, score, start, start + width))
    for name in names:
        width = len(name.words)
        if width > 1:
            distinctive = {w for w in name.words if w not in EVERYDAY_WORDS and len(w) >= 4}
            distinctive |= {singular(w) for w in distinctive}
            for start, token in enumerate(tokens):
                if token in distinctive or sing[start] in distinctive:
                    _keep(best, Match(name.id, 5, start, start + 1))
    return sorted(best.values(), key=lambda m: m.key)


def _keep(best: dict[int, Match], match: Match) -> None:
    old = best.get(match.id)
    if old is None or match.key < old.key:
        best[match.id] = match


def choose(matches: Sequence[Match]) -> tuple[int | None, tuple[int, ...]]:
    """(the one best id, ()) or (None, the tied ids) or (None, ()) when nothing matched."""
    if not matches:
        return None, ()
    top = matches[0].key
    tied = [m for m in matches if m.key == top]
    if len(tied) == 1:
        return tied[0].id, ()
    return None, tuple(m.id for m in tied)
