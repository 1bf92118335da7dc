"""A held-out batch for the assistant, written on 2026-11-29 BEFORE any parser change for issue 22.

It is never used for tuning: nothing in shared/services/assistant may be changed to make one of these
pass by special-casing its words. The score on it is reported as the honest figure for unseen wording
(tests/assistant/test_heldout.py prints it; the tuned set is tests/assistant/eval_set.py).

Same conventions as eval_set.py: TODAY is Wednesday 2026-11-25; the fixture user has the default
categories, the accounts Checking and Savings, the cards "Visa Gold" (issuer Visa, last four 4242) and
"Blue Cash" (issuer American Express, last four 1005), and the goals of eval_set.py. Slots a case does
not name take the defaults in test_heldout.py.

Intents beyond eval_set.py, named here first (the parser follows these names):
- record_expense / record_income also carry `card` (a card named by name, issuer or last four) and
  `account`; a refund on a card is record_income with `card`.
- transfer: `amount`, `from_account`, and `to_account` or `to_card` (paying a card).
- compare_spending: `period` and `other_period` (the two periods compared), `category` optional.
- recent_transactions: `limit` (default 10).
- investments: how the portfolio is doing; `period` when a return over a period is asked.
- undo: take back the assistant's own last recording.
- net_worth; upcoming_bills (`days`, default 30); cash_check (`until`: will the money last until then).
- spending / income also carry `payee` when the money went to (or came from) a named payee or shop.
- clarify: a recording it cannot make as said (impossible date, no amount) — nothing is written.
"""
from __future__ import annotations

from tests.assistant.eval_set import (
                                      LAST_MONTH,
                                      LAST_WEEK,
                                      OCTOBER,
                                      THIS_MONTH,
                                      THIS_WEEK,
                                      THIS_YEAR,
                                      YESTERDAY,
                                      C,
                                      Case,
)

CARDS = (("Visa Gold", "Visa", "4242"), ("Blue Cash", "American Express", "1005"))
HELDOUT_ACCOUNTS = ("Checking", "Savings")

