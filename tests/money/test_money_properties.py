"""Properties: any valid amount round-trips exactly, anything else is a 422 (never a 500), and
after any sequence of writes every balance equals the exact sum of the transactions the API lists."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_user
from tests.money.conftest import all_items, fetch, new_account, new_card, new_category, ok

MAX = Decimal("999999999999.99")
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

valid_amounts = st.decimals(min_value=Decimal("0.01"), max_value=MAX, places=2, allow_nan=False,
                            allow_infinity=False)


@functools.cache
def _shared_client():
    return make_user().client


def _post_raw(client, amount_literal: str):
    raw = '{"type": "expense", "date": "2026-01-01", "amount": ' + amount_literal + "}"
    return client.post("/api/transactions", data=raw, headers={"content-type": "application/json"})


@SETTINGS
@given(amount=valid_amounts, as_number=st.booleans())
def test_any_valid_amount_round_trips_exactly(amount, as_number):
    client = _shared_client()
    literal = format(amount, "f") if as_number else json.dumps(format(amount, "f"))
    r = _post_raw(client, literal)
    assert r.status == 201, r
    expected = format(amount.quantize(Decimal("0.01")), "f")
    assert r.json()["amount"] == expected
    assert fetch(client, f"/api/transactions/{r.json()['id']}")["amount"] == expected


@SETTINGS
@given(value=st.one_of(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**50, max_value=10**50).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(lambda d: format(d, "")),
    st.sampled_from(["1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "true", "null", "[]", "{}",
                     '"1e400"', '"NaN"', '"abc"', '"0.001"', '"1000000000000.00"', "999999999999.99",
                     "1000000000000.00", "0.005", "-0.01", "0", '""', '" 1 "']),
))
def test_any_other_amount_is_refused_cleanly(value):
    """Whatever arrives as the amount, the answer is 201 for a valid one, else 400/422: never a 500."""
    client = _shared_client()
    literal = value if not isinstance(value, str) or _is_json(value) else json.dumps(value)
    r = _post_raw(client, literal)
    assert r.status in (201, 400, 422), r
    if r.status == 201:
        amount = Decimal(r.json()["amount"])
        assert Decimal("0.01") <= amount <= MAX


def _is_json(text: str) -> bool:
    try:
        json.loads(text, parse_constant=lambda c: c)
    except ValueError:
        return False
    return True


# --- the ledger property -----------------------------------------------------------------

N_ACCOUNTS, N_CARDS = 3, 2
LINKS = ("category_id", "account_id", "credit_card_id", "to_account_id", "to_credit_card_id", "income_source_id")
cents = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c) / 100)
creates = st.tuples(st.just("create"), st.sampled_from(["income", "expense", "transfer"]), cents,
                    st.integers(0, N_ACCOUNTS), st.integers(0, N_ACCOUNTS + N_CARDS - 1), st.integers(0, N_CARDS))
patches = st.tuples(st.just("patch"), st.integers(0, 30), st.one_of(st.none(), cents),
                    st.one_of(st.none(), st.integers(0, N_ACCOUNTS - 1)), st.booleans())
deletes = st.tuples(st.just("delete"), st.integers(0, 30))
retypes = st.tuples(st.just("retype"), st.integers(0, 30), creates)
openings = st.tuples(st.just("opening"), st.integers(0, N_ACCOUNTS - 1),
                     st.integers(min_value=-10**8, max_value=10**8).map(lambda c: Decimal(c) / 100))


def _create_body(kind, amount, account_pick, destination_pick, card_pick, accounts, cards, categories):
    body = {"type": kind, "amount": str(amount), "date": "2026-05-01"}
    if kind == "income":
        if account_pick < N_ACCOUNTS:
            body["account_id"] = accounts[account_pick]
        body["category_id"] = categories["income"]
    elif kind == "expense":
        if card_pick < N_CARDS and account_pick % 2:
            body["credit_card_id"] = cards[card_pick]
        elif account_pick < N_ACCOUNTS:
            body["account_id"] = accounts[account_pick]
        body["category_id"] = categories["expense"]
    else:
        body["account_id"] = accounts[account_pick % N_ACCOUNTS]
        if destination_pick < N_ACCOUNTS:
            body["to_account_id"] = accounts[destination_pick]  # may be the same account: a 422
        else:
            body["to_credit_card_id"] = cards[destination_pick - N_ACCOUNTS]
    return body


def _same_account(body: dict) -> bool:
    """A transfer to the account it comes from: refused with a 422."""
    return body.get("to_account_id") is not None and body["to_account_id"] == body["account_id"]


@dataclass
class _Book:
    """One user's accounts, cards and categories, and the transactions created through the API so far."""
    client: Any
    accounts: list[int]
    cards: list[int]
    categories: dict[str, int]
    created_ids: list[int] = field(default_factory=list)

    def apply(self, step: tuple) -> None:
        kind, *args = step
        if kind in ("patch", "retype", "delete") and not self.created_ids:
            return  # nothing to change yet
        {"create": self.create, "patch": self.patch, "retype": self.retype, "delete": self.delete,
         "opening": self.opening}[kind](*args)

    def create(self, *shape) -> None:
        body = _create_body(*shape, self.accounts, self.cards, self.categories)
        r = self.client.post("/api/transactions", json=body)
        assert r.status == (422 if _same_account(body) else 201), (body, r)
        if r.status == 201:
            self.created_ids.append(r.json()["id"])

    def patch(self, index, amount, account_pick, clear_category) -> None:
        change: dict = {}
        if amount is not None:
            change["amount"] = str(amount)
        if account_pick is not None:
            change["account_id"] = self.accounts[account_pick]
        if clear_category:
            change["category_id"] = None
        r = self.client.patch(f"/api/transactions/{self._pick(index)}", json=change)
        assert r.status in (200, 422), r  # 422: e.g. an account on a card expense, or a self-transfer

    def retype(self, index, create_step) -> None:
        """Reshape a transaction entirely (say an expense into a card payment): every link is sent."""
        _, *shape = create_step
        body = _create_body(*shape, self.accounts, self.cards, self.categories)
        change = {name: body.get(name) for name in LINKS} | {"type": body["type"], "amount": body["amount"]}
        r = self.client.patch(f"/api/transactions/{self._pick(index)}", json=change)
        assert r.status == (422 if _same_account(body) else 200), (change, r)

    def delete(self, index) -> None:
        tx_id = self.created_ids.pop(index % len(self.created_ids))
        assert self.client.delete(f"/api/transactions/{tx_id}").status == 204

    def opening(self, account_pick, balance) -> None:
        ok(self.client.patch(f"/api/accounts/{self.accounts[account_pick]}", json={"opening_balance": str(balance)}))

    def _pick(self, index: int) -> int:
        return self.created_ids[index % len(self.created_ids)]


