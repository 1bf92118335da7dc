"""GET /api/export: a zip of one CSV per resource and data.json; exact decimals; a round trip."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from tests.imports.helpers import import_, text
from tests.money.conftest import created, new_account, new_card, new_category, new_transaction, ok


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
        "name": "World", "type": "etf", "quantity": "1.12345678", "amount_invested": "100", "purchase_date": "2026-01-02"}))
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