CASES: list[Case] = [
    # --- recording with a card or an account named ----------------------------------------------
    C("I paid 45 for dinner at Sushi Bar yesterday with my Visa card", "record_expense", amount="45",
      category="Dining", date=YESTERDAY[0], card="Visa Gold"),
    C("spent 30 on groceries with Visa Gold", "record_expense", amount="30", category="Groceries",
      card="Visa Gold"),
    C("put 120 of shopping on my amex", "record_expense", amount="120", category="Shopping", card="Blue Cash"),
    C("charged 18.40 for a taxi to the card ending 4242", "record_expense", amount="18.40", category="Transport",
      card="Visa Gold"),
    C("paid 64.20 at the pharmacy with blue cash", "record_expense", amount="64.20", category="Health",
      card="Blue Cash"),
    C("spent 25 on gas from checking", "record_expense", amount="25", category="Transport", account="Checking"),
    C("paid the electricity bill, 95.10, from my checking account", "record_expense", amount="95.10",
      category="Utilities", account="Checking"),
    C("bought a jacket for 89 on the visa", "record_expense", amount="89", category="Shopping", card="Visa Gold"),
    C("got paid 2500 salary into savings", "record_income", amount="2500", category="Salary", account="Savings"),
    C("received 300 freelance money in checking", "record_income", amount="300", category="Freelance",
      account="Checking"),
    C("refund of 19.99 on my visa", "record_income", amount="19.99", card="Visa Gold"),
    C("the shop refunded 40 to my amex card", "record_income", amount="40", card="Blue Cash"),
    # --- balances of one card -------------------------------------------------------------------
    C("What's my balance on the Visa?", "balance", card="Visa Gold"),
    C("how much do I owe on my amex", "balance", card="Blue Cash"),
    C("balance of card 4242", "balance", card="Visa Gold"),
    C("what's left on blue cash", "balance", card="Blue Cash"),
    # --- transfers and card payments ------------------------------------------------------------
    C("move 100 from checking to savings", "transfer", amount="100", from_account="Checking",
      to_account="Savings"),
    C("transfer 250 from savings to checking", "transfer", amount="250", from_account="Savings",
      to_account="Checking"),
    C("put 50 into savings from checking", "transfer", amount="50", from_account="Checking", to_account="Savings"),
    C("pay 300 off my visa from checking", "transfer", amount="300", from_account="Checking", to_card="Visa Gold"),
    C("paid my amex bill of 420.50 from checking", "transfer", amount="420.50", from_account="Checking",
      to_card="Blue Cash"),
    C("send 75 from checking to my savings account", "transfer", amount="75", from_account="Checking",
      to_account="Savings"),
    # --- comparisons ----------------------------------------------------------------------------
    C("compare my spending this month vs last month", "compare_spending", period=THIS_MONTH,
      other_period=LAST_MONTH),
    C("did I spend more this month than last month?", "compare_spending", period=THIS_MONTH,
      other_period=LAST_MONTH),
    C("how does my grocery spending this month compare to last month", "compare_spending", period=THIS_MONTH,
      other_period=LAST_MONTH, category="Groceries"),
    C("spending this week versus last week", "compare_spending", period=THIS_WEEK, other_period=LAST_WEEK),
    C("compare dining in october and this month", "compare_spending", period=OCTOBER, other_period=THIS_MONTH,
      category="Dining"),
    # --- recent transactions --------------------------------------------------------------------
    C("show my last 5 transactions", "recent_transactions", limit=5),
    C("what were my latest transactions", "recent_transactions"),
    C("list the last 3 things I bought", "recent_transactions", limit=3),
    C("recent transactions please", "recent_transactions"),
    C("show me my 10 most recent expenses", "recent_transactions", limit=10),
    # --- investments ----------------------------------------------------------------------------
    C("how are my investments doing", "investments"),
    C("what did my portfolio return this year?", "investments", period=THIS_YEAR),
    C("how's my portfolio", "investments"),
    C("what are my stocks worth", "investments"),
    C("investment performance since january", "investments", period=THIS_YEAR),
    # --- undo ------------------------------------------------------------------------------------
    C("undo that", "undo"),
    C("oops, delete the last one", "undo"),
    C("cancel that transaction", "undo"),
    C("undo the last expense you recorded", "undo"),
    # --- payees and shops -----------------------------------------------------------------------
    C("how much did I spend at Lidl?", "spending", payee="lidl"),
    C("what did I spend at amazon last month", "spending", payee="amazon", period=LAST_MONTH),
    C("total paid to Netflix this year", "spending", payee="netflix", period=THIS_YEAR),
    C("how much have I spent at starbucks", "spending", payee="starbucks"),
    # --- impossible or incomplete recordings ----------------------------------------------------
    C("paid 15 for coffee on 31/02", "clarify"),
    C("add coffee", "clarify"),
    C("spent on groceries today", "clarify"),
    C("record lunch yesterday", "clarify"),
    C("I spent 20 on books on february 30", "clarify"),
    # --- net worth --------------------------------------------------------------------------------
    C("what is my net worth", "net_worth"),
    C("how much am I worth in total", "net_worth"),
    C("net worth please", "net_worth"),
    # --- bills ahead and cash checks --------------------------------------------------------------
    C("what bills are coming up?", "upcoming_bills"),
    C("which payments are due this week", "upcoming_bills", days=7),
    C("upcoming bills for the next 2 weeks", "upcoming_bills", days=14),
    C("will I have enough money until the 30th?", "cash_check", until="2026-11-30"),
    C("will I run short before payday", "cash_check"),
    C("am I going to have enough cash until december 15", "cash_check", until="2026-12-15"),
    # --- the old intents in new words ------------------------------------------------------------
    C("how much went on eating out in october", "spending", category="Dining", period=OCTOBER),
    C("what's my savings account at", "balance", account="Savings"),
    C("am I over budget on anything this month", "budget_status"),
    C("how close am I to my vacation goal", "goal_progress", goal="Vacation"),
    C("where did most of my money go last month", "top_spending", period=LAST_MONTH),
]
