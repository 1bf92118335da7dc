"""No duplicates, ever; GET /api/imports; DELETE /api/imports/{id} undoes exactly one import."""
from __future__ import annotations

import threading

from tests.conftest import Client
from tests.imports.helpers import CHASE_MAPPING, body, import_, text
from tests.money.conftest import new_account, new_card, new_category, new_transaction, ok, postgres_only


def balance(api, account) -> str:
    return ok(api.get(f"/api/accounts/{account['id']}"))["balance"]


def count(api) -> int:
    return ok(api.get("/api/transactions"))["total"]


def test_importing_the_same_file_twice_creates_nothing_the_second_time(api):
    account = new_account(api)
    import_(api, "ofx", text("checking_v1.ofx"), account)
    again = import_(api, "ofx", text("checking_v1.ofx"), account)
    assert (again["created"], again["duplicates"]) == (0, 4)
    assert {i["status"] for i in again["items"]} == {"duplicate"}
    assert count(api) == 4 and balance(api, account) == "1254.33"


def test_fitid_is_per_account_so_another_account_takes_the_same_file(api):
    first, second = new_account(api), new_account(api)
    import_(api, "ofx", text("checking_v1.ofx"), first)
    assert import_(api, "ofx", text("checking_v1.ofx"), second)["created"] == 4


def test_an_overlapping_statement_creates_only_its_new_lines(api):
    account = new_account(api)
    import_(api, "ofx", text("checking_v1.ofx"), account)
    later = text("checking_v1.ofx").replace("<FITID>2026101501", "<FITID>2026110101").replace(
        "<DTPOSTED>20261015120000.000[-5:EST]", "<DTPOSTED>20261101120000.000[-5:EST]")
    result = import_(api, "ofx", later, account)
    assert (result["created"], result["duplicates"]) == (1, 3)
    assert [i["status"] for i in result["items"]] == ["new", "duplicate", "duplicate", "duplicate"]


def test_a_fitid_repeated_inside_one_file_is_created_once(api):
    account = new_account(api)
    content = text("checking_v1.ofx").replace("<FITID>2026101502", "<FITID>2026101501")
    result = import_(api, "ofx", content, account)
    assert (result["created"], result["duplicates"]) == (3, 1)


def test_without_fitid_repeats_in_the_file_count_by_occurrence(api):
    account = new_account(api)
    first = import_(api, "qif", text("checking.qif"), account)  # two identical Corner Cafe lines
    assert first["created"] == 4
    assert import_(api, "qif", text("checking.qif"), account)["created"] == 0
    three = text("checking.qif").replace("^\nD13/05", "^\nD10/05/2026\nT-12.00\nPCorner Cafe\n^\nD13/05")
    result = import_(api, "qif", three, account)
    assert (result["created"], result["duplicates"]) == (1, 4)  # the third identical line is new
    assert count(api) == 5


def test_without_fitid_a_line_matching_a_transaction_entered_by_hand_is_a_duplicate(api):
    card = new_card(api)
    new_transaction(api, credit_card_id=card["id"], amount="19.99", date="2026-10-16",
                    description="amazon mktpl*2x4,   seattle")
    result = import_(api, "csv", text("chase_like.csv"), card, csv=CHASE_MAPPING)
    assert [i["status"] for i in result["items"]] == ["new", "duplicate", "new", "new"]


def test_a_dry_run_marks_duplicates_too(api):
    account = new_account(api)
    import_(api, "ofx", text("checking_v1.ofx"), account)
    dry = import_(api, "ofx", text("checking_v1.ofx"), account, status=200, dry_run=True)
    assert (dry["created"], dry["duplicates"]) == (0, 4)