def _account_balance(account: dict, transactions: list[dict]) -> Decimal:
    """Opening balance + income − expenses and transfers out + transfers in, from the listed transactions."""
    expected = Decimal(account["opening_balance"])
    for t in transactions:
        amount = Decimal(t["amount"])
        if t["type"] == "income" and t["account_id"] == account["id"]:
            expected += amount
        elif t["type"] in ("expense", "transfer") and t["account_id"] == account["id"]:
            expected -= amount
        if t["type"] == "transfer" and t["to_account_id"] == account["id"]:
            expected += amount
    return expected


@SETTINGS
@given(steps=st.lists(st.one_of(creates, creates, patches, retypes, deletes, openings), min_size=1, max_size=14))
def test_balances_equal_the_exact_sum_of_the_listed_transactions(steps):
    client = make_user().client
    book = _Book(client,
                 accounts=[new_account(client, name=f"A{i}", opening_balance=f"{i * 100}.10")["id"]
                           for i in range(N_ACCOUNTS)],
                 cards=[new_card(client, name=f"C{i}")["id"] for i in range(N_CARDS)],
                 categories={"income": new_category(client, "income")["id"], "expense": new_category(client)["id"]})
    for step in steps:
        book.apply(step)

    transactions = all_items(client, "/api/transactions")
    assert sorted(t["id"] for t in transactions) == sorted(book.created_ids)
    for account in all_items(client, "/api/accounts"):
        expected = _account_balance(account, transactions)
        assert Decimal(account["balance"]) == expected and account["balance"] == format(expected, "f"), account
    for card in all_items(client, "/api/credit-cards"):
        charges = sum((Decimal(t["amount"]) for t in transactions
                       if t["type"] == "expense" and t["credit_card_id"] == card["id"]), Decimal(0))
        payments = sum((Decimal(t["amount"]) for t in transactions
                        if t["type"] == "transfer" and t["to_credit_card_id"] == card["id"]), Decimal(0))
        assert Decimal(card["balance"]) == charges - payments, card
        assert Decimal(card["available_credit"]) == Decimal(card["credit_limit"]) - (charges - payments)
