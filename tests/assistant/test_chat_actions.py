"""POST /api/chat for what a new user tried first (issue 22): cards named in a sentence, a card's
balance, transfers and card payments, comparisons, recent transactions, payees, undo, and the
recordings that must be asked about rather than guessed. Figures are checked against the REST answers."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.assistant.test_chat_intents import chat, shown
from tests.conftest import make_user
from tests.reports.helpers import account, add, categories

TODAY = dt.date.today()


def _user_with_cards():
    user = make_user()
    c = user.client
    cats = categories(c)
    checking = account(c, "Checking")
    savings = account(c, "Savings")
    visa = c.post("/api/credit-cards", json={"name": "Visa Gold", "issuer": "Visa", "last4": "4242",
                                              "credit_limit": "2000", "statement_day": 1, "due_day": 20}).json()
    amex = c.post("/api/credit-cards", json={"name": "Blue Cash", "issuer": "American Express", "last4": "1005",
                                              "credit_limit": "5000", "statement_day": 5, "due_day": 25}).json()
    return user, cats, checking, savings, visa, amex


def _card(client, card):
    return client.get(f"/api/credit-cards/{card['id']}").json()


def _account(client, account_id):
    return client.get(f"/api/accounts/{account_id}").json()


def test_an_expense_with_a_named_card_is_charged_to_it():
    user, cats, _, _, visa, amex = _user_with_cards()
    body = chat(user.client, "I paid 45 for dinner at Sushi Bar yesterday with my Visa card")
    assert body["intent"] == "record_expense", body
    tx = body["data"]["transaction"]
    assert tx["credit_card_id"] == visa["id"] and tx["account_id"] is None and tx["amount"] == "45.00"
    assert tx["date"] == (TODAY - dt.timedelta(days=1)).isoformat() and tx["category_id"] == cats["Dining"]
    assert _card(user.client, visa)["balance"] == "45.00"
    chat(user.client, "put 120 of shopping on my amex")
    chat(user.client, "charged 18.40 for a taxi to the card ending 1005")
    assert _card(user.client, amex)["balance"] == "138.40"


def test_a_refund_on_a_card_lowers_what_it_owes():
    user, _, _, _, visa, _ = _user_with_cards()
    chat(user.client, "spent 100 on shoes with visa gold")
    body = chat(user.client, "refund of 19.99 on my visa")
    assert body["intent"] == "record_income" and body["data"]["transaction"]["credit_card_id"] == visa["id"]
    assert _card(user.client, visa)["balance"] == "80.01"


def test_the_balance_of_a_named_card():
    user, _, _, _, visa, _ = _user_with_cards()
    chat(user.client, "spent 300 on a jacket with my visa")
    body = chat(user.client, "What's my balance on the Visa?")
    card = _card(user.client, visa)
    assert body["intent"] == "balance" and body["data"]["card"]["balance"] == card["balance"] == "300.00"
    assert shown(card["balance"]) in body["reply"] and shown(card["available_credit"]) in body["reply"]


def test_moving_money_between_accounts_and_paying_a_card():
    user, _, checking, savings, visa, _ = _user_with_cards()
    add(user.client, "income", "1000.00", TODAY.isoformat(), account_id=checking)
    body = chat(user.client, "move 100 from checking to savings")
    assert body["intent"] == "transfer", body
    assert body["data"]["transaction"]["type"] == "transfer"
    assert _account(user.client, checking)["balance"] == "900.00"
    assert _account(user.client, savings)["balance"] == "100.00"
    chat(user.client, "spent 300 on groceries with visa")
    body = chat(user.client, "pay 250 off my visa from checking")
    assert body["intent"] == "transfer" and body["data"]["transaction"]["to_credit_card_id"] == visa["id"]
    assert _card(user.client, visa)["balance"] == "50.00"
    assert _account(user.client, checking)["balance"] == "650.00"


def test_a_transfer_with_a_missing_side_is_asked_about_and_writes_nothing():
    user, _, checking, _, _, _ = _user_with_cards()
    body = chat(user.client, "move 100 to savings")
    assert body["intent"] == "clarify" and "which account" in body["reply"].lower()
    assert user.client.get("/api/transactions").json()["total"] == 0


def test_comparing_two_periods():
    user = make_user()
    cats = categories(user.client)
    last = TODAY.replace(day=1) - dt.timedelta(days=1)
    add(user.client, "expense", "200.00", last.isoformat(), category_id=cats["Groceries"])
    add(user.client, "expense", "50.00", TODAY.isoformat(), category_id=cats["Groceries"])
    add(user.client, "expense", "30.00", TODAY.isoformat(), category_id=cats["Dining"])
    body = chat(user.client, "compare my spending this month vs last month")
    assert body["intent"] == "compare_spending"
    assert (body["data"]["total"], body["data"]["other_total"], body["data"]["change"]) == ("80.00", "200.00",
                                                                                        "-120.00")
    body = chat(user.client, "how does my grocery spending this month compare to last month")
    assert body["data"]["category"]["name"] == "Groceries" and body["data"]["total"] == "50.00"


def test_the_last_transactions():
    user = make_user()
    for day in range(1, 8):
        add(user.client, "expense", f"{day}.00", (TODAY - dt.timedelta(days=day)).isoformat(), description=f"x{day}")
    body = chat(user.client, "show my last 5 transactions")
    assert body["intent"] == "recent_transactions"
    listed = user.client.get("/api/transactions", params={"page_size": 5}).json()["items"]
    assert [t["id"] for t in body["data"]["transactions"]] == [t["id"] for t in listed]


def test_spending_at_a_payee_searches_descriptions():
    user = make_user()
    cats = categories(user.client)
    add(user.client, "expense", "23.40", TODAY.isoformat(), category_id=cats["Groceries"], description="LIDL 1234")
    add(user.client, "expense", "10.00", TODAY.isoformat(), category_id=cats["Groceries"], description="Lidl")
    add(user.client, "expense", "99.00", TODAY.isoformat(), category_id=cats["Groceries"], description="Aldi")
    body = chat(user.client, "how much did I spend at Lidl?")
    assert body["intent"] == "spending" and body["data"]["payee"] == "lidl"
    assert body["data"]["total"] == "33.40" and body["data"]["count"] == 2


def test_undo_takes_back_only_the_assistants_own_last_recording():
    user, _, checking, _, visa, _ = _user_with_cards()
    mine = add(user.client, "expense", "7.00", TODAY.isoformat(), account_id=checking)  # through the API
    nothing = chat(user.client, "undo that")
    assert nothing["intent"] == "undo" and nothing["data"]["undone"] is None
    chat(user.client, "spent 45 on dinner with my visa")
    body = chat(user.client, "undo that")
    assert body["intent"] == "undo" and body["data"]["undone"]["amount"] == "45.00"
    assert _card(user.client, visa)["balance"] == "0.00"
    ids = [t["id"] for t in user.client.get("/api/transactions").json()["items"]]
    assert ids == [mine["id"]]
    assert chat(user.client, "undo that")["data"]["undone"] is None  # once only


def test_undo_never_reaches_another_users_recording():
    alice, bob = make_user(), make_user()
    chat(alice.client, "spent 12 on coffee today")
    assert chat(bob.client, "undo that")["data"]["undone"] is None
    assert alice.client.get("/api/transactions").json()["total"] == 1


def test_an_impossible_date_or_a_missing_amount_is_asked_about_and_writes_nothing():
    user = make_user()
    for message in ("paid 15 for coffee on 31/02", "add coffee", "I spent 20 on books on february 30"):
        body = chat(user.client, message)
        assert body["intent"] == "clarify", (message, body)
        assert body["data"]["question"]
    assert user.client.get("/api/transactions").json()["total"] == 0


@pytest.mark.parametrize("message, description", [
    ("spent 12 on lunch from my Checking account", "lunch"),
    ("I paid 45 for dinner at Sushi Bar yesterday with my Visa card", "dinner at sushi bar"),
    ("paid 15 with my visa for a pizza", "pizza"),
    ("charged 18.40 for a taxi to the card ending 4242", "taxi"),
    ("spent 9 on a card for mom", "card for mom"),  # a card bought, not a card named
])
def test_the_account_or_card_named_is_not_part_of_the_description(message, description):
    from shared.services.assistant.nlu import NamedRef, understand
    from shared.services.assistant.references import CardRef

    understood = understand(message, today=dt.date(2026, 11, 25), categories=[],
                            accounts=[NamedRef(1, "Checking"), NamedRef(2, "Savings")],
                            cards=[CardRef(3, "Visa Gold", "Visa", "4242")])
    assert understood.description == description
