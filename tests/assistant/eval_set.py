"""Hand-written phrasings with the answer a person would expect, for `understand()`.

Written before the parser, from how people actually ask, not from its rules. Every case is judged
against TODAY (Wednesday 2026-11-25) and the fixture user below (the default categories of a new
user, three accounts and three goals). Slots not named in a case take the defaults in
`tests/assistant/test_eval.py` (e.g. the period of a spending question defaults to this month).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

TODAY = dt.date(2026, 11, 25)

EXPENSE_CATEGORIES = ("Groceries", "Rent", "Utilities", "Transport", "Dining", "Health", "Entertainment",
                      "Shopping", "Other")
INCOME_CATEGORIES = ("Salary", "Freelance", "Interest")
ACCOUNTS = ("Checking", "Savings", "Amex")
GOALS = ("Emergency fund", "Vacation", "New laptop")

# Periods, spelled out once so a wrong constant is easy to spot.
TODAY_P = ("2026-11-25", "2026-11-25")
YESTERDAY = ("2026-11-24", "2026-11-24")
THIS_WEEK = ("2026-11-23", "2026-11-25")      # Monday to today
LAST_WEEK = ("2026-11-16", "2026-11-22")
THIS_MONTH = ("2026-11-01", "2026-11-25")     # first of the month to today
LAST_MONTH = ("2026-10-01", "2026-10-31")
THIS_YEAR = ("2026-01-01", "2026-11-25")
LAST_YEAR = ("2025-01-01", "2025-12-31")
LAST_3_MONTHS = ("2026-08-01", "2026-10-31")  # the three full months before this one
MARCH = ("2026-03-01", "2026-03-31")
OCTOBER = ("2026-10-01", "2026-10-31")
SEPTEMBER = ("2026-09-01", "2026-09-30")


@dataclass(frozen=True)
class Case:
    text: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)


def C(text: str, intent: str, **slots: Any) -> Case:
    return Case(text, intent, slots)


CASES: list[Case] = [
    # --- spending -------------------------------------------------------------------------
    C("how much did I spend on groceries last month?", "spending", category="Groceries", period=LAST_MONTH),
    C("How much have I spent this month", "spending", period=THIS_MONTH),
    C("what did i spend on dining out last week", "spending", category="Dining", period=LAST_WEEK),
    C("total spending this year", "spending", period=THIS_YEAR),
    C("spending on rent in March", "spending", category="Rent", period=MARCH),
    C("How much did I spend on restaurants in October 2026?", "spending", category="Dining", period=OCTOBER),
    C("grocery spending last month", "spending", category="Groceries", period=LAST_MONTH),
    C("how much on groceries yesterday", "spending", category="Groceries", period=YESTERDAY),
    C("expenses for transport since 2026-01-01", "spending", category="Transport", period=THIS_YEAR),
    C("What were my expenses last year?", "spending", period=LAST_YEAR),
    C("how much did i spend on helth this month", "spending", category="Health", period=THIS_MONTH),
    C("how much did I spend on entertainmnet in september", "spending", category="Entertainment",
      period=SEPTEMBER),
    C("spent on utilties last month?", "spending", category="Utilities", period=LAST_MONTH),
    C("HOW MUCH DID I SPEND TODAY", "spending", period=TODAY_P),
    C("how much have i spent between 2026-10-01 and 2026-10-15", "spending", period=("2026-10-01", "2026-10-15")),
    C("spending between March 1 and March 15", "spending", period=("2026-03-01", "2026-03-15")),
    C("how much did I spend on shopping in the last 3 months", "spending", category="Shopping",
      period=LAST_3_MONTHS),
    C("what have I spent on transportation this week", "spending", category="Transport", period=THIS_WEEK),
    C("how much did we spend eating out last month", "spending", category="Dining", period=LAST_MONTH),
    C("Spending in December", "spending", period=("2025-12-01", "2025-12-31")),
    C("how much did I spend last 30 days", "spending", period=("2026-10-27", "2026-11-25")),
    C("what did I spend in the past 7 days", "spending", period=("2026-11-19", "2026-11-25")),
    C("how much money went to rent this year", "spending", category="Rent", period=THIS_YEAR),
    C("cost of groceries in november", "spending", category="Groceries", period=THIS_MONTH),
    C("how much do I spend on groceries", "spending", category="Groceries"),
    C("show me my spending for last month", "spending", period=LAST_MONTH),
    C("Spending on Dining, last week.", "spending", category="Dining", period=LAST_WEEK),
    C("How much did I spend on gorceries last month", "spending", category="Groceries", period=LAST_MONTH),
    C("how much i spent on entertainment between march 1 and april 30", "spending", category="Entertainment",
      period=("2026-03-01", "2026-04-30")),
    C("how much did I spend on health since March 1", "spending", category="Health",
      period=("2026-03-01", "2026-11-25")),
    C("how much did I spend on November 3", "spending", period=("2026-11-03", "2026-11-03")),
    C("what did I spend yesterday?", "spending", period=YESTERDAY),
    C("my expenses this week", "spending", period=THIS_WEEK),
    C("spent in total last month", "spending", period=LAST_MONTH),
    C("how much have I spent on other stuff this month", "spending", category="Other"),
    C("what's my spending on transport in the last 2 months", "spending", category="Transport",
      period=("2026-09-01", "2026-10-31")),
    C("How much did I spend on Groceries in 2025?", "spending", category="Groceries", period=LAST_YEAR),
    C("spending in feb", "spending", period=("2026-02-01", "2026-02-28")),
    C("spending in Feb 2024", "spending", period=("2024-02-01", "2024-02-29")),
    C("spending this week", "spending", period=THIS_WEEK),
    C("what did I spend from 2026-09-01 to 2026-09-30", "spending", period=SEPTEMBER),
    C("how much did I spend between 1 March and 15 March", "spending", period=("2026-03-01", "2026-03-15")),
    C("expenses in the last month", "spending", period=LAST_MONTH),
    C("how much did I spend in Oct.", "spending", period=OCTOBER),
    C("how much did I spend in January", "spending", period=("2026-01-01", "2026-01-31")),
    C("spending on groceries in december 2025", "spending", category="Groceries",
      period=("2025-12-01", "2025-12-31")),
    C("how much did i spend on dining this year so far", "spending", category="Dining", period=THIS_YEAR),
    C("how much have I paid for rent since january", "spending", category="Rent", period=THIS_YEAR),
    C("Whats my total spend on health last week", "spending", category="Health", period=LAST_WEEK),
    C("how much did the kids' entertainment cost in September?", "spending", category="Entertainment",
      period=SEPTEMBER),

    # --- income ---------------------------------------------------------------------------
    C("how much did I earn last month", "income", period=LAST_MONTH),
    C("what was my income this year", "income", period=THIS_YEAR),
    C("how much salary did I get in October", "income", category="Salary", period=OCTOBER),
    C("income from freelance since 2026-06-01", "income", category="Freelance", period=("2026-06-01", "2026-11-25")),
    C("How much interest did I earn last year?", "income", category="Interest", period=LAST_YEAR),
    C("how much money did I make this month", "income", period=THIS_MONTH),
    C("total earnings in september", "income", period=SEPTEMBER),
    C("what did I receive from freelancing last week", "income", category="Freelance", period=LAST_WEEK),
    C("income last 3 months", "income", period=LAST_3_MONTHS),
    C("how much did i get paid last month", "income", period=LAST_MONTH),
    C("my income", "income"),
    C("how much did I earn in the last 6 months", "income", period=("2026-05-01", "2026-10-31")),
    C("What came in from my salary this year?", "income", category="Salary", period=THIS_YEAR),

    # --- net savings ----------------------------------------------------------------------
    C("how much did I save last month", "net_savings", period=LAST_MONTH),
    C("what are my net savings this year", "net_savings", period=THIS_YEAR),
    C("did I save money this month?", "net_savings"),
    C("income minus expenses for October", "net_savings", period=OCTOBER),
    C("what's my cash flow last week", "net_savings", period=LAST_WEEK),
    C("how much have I saved since 2026-01-01", "net_savings", period=THIS_YEAR),
    C("net savings in March", "net_savings", period=MARCH),
    C("Did I spend more than I earned last month?", "net_savings", period=LAST_MONTH),
    C("net savings for last year", "net_savings", period=LAST_YEAR),
    C("how much did i save in 2025", "net_savings", period=LAST_YEAR),
    C("am I saving money", "net_savings"),

    # --- balance --------------------------------------------------------------------------
    C("what's my balance", "balance"),
    C("whats my balance?", "balance"),
    C("how much money do I have", "balance"),
    C("balance of my checking account", "balance", account="Checking"),
    C("How much is in savings?", "balance", account="Savings"),
    C("show balances", "balance"),
    C("what's the balance on my amex", "balance", account="Amex"),
    C("checking balance", "balance", account="Checking"),
    C("how much money is in my savings account right now", "balance", account="Savings"),
    C("total balance across all accounts", "balance"),
    C("what do i have in checking", "balance", account="Checking"),
    C("balance for chekcing", "balance", account="Checking"),
    C("Account balances please", "balance"),

    # --- budget status --------------------------------------------------------------------
    C("am I over budget", "budget_status"),
    C("how are my budgets doing", "budget_status"),
    C("am i within budget for groceries", "budget_status", category="Groceries"),
    C("budget status", "budget_status"),
    C("how much is left in my dining budget", "budget_status", category="Dining"),
    C("did I go over budget last month", "budget_status", period=LAST_MONTH),
    C("which budgets have I exceeded this month", "budget_status"),
    C("Am I over my transport budget?", "budget_status", category="Transport"),
    C("how much budget do I have left", "budget_status"),
    C("budget for entertainment in October", "budget_status", category="Entertainment", period=OCTOBER),
    C("am I on budget", "budget_status"),
    C("how's my budget looking?", "budget_status"),

    # --- goal progress --------------------------------------------------------------------
    C("how are my goals doing", "goal_progress"),
    C("goal progress", "goal_progress"),
    C("how close am I to my vacation goal", "goal_progress", goal="Vacation"),
    C("how much have I saved for the emergency fund", "goal_progress", goal="Emergency fund"),
    C("progress on new laptop", "goal_progress", goal="New laptop"),
    C("show my goals", "goal_progress"),
    C("How far along is my Emergency Fund?", "goal_progress", goal="Emergency fund"),
    C("what's the status of my savings goals", "goal_progress"),
    C("goals", "goal_progress"),
    C("how much more do I need for vacation", "goal_progress", goal="Vacation"),

    # --- top spending ---------------------------------------------------------------------
    C("top 5 categories this year", "top_spending", limit=5, period=THIS_YEAR),
    C("what are my biggest expenses", "top_spending"),
    C("where does my money go", "top_spending"),
    C("top 3 spending categories last month", "top_spending", limit=3, period=LAST_MONTH),
    C("What did I spend the most on in October?", "top_spending", period=OCTOBER),
    C("top three expense categories", "top_spending", limit=3),
    C("largest spending categories since 2026-01-01", "top_spending", period=THIS_YEAR),
    C("show me the top 10 categories for last year", "top_spending", limit=10, period=LAST_YEAR),
    C("where did most of my money go last week", "top_spending", period=LAST_WEEK),
    C("biggest spending categories this month", "top_spending"),
    C("top categories", "top_spending"),

    # --- record an expense ----------------------------------------------------------------
    C("spent 12.50 on coffee today", "record_expense", amount="12.50", category="Dining", description="coffee"),
    C("I spent $45 on groceries yesterday", "record_expense", amount="45", category="Groceries",
      date="2026-11-24"),
    C("paid 1,200 for rent on the 1st", "record_expense", amount="1200", category="Rent", date="2026-11-01"),
    C("spent 8 on uber", "record_expense", amount="8", category="Transport"),
    C("add expense 23.99 shopping", "record_expense", amount="23.99", category="Shopping"),
    C("bought shoes for $60", "record_expense", amount="60", category="Shopping"),
    C("Spent €30 at the cinema on Saturday", "record_expense", amount="30", category="Entertainment",
      date="2026-11-21"),
    C("log 15.75 lunch", "record_expense", amount="15.75", category="Dining"),
    C("I paid 89.99 for the electricity bill", "record_expense", amount="89.99", category="Utilities"),
    C("spent 20 at the pharmacy yesterday", "record_expense", amount="20", category="Health", date="2026-11-24"),
    C("record an expense of 15 for parking", "record_expense", amount="15", category="Transport"),
    C("12 dollars on pizza", "record_expense", amount="12", category="Dining"),
    C("spent 5.5 on coffee", "record_expense", amount="5.50", category="Dining"),
    C("Spent £9.99 on Netflix", "record_expense", amount="9.99", category="Entertainment"),
    C("spent 60 on gas on november 20", "record_expense", amount="60", category="Transport", date="2026-11-20"),
    C("I spent 42 on grocries", "record_expense", amount="42", category="Groceries"),
    C("spent 100 on dinner with friends last friday", "record_expense", amount="100", category="Dining",
      date="2026-11-20"),
    C("paid the water bill 35", "record_expense", amount="35", category="Utilities"),
    C("spent 7 on snacks", "record_expense", amount="7", description="snacks"),
    C("add 50 transport expense yesterday", "record_expense", amount="50", category="Transport",
      date="2026-11-24"),
    C("expense: 19.90 taxi", "record_expense", amount="19.90", category="Transport"),
    C("spent USD 200 on a doctor visit", "record_expense", amount="200", category="Health"),
    C("Spent 2,500.00 on rent on 2026-11-01", "record_expense", amount="2500", category="Rent", date="2026-11-01"),
    C("bought groceries for 64.30", "record_expense", amount="64.30", category="Groceries"),
    C("spent 15 on coffee on the 30th", "record_expense", amount="15", category="Dining", date="2026-10-30"),
    C("paid $12 for spotify", "record_expense", amount="12", category="Entertainment"),
    C("spent 250 on vet bills", "record_expense", amount="250", description="vet bills"),
    C("spent 40", "record_expense", amount="40"),
    C("Spent 3.20 on the bus this morning", "record_expense", amount="3.20", category="Transport"),
    C("just bought a book for 14", "record_expense", amount="14", description="book"),

    # --- record income --------------------------------------------------------------------
    C("got paid 3000 salary on the 1st", "record_income", amount="3000", category="Salary", date="2026-11-01"),
    C("received 500 from a freelance client", "record_income", amount="500", category="Freelance"),
    C("earned 12.34 interest today", "record_income", amount="12.34", category="Interest"),
    C("add income 2,750 salary", "record_income", amount="2750", category="Salary"),
    C("I got 1200 for a freelance project yesterday", "record_income", amount="1200", category="Freelance",
      date="2026-11-24"),
    C("salary of $4,100 came in today", "record_income", amount="4100", category="Salary"),
    C("record income 300", "record_income", amount="300"),
    C("received €250 bonus", "record_income", amount="250", category="Salary"),
    C("got my paycheck of 2800 on november 15", "record_income", amount="2800", category="Salary",
      date="2026-11-15"),
    C("earned 400 freelancing on monday", "record_income", amount="400", category="Freelance", date="2026-11-23"),
    C("interest payment of 3.21 received", "record_income", amount="3.21", category="Interest"),
    C("client paid me 950", "record_income", amount="950", category="Freelance"),

    # --- advice ---------------------------------------------------------------------------
    C("give me some advice", "advice"),
    C("any tips for saving money?", "advice"),
    C("what's my savings rate", "advice", advice_topic="savings_rate"),
    C("am I following the 50/30/20 rule", "advice", advice_topic="50_30_20"),
    C("how do I do on 50-30-20", "advice", advice_topic="50_30_20"),
    C("any unusual spending this month?", "advice", advice_topic="unusual"),
    C("advice on my budgets", "advice", advice_topic="budgets"),
    C("am I on track to hit my goals?", "advice", advice_topic="goals"),
    C("how can I save more", "advice"),
    C("any suggestions to improve my finances", "advice"),
    C("Is there anything weird in my spending?", "advice", advice_topic="unusual"),
    C("tips on budgeting", "advice", advice_topic="budgets"),
    C("what percentage of my income am I saving", "advice", advice_topic="savings_rate"),
    C("will I reach my vacation goal in time", "advice", advice_topic="goals"),

    # --- help -----------------------------------------------------------------------------
    C("help", "help"),
    C("what can you do?", "help"),
    C("HELP ME", "help"),
    C("what kind of questions can I ask", "help"),
    C("how do I use this", "help"),
    C("commands", "help"),
    C("hi there", "help"),

    # --- not understood -------------------------------------------------------------------
    C("can I afford a new car?", "unknown"),
    C("asdfghjkl", "unknown"),
    C("what's the weather like tomorrow", "unknown"),
    C("tell me a joke", "unknown"),
    C("", "unknown"),
    C("should I buy bitcoin", "unknown"),
    C("what is the capital of France", "unknown"),
    C("🙂🙂🙂", "unknown"),
    C("DROP TABLE users; --", "unknown"),
    C("can I afford a 2000 dollar vacation?", "unknown"),
    C("remind me to pay rent", "unknown"),
    C("convert 100 usd to eur", "unknown"),
    C("?", "unknown"),
    C("lorem ipsum dolor sit amet", "unknown"),

    # --- clarify --------------------------------------------------------------------------
    C("how much did I spend on coffee last month", "clarify", candidates=("Dining",)),
    C("how much did I spend on uber", "clarify", candidates=("Transport",)),
    C("spent 1.234 on rent", "clarify"),
    C("spent 0 on coffee", "clarify"),
]

# --- second batch: written after the first version of the parser, run before any change to it ---------
CASES += [
    C("what did groceries cost me last week", "spending", category="Groceries", period=LAST_WEEK),
    C("Total spent on Utilities in 2026", "spending", category="Utilities", period=THIS_YEAR),
    C("how much went on eating out this month", "spending", category="Dining"),
    C("spending breakdown for last month", "top_spending", period=LAST_MONTH),
    C("how much rent did I pay in september", "spending", category="Rent", period=SEPTEMBER),
    C("what's left in my checking account", "balance", account="Checking"),
    C("Money in the bank?", "balance"),
    C("how much cash do I have in savings", "balance", account="Savings"),
    C("earnings from interest since january", "income", category="Interest", period=THIS_YEAR),
    C("did my salary come in this month?", "income", category="Salary"),
    C("am I spending more than I make?", "net_savings"),
    C("how's my vacation fund coming along", "goal_progress", goal="Vacation"),
    C("emergency fund status", "goal_progress", goal="Emergency fund"),
    C("top spending categories in march", "top_spending", period=MARCH),
    C("which category did I spend the most in last month", "top_spending", period=LAST_MONTH),
    C("paid 9.99 for netflix yesterday", "record_expense", amount="9.99", category="Entertainment",
      date="2026-11-24"),
    C("Groceries 54.20", "record_expense", amount="54.20", category="Groceries"),
    C("coffee 4.50", "record_expense", amount="4.50", category="Dining"),
    C("spent 30 bucks on gas yesterday", "record_expense", amount="30", category="Transport", date="2026-11-24"),
    C("got 25 interest from the bank", "record_income", amount="25", category="Interest"),
    C("my paycheck of $2,400 arrived today", "record_income", amount="2400", category="Salary"),
    C("I owe my friend 20", "unknown"),
    C("Spent 12.345 on lunch", "clarify"),
    C("how much did I spend on Christmas presents in December", "clarify"),
    C("what's my biggest expense category this year", "top_spending", period=THIS_YEAR),
    C("am I overspending on dining", "budget_status", category="Dining"),
    C("how much did I spend on transport in Q3", "spending", category="Transport",
      period=("2026-07-01", "2026-09-30")),
    C("what did I spend on 2026-11-02", "spending", period=("2026-11-02", "2026-11-02")),
    C("income in the last year", "income", period=LAST_YEAR),
    C("any advice on my spending?", "advice"),
    C("How much do I have left to spend on groceries?", "budget_status", category="Groceries"),
    C("record a 15 dollar expense for lunch", "record_expense", amount="15", category="Dining"),
    C("log income: 120 freelance", "record_income", amount="120", category="Freelance"),
    C("received my salary 3,200 yesterday", "record_income", amount="3200", category="Salary", date="2026-11-24"),
    C("where's my money going this year", "top_spending", period=THIS_YEAR),
    C("balance?", "balance"),
    C("what is the balance of savings", "balance", account="Savings"),
]
