"""POST /api/imports: OFX 1.x/2.x and QFX, QIF, CSV from three bank layouts; dry runs; broken files."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.imports.helpers import CHASE_MAPPING, GIRO_MAPPING, UK_MAPPING, body, import_, text
from tests.money.conftest import created, new_account, new_card, new_category, ok


def balance(api, account) -> str:
    return ok(api.get(f"/api/accounts/{account['id']}"))["balance"]


def test_ofx_1_sgml_imports_every_line_with_payee_memo_and_the_banks_date(api):
    account = new_account(api, opening_balance="100.00")
    result = import_(api, "ofx", text("checking_v1.ofx"), account)
    assert (result["created"], result["duplicates"], result["invalid"]) == (4, 0, 0)
    assert result["id"] and result["dry_run"] is False
    first = result["items"][0]
    assert first == {"line": 44, "date": "2026-10-15", "amount": "42.17", "type": "expense",
                     "payee": "WHOLE FOODS MARKET #10", "description": "POS PURCHASE 10/14", "category_id": None,
                     "tags": [], "status": "new", "reason": None}
    # 23:00 EST on the 15th is the 15th for the account holder, not the 16th in UTC
    assert result["items"][1]["date"] == "2026-10-15" and result["items"][1]["type"] == "income"
    assert balance(api, account) == "1354.33"  # 100 - 42.17 + 2500 - 3.50 - 1200
    listed = ok(api.get("/api/transactions", params={"account_id": account["id"], "sort": "amount"}))
    assert [t["amount"] for t in listed["items"]] == ["3.50", "42.17", "1200.00", "2500.00"]
    assert listed["items"][0]["payee"] == "STARBUCKS STORE 0420" and listed["items"][0]["description"] is None


def test_ofx_2_xml_imports_with_entities_decoded(api):
    account = new_account(api)
    result = import_(api, "ofx", text("checking_v2.ofx"), account)
    assert result["created"] == 3
    assert result["items"][0]["payee"] == "Boulangerie Crème & Café"
    assert balance(api, account) == "-264.78"  # -18.90 + 4.12 - 250


def test_qfx_credit_card_statement_charges_and_refunds(api):
    card = new_card(api)
    result = import_(api, "ofx", text("card.qfx"), card)
    assert [i["type"] for i in result["items"]] == ["expense", "expense", "income", "income"]
    assert ok(api.get(f"/api/credit-cards/{card['id']}"))["balance"] == "65.39"  # 64.99 + 120.40 - 20 - 100


def test_qif_month_first_with_a_bad_date_reported_by_line(api):
    account = new_account(api)
    result = import_(api, "qif", text("checking.qif"), account)
    assert (result["created"], result["invalid"]) == (4, 1)
    bad = result["items"][-1]
    assert (bad["line"], bad["status"]) == (21, "invalid") and "not a real date" in bad["reason"]
    assert result["items"][0]["amount"] == "1234.56" and result["items"][0]["description"] == "Rent October"
    assert result["items"][1]["date"] == "2026-10-05"  # 10/05'26
    assert balance(api, account) == "-1213.56"  # -1234.56 + 45 - 12 - 12


def test_qif_day_first(api):
    account = new_account(api)
    result = import_(api, "qif", text("checking.qif"), account, day_first=True)
    assert result["items"][0]["date"] == "2026-03-10" and result["items"][-1]["date"] == "2026-05-13"
    assert result["invalid"] == 0


def test_csv_german_giro_semicolons_decimal_comma_and_bom(api):
    account = new_account(api)
    result = import_(api, "csv", text("giro_de.csv"), account, csv=GIRO_MAPPING)
    assert result["created"] == 3
    assert [(i["amount"], i["type"], i["payee"]) for i in result["items"]] == [
        ("23.45", "expense", "REWE Markt GmbH"), ("3210.00", "income", "ACME GmbH"),
        ("1050.00", "expense", "Hausverwaltung")]
    assert result["items"][0]["description"] == "Kartenzahlung; REWE"
    assert balance(api, account) == "2136.55"


def test_csv_us_card_layout(api):
    card = new_card(api)
    result = import_(api, "csv", text("chase_like.csv"), card, csv=CHASE_MAPPING)
    assert [i["date"] for i in result["items"]] == ["2026-10-14", "2026-10-16", "2026-10-20", "2026-10-21"]
    assert result["items"][3]["description"] == "UBER EATS"
    assert ok(api.get(f"/api/credit-cards/{card['id']}"))["balance"] == "-142.76"  # 56.20+19.99+31.05-250


def test_csv_uk_debit_and_credit_columns(api):
    account = new_account(api)
    result = import_(api, "csv", text("uk_debit_credit.csv"), account, csv=UK_MAPPING)
    assert (result["created"], result["invalid"]) == (3, 2)
    assert [(i["line"], i["status"]) for i in result["items"]] == [
        (2, "new"), (3, "new"), (4, "new"), (5, "invalid"), (6, "invalid")]
    assert "does not match the format" in result["items"][3]["reason"]
    assert "neither the debit nor the credit" in result["items"][4]["reason"]
    assert balance(api, account) == "1062.15"  # -32.10 + 2100 - 1005.75


def test_csv_category_names_must_be_the_callers_and_of_the_lines_kind(api):
    account = new_account(api)
    groceries = new_category(api, name="Lebensmittel")
    new_category(api, "income", name="Gehalt")
    content = "date,amount,cat\n2026-10-01,-5.00,LEBENSMITTEL\n2026-10-02,-6.00,Gehalt\n2026-10-03,-7.00,Nope\n"
    result = import_(api, "csv", content, account, csv={"date": "date", "amount": "amount", "category": "cat"})
    assert [i["status"] for i in result["items"]] == ["new", "invalid", "invalid"]
    assert result["items"][0]["category_id"] == groceries["id"]
    assert "no category named 'Nope'" in result["items"][2]["reason"]


def test_dry_run_answers_200_with_statuses_and_writes_nothing(api):
    account = new_account(api)
    result = import_(api, "ofx", text("checking_v1.ofx"), account, status=200, dry_run=True)
    assert (result["id"], result["created"], result["dry_run"]) == (None, 0, True)
    assert [i["status"] for i in result["items"]] == ["new"] * 4
    assert balance(api, account) == "0.00"
    assert ok(api.get("/api/imports"))["total"] == 0
    assert ok(api.get("/api/transactions"))["total"] == 0


def test_rules_run_on_imported_lines_without_touching_the_files_fields(api):
    account = new_account(api)
    food = new_category(api)
    created(api.post("/api/rules", json={
        "name": "groceries", "conditions": [{"field": "payee", "op": "contains", "value": "whole foods"}],
        "actions": [{"set": "category_id", "value": food["id"]}, {"set": "description", "value": "rule text"},
                    {"add_tag": "groceries"}]}))
    created(api.post("/api/rules", json={
        "name": "coffee", "conditions": [{"field": "payee", "op": "regex", "value": "^starbucks"}],
        "actions": [{"set": "description", "value": "Coffee"}, {"set": "payee", "value": "Starbucks"}]}))
    items = import_(api, "ofx", text("checking_v1.ofx"), account)["items"]
    assert (items[0]["category_id"], items[0]["description"], items[0]["tags"]) == (
        food["id"], "POS PURCHASE 10/14", ["groceries"])  # MEMO came from the file: kept
    assert (items[2]["description"], items[2]["payee"]) == ("Coffee", "STARBUCKS STORE 0420")  # no MEMO: filled
    assert ok(api.get("/api/tags"))["items"] == [{"name": "groceries", "count": 1, "total": "42.17"}]


@pytest.mark.parametrize("content, message", [
    (text("checking_v1.ofx")[:900], "truncated"),
    (text("checking_v2.ofx")[:-30], "truncated"),
    ("this is not a bank file at all", "not an OFX file"),
    ("garbage " * 600_000, "not an OFX file"),
    (text("checking_v1.ofx").replace("WHOLE", "WH漢字LE"), "wrong encoding"),
    (text("checking_v1.ofx").replace("WHOLE", "WH\ufffdLE"), "wrong encoding"),
    (text("checking_v2.ofx").replace("</MEMO>", "</NAME>", 1), "not open"),
])
def test_a_file_that_does_not_parse_is_a_422_and_imports_nothing(api, content, message):
    account = new_account(api)
    problem = assert_problem(api.post("/api/imports", json=body("ofx", content, account)), 422, "content")
    assert message in problem["detail"], problem
    assert ok(api.get("/api/transactions"))["total"] == 0 and ok(api.get("/api/imports"))["total"] == 0


@pytest.mark.parametrize("fmt, content, extra, message", [
    ("qif", "D10/03/2026\nT-1\n^\n", {}, "!Type:"),
    ("qif", "!Type:Invst\nD10/03/2026\n^\n", {}, "not transactions"),
    ("qif", "!Type:Bank\nD10/03/2026\nT-1\n", {}, "truncated"),
    ("csv", "when,how much\n2026-10-01,1\n", {"csv": {"date": "date", "amount": "amount"}}, "no column 'date'"),
    ("csv", "", {"csv": {"date": "date", "amount": "amount"}}, "empty"),
])
def test_other_formats_that_do_not_parse_are_422(api, fmt, content, extra, message):
    account = new_account(api)
    response = api.post("/api/imports", json=body(fmt, content or " ", account, **extra))
    problem = assert_problem(response, 422)
    assert message in problem["detail"], problem


@pytest.mark.parametrize("change, field", [
    ({"format": "xls"}, "format"),
    ({"csv": {"date": "d"}}, "csv"),
    ({"csv": {"date": "d", "amount": "a", "debit": "x", "credit": "y"}}, "csv"),
    ({"csv": {"date": "d", "amount": "a", "date_format": "dd/mm"}}, "csv"),
    ({"dry_run": "yes"}, "dry_run"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_requests_are_422(api, change, field):
    account = new_account(api)
    request = {**body("csv", "d,a\n2026-01-01,1\n", account, csv={"date": "d", "amount": "a"}), **change}
    assert_problem(api.post("/api/imports", json=request), 422, field)


def test_exactly_one_target_and_it_must_be_the_callers(api, other_user):
    mine, theirs = new_account(api), new_account(other_user.client)
    content = text("checking_v1.ofx")
    assert_problem(api.post("/api/imports", json={"format": "ofx", "content": content}), 422)
    assert_problem(api.post("/api/imports", json={"format": "ofx", "content": content, "account_id": mine["id"],
                                                  "credit_card_id": new_card(api)["id"]}), 422)
    assert_problem(api.post("/api/imports", json=body("ofx", content, theirs)), 422, "account_id")
    assert ok(other_user.client.get(f"/api/accounts/{theirs['id']}"))["balance"] == "0.00"


def test_the_body_may_be_up_to_6_mib_here_and_content_up_to_5(api):
    account = new_account(api)
    head = "date,amount,description\n"
    row = "2026-10-01,-1.00,padding padding padding padding padding padding padding padding padding\n"
    almost = head + row * ((5 * 1024 * 1024 - len(head)) // len(row))
    result = import_(api, "csv", almost, account, status=200, dry_run=True,
                     csv={"date": "date", "amount": "amount", "description": "description"})
    assert len(result["items"]) == 500 and result["duplicates"] == 0
    too_big = almost + row * 200
    assert_problem(api.post("/api/imports", json=body("csv", too_big, account, csv={"date": "date",
                                                                                    "amount": "amount"})), 422)
    huge = {"format": "csv", "account_id": account["id"], "content": "x" * (6 * 1024 * 1024 + 10)}
    assert_problem(api.post("/api/imports", json=huge), 413)


def test_other_routes_keep_the_1_mib_limit(api):
    assert_problem(api.post("/api/accounts", json={"name": "x" * (1024 * 1024 + 10), "type": "cash"}), 413)


# --- digits other than ASCII are not read as numbers (issue 15 item 9) ---------------------------

def test_csv_amounts_and_dates_in_other_digits_are_invalid_lines(api):
    account = new_account(api)
    content = "date,amount\n2026-10-01,-١٢.٥٠\n2026-10-1٢,-5.00\n2026-10-03,-１２\n2026-10-04,-7.00\n"
    result = import_(api, "csv", content, account, csv={"date": "date", "amount": "amount", "date_format": "%Y-%m-%d"})
    assert [i["status"] for i in result["items"]] == ["invalid", "invalid", "invalid", "new"]
    assert "not a number" in result["items"][0]["reason"] and "does not match" in result["items"][1]["reason"]
    assert balance(api, account) == "-7.00"


def test_qif_and_ofx_dates_and_amounts_in_other_digits_are_invalid_lines(api):
    account = new_account(api)
    qif = "!Type:Bank\nD١٠/03/2026\nT-1.00\nPA\n^\nD10/03/2026\nT-٢.00\nPB\n^\nD10/03/2026\nT-3.00\nPC\n^\n"
    assert [i["status"] for i in import_(api, "qif", qif, account)["items"]] == ["invalid", "invalid", "new"]
    ofx = text("checking_v2.ofx").replace("<DTPOSTED>20261003", "<DTPOSTED>٢٠٢٦1003", 1)
    assert ofx != text("checking_v2.ofx")
    items = import_(api, "ofx", ofx, account)["items"]
    assert items[0]["status"] == "invalid" and "DTPOSTED" in items[0]["reason"]