def test_imports_are_listed_newest_first(api, other_user):
    account, card = new_account(api), new_card(api)
    one = import_(api, "ofx", text("checking_v1.ofx"), account)
    two = import_(api, "ofx", text("card.qfx"), card)
    import_(api, "ofx", text("card.qfx"), card)
    listed = ok(api.get("/api/imports"))
    assert listed["total"] == 3 and [i["id"] for i in listed["items"][1:]] == [two["id"], one["id"]]
    assert {k: listed["items"][2][k] for k in ("format", "account_id", "credit_card_id", "created", "duplicates")} \
        == {"format": "ofx", "account_id": account["id"], "credit_card_id": None, "created": 4, "duplicates": 0}
    assert listed["items"][0]["duplicates"] == 4 and listed["items"][0]["created_at"].endswith("Z")
    assert ok(other_user.client.get("/api/imports"))["total"] == 0


def test_undo_removes_exactly_what_the_import_created_and_reports_move_back(api):
    account = new_account(api, opening_balance="10.00")
    food = new_category(api)
    mine = new_transaction(api, account_id=account["id"], amount="5.00", date="2026-10-15", category_id=food["id"])
    created = import_(api, "ofx", text("checking_v1.ofx"), account)
    before_month = ok(api.get("/api/reports/monthly", params={"month": "2026-10"}))
    assert before_month["total_expenses"] == "1250.67"
    tx = ok(api.get("/api/transactions", params={"q": "pos purchase"}))["items"][0]
    api.patch(f"/api/transactions/{tx['id']}", json={"category_id": food["id"], "tags": ["edited"]})
    assert api.delete(f"/api/imports/{created['id']}").status == 204
    assert balance(api, account) == "5.00"
    assert [t["id"] for t in ok(api.get("/api/transactions"))["items"]] == [mine["id"]]
    month = ok(api.get("/api/reports/monthly", params={"month": "2026-10"}))
    assert (month["total_income"], month["total_expenses"]) == ("0.00", "5.00")
    assert [(c["category_id"], c["total"]) for c in month["by_category"]] == [(food["id"], "5.00")]
    assert ok(api.get("/api/tags"))["items"] == []
    assert ok(api.get("/api/imports"))["total"] == 0
    assert api.delete(f"/api/imports/{created['id']}").status == 404
    assert import_(api, "ofx", text("checking_v1.ofx"), account)["created"] == 4  # importable again


def test_undo_leaves_other_imports_alone(api):
    account = new_account(api)
    first = import_(api, "ofx", text("checking_v1.ofx"), account)
    import_(api, "ofx", text("checking_v2.ofx"), account)
    api.delete(f"/api/imports/{first['id']}")
    assert count(api) == 3 and balance(api, account) == "-264.78"


def test_another_users_import_is_404_and_stays(api, other_user):
    account = new_account(api)
    created = import_(api, "ofx", text("checking_v1.ofx"), account)
    assert other_user.client.delete(f"/api/imports/{created['id']}").status == 404
    assert count(api) == 4


def test_an_account_whose_imports_were_undone_can_be_deleted(api):
    account = new_account(api)
    created = import_(api, "ofx", text("checking_v1.ofx"), account)
    import_(api, "ofx", text("checking_v1.ofx"), account)  # all duplicates: a record with nothing in it
    api.delete(f"/api/imports/{created['id']}")
    assert api.delete(f"/api/accounts/{account['id']}").status == 204


@postgres_only
def test_two_imports_racing_on_the_same_file_create_each_line_once(user):
    account = new_account(user.client)
    big = text("checking_v1.ofx")
    statements = [big, big.replace("<FITID>2026102001", "<FITID>2026102099")]
    answers: list = []

    def run(content: str) -> None:
        client = Client(token=user.client.token, address=user.client.address)
        answers.append(client.post("/api/imports", json=body("ofx", content, account)))

    for _ in range(3):
        threads = [threading.Thread(target=run, args=(c,)) for c in statements * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all(a.status == 201 for a in answers), answers
    assert sum(a.json()["created"] for a in answers) == 5  # 4 lines + the re-numbered check, once each
    assert count(user.client) == 5
    assert balance(user.client, account) == "54.33"  # 2500 - 42.17 - 3.50 - 1200 - 1200
