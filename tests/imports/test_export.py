"""GET /api/export: a zip of one CSV per resource and data.json; exact decimals; a round trip."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

from tests.imports.helpers import import_, text
from tests.money.conftest import (
    all_items,
    created,
    new_account,
    new_budget,
    new_card,
    new_category,
    new_goal,
    new_income_source,
    new_transaction,
    ok,
)
from tests.recurring.conftest import new_schedule


def export(client) -> zipfile.ZipFile:
    response = client.get("/api/export")
    assert response.status == 200, response
    assert response.content_type.startswith("application/zip")
    assert response.header("content-disposition").startswith("attachment; filename=")
    return zipfile.ZipFile(io.BytesIO(response.body))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_the_zip_holds_one_csv_per_resource_and_data_json(api):
    archive = export(api)
    names = set(archive.namelist())
    assert {"transactions.csv", "accounts.csv", "credit_cards.csv", "categories.csv", "budgets.csv", "goals.csv",
            "portfolios.csv", "assets.csv", "prices.csv", "rules.csv", "data.json"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["transactions"] == [] and len(data["categories"]) == len(rows(archive, "categories.csv")) > 0


def test_transactions_carry_payee_tags_and_exact_amounts(api):
    account = new_account(api, opening_balance="1000000000.10")
    tx = new_transaction(api, account_id=account["id"], amount="999999999.99", payee="Big, \"Quoted\" Payee",
                         tags=["One", "two"], description="line\nbreak")
    archive = export(api)
    [row] = rows(archive, "transactions.csv")
    assert (row["id"], row["amount"], row["payee"], row["tags"], row["signed_amount"], row["description"]) == (
        str(tx["id"]), "999999999.99", 'Big, "Quoted" Payee', "One|two", "-999999999.99", "line\nbreak")
    data = json.loads(archive.read("data.json"))
    assert data["transactions"][0]["tags"] == ["One", "two"]
    assert data["transactions"][0]["amount"] == "999999999.99"
    assert data["accounts"][0]["balance"] == "0.11" and data["accounts"][0]["opening_balance"] == "1000000000.10"


def test_only_the_callers_data_is_exported(api, other_user):
    new_transaction(other_user.client, description="theirs-secret", tags=["theirs"])
    created(other_user.client.post("/api/rules", json={
        "name": "theirs-rule", "conditions": [{"field": "amount", "op": "gt", "value": "1"}],
        "actions": [{"add_tag": "x"}]}))
    new_transaction(api, description="mine")
    body = b"".join(export(api).read(n) for n in export(api).namelist())
    assert b"theirs-secret" not in body and b"theirs-rule" not in body and b"mine" in body


def test_rules_and_investments_are_exported(api):
    rule = created(api.post("/api/rules", json={
        "name": "coffee", "conditions": [{"field": "amount", "op": "between", "value": ["1", "5.5"]}],
        "actions": [{"add_tag": "coffee"}]}))
    portfolio = created(api.post("/api/portfolios", json={"name": "Pension"}))
    asset = created(api.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "World", "type": "etf", "quantity": "1.12345678", "amount_invested": "100",
        "purchase_date": "2026-01-02"}))
    created(api.post(f"/api/assets/{asset['id']}/prices", json={"date": "2026-02-01", "price": "101.00000001"}))
    archive = export(api)
    [exported_rule] = rows(archive, "rules.csv")
    assert json.loads(exported_rule["conditions"]) == rule["conditions"]
    assert rows(archive, "assets.csv")[0]["quantity"] == "1.12345678"
    assert rows(archive, "prices.csv")[0]["price"] == "101.00000001"


def test_round_trip_the_transactions_csv_into_an_empty_account_reproduces_the_totals(api, other_user):
    account, card = new_account(api), new_card(api)
    import_(api, "ofx", text("checking_v1.ofx"), account)
    new_transaction(api, account_id=account["id"], amount="0.01", date="2026-10-31", description="cent")
    new_transaction(api, type="income", account_id=account["id"], amount="12.34", date="2026-11-02",
                    category_id=new_category(api, "income")["id"])
    new_transaction(api, credit_card_id=card["id"], amount="7.00", date="2026-10-09")  # another target: left out
    archive = export(api)
    mine = [r for r in rows(archive, "transactions.csv") if r["account_id"] == str(account["id"])]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(mine[0]))
    writer.writeheader()
    writer.writerows(mine)
    target = new_account(other_user.client)
    result = import_(other_user.client, "csv", buffer.getvalue(), target, csv={
        "date": "date", "amount": "signed_amount", "description": "description", "payee": "payee"})
    assert result["created"] == len(mine) == 6 and result["invalid"] == 0
    assert ok(other_user.client.get(f"/api/accounts/{target['id']}"))["balance"] == \
        ok(api.get(f"/api/accounts/{account['id']}"))["balance"] == "1266.66"
    window = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    theirs = ok(other_user.client.get("/api/reports/summary", params=window))
    ours = ok(api.get("/api/reports/summary", params={**window}))
    assert (theirs["total_income"], theirs["transaction_count"]) == (ours["total_income"], 6)
    assert theirs["total_expenses"] == "1245.68"  # ours also has the card's 7.00


# API.md: "one CSV per resource (transactions with payee and tags, accounts, cards, categories, budgets, goals,
# portfolios, assets, prices, rules, recurring) and data.json with all of it"; and the rest the caller owns.
ANSWERED_LIKE_GET = {"accounts": "/api/accounts", "credit_cards": "/api/credit-cards", "categories": "/api/categories",
                     "income_sources": "/api/income-sources", "budgets": "/api/budgets", "goals": "/api/goals",
                     "portfolios": "/api/portfolios", "rules": "/api/rules", "recurring": "/api/recurring"}


def _a_bit_of_everything(api) -> dict:
    account, card = new_account(api, opening_balance="100.00"), new_card(api, credit_limit="1000.00")
    food = new_category(api, "expense", name="Food")
    salary = new_income_source(api, account_id=account["id"])
    new_transaction(api, account_id=account["id"], category_id=food["id"], amount="12.34", payee="Grocer",
                    tags=["Weekly", "food"], date=dt.date.today().isoformat())
    new_transaction(api, credit_card_id=card["id"], amount="250.00", category_id=food["id"])
    budget = new_budget(api, category_id=food["id"], amount="100.00")
    goal = new_goal(api, target_amount="1000.00", current_savings="250.00",
                    target_date=(dt.date.today() + dt.timedelta(days=400)).isoformat())
    portfolio = created(api.post("/api/portfolios", json={"name": "Pension"}))
    asset = created(api.post(f"/api/portfolios/{portfolio['id']}/assets", json={
        "name": "World", "type": "etf", "quantity": "10", "amount_invested": "1000", "purchase_date": "2025-01-02"}))
    created(api.post(f"/api/assets/{asset['id']}/prices", json={"date": "2025-02-01", "price": "101.00000001"}))
    created(api.post(f"/api/assets/{asset['id']}/trades", json={"type": "sell", "date": "2025-03-01", "quantity": "4",
                                                              "price": "120"}))
    created(api.post(f"/api/assets/{asset['id']}/trades", json={"type": "dividend", "date": "2025-04-01",
                                                              "amount": "3.21"}))
    created(api.post("/api/rules", json={"name": "grocer", "conditions": [{"field": "payee", "op": "contains",
                                                                          "value": "grocer"}],
                                         "actions": [{"set": "category_id", "value": food["id"]}]}))
    schedule = new_schedule(api, name="Rent", amount="950.00", account_id=account["id"], payee="Landlord",
                            tags=["home"], start_date="2030-01-31")
    paused = new_schedule(api, name="Gym", amount="30.00", credit_card_id=card["id"], auto_post=False,
                          start_date="2030-02-01")
    created(api.post("/api/fx-rates", json={"date": "2026-01-02", "base": "EUR", "quote": "USD",
                                            "rate": "1.0987654321"}))
    import_(api, "ofx", text("checking_v1.ofx"), account)
    return {"account": account, "card": card, "food": food, "salary": salary, "budget": budget, "goal": goal,
            "asset": asset, "schedule": schedule, "paused": paused}


def test_every_file_the_contract_names_answers_like_its_get_route(api, other_user):
    world = _a_bit_of_everything(api)
    _a_bit_of_everything(other_user.client)  # none of it may show up
    archive = export(api)
    data = json.loads(archive.read("data.json"))
    for name, path in ANSWERED_LIKE_GET.items():
        expected = sorted(all_items(api, path), key=lambda item: item["id"])
        assert data[name] == expected, name
        header, *lines = list(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8"))))
        assert header == list(expected[0]), name  # the answer's fields, in its order
        assert len(lines) == len(expected), name
    asset_id = world["asset"]["id"]
    assert data["assets"] == all_items(api, f"/api/portfolios/{world['asset']['portfolio_id']}/assets")
    prices = all_items(api, f"/api/assets/{asset_id}/prices")
    assert [(p["date"], p["price"]) for p in data["prices"]] == [(p["date"], p["price"]) for p in prices]
    trades = sorted(all_items(api, f"/api/assets/{asset_id}/trades"), key=lambda t: t["id"])
    assert [(t["type"], t["quantity"], t["price"], t["amount"]) for t in data["trades"]] == [
        (t["type"], t["quantity"], t["price"], t["amount"]) for t in trades]
    assert [(r["base"], r["quote"], r["rate"]) for r in data["fx_rates"]] == [("EUR", "USD", "1.0987654321")]
    assert sorted(t["name"] for t in data["tags"]) == ["Weekly", "food"]  # schedules keep their own tags
    assert [i["id"] for i in data["imports"]] == [i["id"] for i in all_items(api, "/api/imports")]
    for name in (*ANSWERED_LIKE_GET, "transactions", "assets", "prices", "trades", "tags", "fx_rates", "imports"):
        assert f"{name}.csv" in archive.namelist()
        assert len(rows(archive, f"{name}.csv")) == len(data[name]) > 0, name


def test_computed_fields_and_schedules_are_in_the_csv_files(api):
    world = _a_bit_of_everything(api)
    archive = export(api)
    [card] = rows(archive, "credit_cards.csv")
    assert (card["balance"], card["available_credit"], card["utilization"]) == ("250.00", "750.00", "0.2500")
    [budget] = rows(archive, "budgets.csv")
    assert (budget["spent"], budget["remaining"]) == ("262.34", "-162.34")
    [goal] = rows(archive, "goals.csv")
    assert (goal["progress"], goal["remaining"]) == ("0.2500", "750.00") and Decimal(goal["monthly_needed"]) > 0
    [income] = rows(archive, "income_sources.csv")
    assert income["monthly_equivalent"] == "3000.00" and income["account_id"] == str(world["account"]["id"])
    [asset] = rows(archive, "assets.csv")
    # 10 bought for 1000.00, 4 sold at 120: 6 held at average cost 100, a gain of 4 x 20 on the sale
    assert (asset["quantity"], asset["amount_invested"], asset["realized_gain"], asset["dividends"]) == (
        "6", "600.00", "80.00", "3.21")
    rent, gym = rows(archive, "recurring.csv")
    assert (rent["name"], rent["amount"], rent["payee"], rent["tags"], rent["frequency"], rent["start_date"],
            rent["next_date"], rent["auto_post"], rent["account_id"]) == (
        "Rent", "950.00", "Landlord", "home", "monthly", "2030-01-31", "2030-01-31", "true",
        str(world["account"]["id"]))
    assert (gym["auto_post"], gym["credit_card_id"], gym["next_date"]) == (
        "false", str(world["card"]["id"]), world["paused"]["next_date"])
    [rate] = rows(archive, "fx_rates.csv")
    assert rate["rate"] == "1.0987654321" and "user_id" not in rate
    tx = [r for r in rows(archive, "transactions.csv") if r["payee"] == "Grocer"][0]
    assert (tx["tags"], tx["category_id"], tx["currency"], tx["signed_amount"]) == (
        "Weekly|food", str(world["food"]["id"]), "USD", "-12.34")
    assert list(rows(archive, "transactions.csv")[0])[:3] == ["id", "created_at", "updated_at"]


def test_pages_cover_every_row_once_in_date_order(api, monkeypatch):
    import shared.services.export as export_service

    monkeypatch.setattr(export_service, "PAGE", 3)  # pages end inside runs of the same date
    account = new_account(api)
    days = ["2026-03-02", "2026-03-01", "2026-03-02", "2026-03-02", "2026-02-28", "2026-03-02", "2026-03-01",
            "2026-03-03", "2026-03-02", "2026-02-28"]
    made = [new_transaction(api, account_id=account["id"], date=day, amount=f"{n + 1}.00", tags=[f"t{n}"])
            for n, day in enumerate(days)]
    archive = export(api)
    exported = rows(archive, "transactions.csv")
    assert [(r["date"], int(r["id"])) for r in exported] == sorted((t["date"], t["id"]) for t in made)
    assert sorted(r["tags"] for r in exported) == sorted(f"t{n}" for n in range(len(days)))
    assert [t["id"] for t in json.loads(archive.read("data.json"))["transactions"]] == [int(r["id"]) for r in exported]


def test_the_keyset_is_spelled_out_for_sql_server_which_has_no_row_values():
    from sqlalchemy.dialects import mssql, postgresql

    from shared.data.models import Transaction
    from shared.services.export import _after

    keys = [Transaction.date, Transaction.id]
    last = (dt.date(2026, 3, 2), 7)
    assert "(transactions.date, transactions.id) >" in str(_after(keys, last, "postgresql").compile(
        dialect=postgresql.dialect()))
    tsql = str(_after(keys, last, "mssql").compile(dialect=mssql.dialect()))
    assert "transactions.date >" in tsql and "transactions.date =" in tsql and "transactions.id >" in tsql
    assert "(transactions.date, transactions.id)" not in tsql
