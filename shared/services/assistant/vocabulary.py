"""Words that point at one of the default categories of a new user, keyed by that category's name.

They only ever resolve to a category the caller actually has under that name (case-insensitive): a
user who renamed "Dining" gets no guess.

- ALIASES are other names for the category itself ("eating out" is Dining): used in questions and
  in recordings alike.
- ITEMS are things bought or kinds of income ("coffee", "uber", "bonus"): a recording is filed under
  the category (spending 12.50 on coffee is a Dining expense), but a question about them is not
  answered with the whole category's total; the assistant asks instead ("coffee" is not "Dining").
"""
from __future__ import annotations

ALIASES: dict[str, tuple[str, ...]] = {
    "dining": ("restaurant", "eating out", "eat out", "takeout", "take out", "takeaway", "dining out",
               "meals out", "food out"),
    "groceries": ("grocery", "supermarket", "food shopping", "grocery store"),
    "transport": ("transportation", "commute", "commuting"),
    "utilities": ("utility", "utility bills", "household bills"),
    "health": ("medical", "healthcare", "health care"),
    "entertainment": ("fun", "leisure"),
    "rent": ("housing",),
    "salary": ("paycheck", "wages", "wage", "payroll"),
    "freelance": ("freelancing", "side gig", "consulting", "contract work"),
}

ITEMS: dict[str, tuple[str, ...]] = {
    "dining": ("coffee", "lunch", "dinner", "breakfast", "brunch", "pizza", "burger", "sushi", "cafe",
               "starbucks", "drinks", "beer", "bar", "pub", "mcdonalds", "snack bar"),
    "groceries": ("milk", "bread", "eggs", "produce", "aldi", "lidl", "trader joes", "whole foods",
                  "food shop"),
    "transport": ("uber", "lyft", "taxi", "cab", "bus", "train", "subway", "metro", "tram", "parking",
                  "gas", "fuel", "petrol", "toll", "car wash", "bus ticket", "train ticket"),
    "utilities": ("electricity", "electric bill", "power bill", "water bill", "water", "gas bill",
                  "internet", "wifi", "phone bill", "heating"),
    "health": ("pharmacy", "doctor", "dentist", "medicine", "meds", "prescription", "hospital",
               "therapy", "vitamins", "drugstore", "doctor visit"),
    "entertainment": ("netflix", "spotify", "cinema", "movie", "movies", "concert", "theater",
                      "theatre", "hulu", "disney", "video game", "tickets"),
    "shopping": ("shoes", "clothes", "clothing", "amazon", "shirt", "jacket", "dress", "electronics",
                 "furniture"),
    "rent": ("landlord",),
    "salary": ("bonus", "payday", "pay slip"),
    "freelance": ("client", "invoice", "gig", "project"),
}
