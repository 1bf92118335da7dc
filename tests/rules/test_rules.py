"""/api/rules: validation, and rules filling in what a POST /api/transactions did not send."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.money.conftest import created, new_account, new_card, new_category, new_transaction, ok


def new_rule(client, conditions, actions, **fields):
    return created(client.post("/api/rules", json={"name": "r", "conditions": conditions, "actions": actions,
                                                   **fields}))


def contains(text, field="description"):
    return [{"field": field, "op": "contains", "value": text}]


def test_create_answers_defaults(api):
    rule = new_rule(api, contains("coffee"), [{"add_tag": "coffee"}])
    assert (rule["priority"], rule["active"], rule["stop"]) == (100, True, False)
    assert rule["conditions"] == [{"field": "description", "op": "contains", "value": "coffee"}]
    assert rule["actions"] == [{"add_tag": "coffee"}]


@pytest.mark.parametrize("condition, message", [
    ({"field": "description", "op": "gt", "value": "x"}, "gt cannot be used on description"),
    ({"field": "amount", "op": "contains", "value": "1"}, "contains cannot be used on amount"),
    ({"field": "amount", "op": "gt", "value": "abc"}, "decimal"),
    ({"field": "amount", "op": "between", "value": ["5", "1"]}, "low <= high"),
    ({"field": "amount", "op": "between", "value": "5"}, "list of two"),
    ({"field": "type", "op": "equals", "value": "gift"}, "income, expense or transfer"),
    ({"field": "type", "op": "contains", "value": "inc"}, "use equals"),
    ({"field": "account_id", "op": "equals", "value": "1"}, "id of one of your accounts"),
    ({"field": "payee", "op": "equals", "value": ""}, "1 to 200"),
    ({"field": "memo", "op": "equals", "value": "x"}, "description"),
])
def test_a_condition_that_cannot_work_is_a_422_that_says_why(api, condition, message):
    body = assert_problem(api.post("/api/rules", json={"name": "r", "conditions": [condition],
                                                       "actions": [{"add_tag": "x"}]}), 422, "conditions")
    assert message in str(body["errors"]), body


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=x)y", "(?<=a)b", "[unclosed"])
def test_a_regex_re2_cannot_run_is_a_422_with_the_reason(api, pattern):
    body = assert_problem(api.post("/api/rules", json={
        "name": "r", "conditions": [{"field": "description", "op": "regex", "value": pattern}],
        "actions": [{"add_tag": "x"}]}), 422, "conditions.0.value")
    assert "linear-time" in body["errors"][0]["message"]


@pytest.mark.parametrize("actions", [
    [], [{"set": "amount", "value": "1"}], [{"set": "payee"}], [{"set": "payee", "value": "x", "add_tag": "y"}],
    [{"add_tag": "y", "value": "z"}], [{"set": "category_id", "value": "7"}], [{"add_tag": "x" * 33}],
    [{"add_tag": "x"}] * 11,
])
def test_bad_actions_are_refused(api, actions):
    assert_problem(api.post("/api/rules", json={"name": "r", "conditions": contains("x"), "actions": actions}),
                   422, "actions")


def test_references_must_be_the_callers_own(api, other_user):
    theirs = new_category(other_user.client)
    assert_problem(api.post("/api/rules", json={"name": "r", "conditions": contains("x"),
                                                "actions": [{"set": "category_id", "value": theirs["id"]}]}),
                   422, "actions.0.value")
    their_account = new_account(other_user.client)
    assert_problem(api.post("/api/rules", json={
        "name": "r", "conditions": [{"field": "account_id", "op": "equals", "value": their_account["id"]}],
        "actions": [{"add_tag": "x"}]}), 422, "conditions.0.value")


def test_list_orders_by_priority_and_patch_changes_fields(api):
    late = new_rule(api, contains("a"), [{"add_tag": "a"}], priority=200)
    early = new_rule(api, contains("b"), [{"add_tag": "b"}], priority=5)
    assert [r["id"] for r in ok(api.get("/api/rules"))["items"]] == [early["id"], late["id"]]
    patched = ok(api.patch(f"/api/rules/{late['id']}", json={"priority": 1, "active": False}))
    assert (patched["priority"], patched["active"], patched["conditions"]) == (1, False, late["conditions"])
    assert_problem(api.patch(f"/api/rules/{late['id']}", json={"priority": None}), 422, "priority")
    assert api.delete(f"/api/rules/{late['id']}").status == 204
    assert api.get(f"/api/rules/{late['id']}").status == 404


def test_another_users_rule_is_404(api, other_user):
    rule = new_rule(api, contains("a"), [{"add_tag": "a"}])
    assert other_user.client.get(f"/api/rules/{rule['id']}").status == 404
    assert other_user.client.post(f"/api/rules/{rule['id']}/run", json={}).status == 404


# --- rules on POST /api/transactions ------------------------------------------------------------------

def test_rules_fill_in_what_the_client_did_not_send(api):
    coffee = new_category(api)
    new_rule(api, contains("STARBUCKS"), [{"set": "category_id", "value": coffee["id"]},
                                          {"set": "payee", "value": "Starbucks"}, {"add_tag": "coffee"}])
    tx = new_transaction(api, description="card payment starbucks #123")
    assert (tx["category_id"], tx["payee"], tx["tags"]) == (coffee["id"], "Starbucks", ["coffee"])


def test_a_field_the_client_sent_is_never_overwritten(api):
    coffee, mine = new_category(api), new_category(api)
    new_rule(api, contains("starbucks"), [{"set": "category_id", "value": coffee["id"]},
                                          {"set": "payee", "value": "Starbucks"}, {"add_tag": "coffee"}])
    tx = new_transaction(api, description="starbucks", category_id=mine["id"], payee="Me", tags=["mine"])
    assert (tx["category_id"], tx["payee"], tx["tags"]) == (mine["id"], "Me", ["mine"])


def test_a_field_sent_as_null_counts_as_sent(api):
    new_rule(api, contains("starbucks"), [{"set": "payee", "value": "Starbucks"}])
    assert new_transaction(api, description="starbucks", payee=None)["payee"] is None


def test_priority_order_later_rules_overwrite_unless_stop(api):
    first, second = new_category(api), new_category(api)
    new_rule(api, contains("shop"), [{"set": "category_id", "value": second["id"]}], priority=20)
    new_rule(api, contains("shop"), [{"set": "category_id", "value": first["id"]}], priority=10)
    assert new_transaction(api, description="shop")["category_id"] == second["id"]  # 10 then 20 overwrites
    stopper = new_rule(api, contains("shop"), [{"add_tag": "stopped"}], priority=15, stop=True)
    tx = new_transaction(api, description="shop")
    assert (tx["category_id"], tx["tags"]) == (first["id"], ["stopped"])
    api.patch(f"/api/rules/{stopper['id']}", json={"active": False})
    assert new_transaction(api, description="shop")["category_id"] == second["id"]


def test_a_category_of_the_wrong_kind_is_skipped(api):
    salary = new_category(api, "income")
    new_rule(api, contains("acme"), [{"set": "category_id", "value": salary["id"]}])
    assert new_transaction(api, description="acme")["category_id"] is None  # an expense: skipped
    assert new_transaction(api, type="income", description="acme")["category_id"] == salary["id"]


def test_conditions_all_must_hold_and_compare_case_insensitively(api):
    card = new_card(api)
    new_rule(api, [{"field": "payee", "op": "starts_with", "value": "AMAZON"},
                   {"field": "amount", "op": "between", "value": ["10", "20.00"]},
                   {"field": "type", "op": "equals", "value": "expense"},
                   {"field": "credit_card_id", "op": "equals", "value": card["id"]}], [{"add_tag": "amzn"}])
    hit = dict(payee="amazon.com", credit_card_id=card["id"])
    assert new_transaction(api, amount="10.00", **hit)["tags"] == ["amzn"]
    assert new_transaction(api, amount="20.00", **hit)["tags"] == ["amzn"]
    assert new_transaction(api, amount="20.01", **hit)["tags"] == []
    assert new_transaction(api, amount="15", payee="amazon.com")["tags"] == []
    assert new_transaction(api, amount="15", payee="the amazon", credit_card_id=card["id"])["tags"] == []


def test_regex_conditions_match_case_insensitively(api):
    new_rule(api, [{"field": "description", "op": "regex", "value": r"^uber\s*(eats)?\b"}], [{"add_tag": "uber"}])
    assert new_transaction(api, description="UBER EATS 1234")["tags"] == ["uber"]
    assert new_transaction(api, description="not uber")["tags"] == []


def test_a_pathological_pattern_runs_in_linear_time(api):
    new_rule(api, [{"field": "description", "op": "regex", "value": "(a+)+$"}], [{"add_tag": "a"}])
    # A backtracking engine takes ~2^40 steps on this; RE2 answers at once.
    assert new_transaction(api, description="a" * 40 + "!")["tags"] == []


def test_other_users_rules_never_run(api, other_user):
    new_rule(other_user.client, contains("x"), [{"add_tag": "theirs"}])
    assert new_transaction(api, description="x")["tags"] == []


# --- POST /api/rules/{id}/run -------------------------------------------------------------------------

def test_run_is_a_dry_run_by_default_and_changes_nothing(api):
    food = new_category(api)
    tx = new_transaction(api, description="Lunch at Joe's", date="2026-10-01")
    rule = new_rule(api, contains("joe"), [{"set": "category_id", "value": food["id"]}])
    report = ok(api.post(f"/api/rules/{rule['id']}/run", json={}))
    assert (report["dry_run"], report["matched"], report["changed"]) == (True, 1, 1)
    item = report["items"][0]
    assert item["transaction_id"] == tx["id"]
    assert (item["before"]["category_id"], item["after"]["category_id"]) == (None, food["id"])
    assert ok(api.get(f"/api/transactions/{tx['id']}"))["category_id"] is None


def test_run_applies_through_the_ledger(api):
    food, other = new_category(api), new_category(api)
    tx = new_transaction(api, amount="12.00", description="joe", date="2026-10-01", category_id=other["id"])
    new_transaction(api, amount="3.00", description="joe", date="2026-09-30", category_id=food["id"])
    new_transaction(api, amount="5.00", description="someone else", date="2026-10-02")
    rule = new_rule(api, contains("joe"), [{"set": "category_id", "value": food["id"]}, {"add_tag": "joe"}])
    report = ok(api.post(f"/api/rules/{rule['id']}/run", json={"date_from": "2026-10-01", "dry_run": False}))
    assert (report["matched"], report["changed"]) == (1, 1)
    after = ok(api.get(f"/api/transactions/{tx['id']}"))
    assert (after["category_id"], after["tags"]) == (food["id"], ["joe"])
    monthly = ok(api.get("/api/reports/monthly", params={"month": "2026-10"}))
    totals = {c["category_id"]: c["total"] for c in monthly["by_category"]}
    assert totals[food["id"]] == "12.00" and other["id"] not in totals
    again = ok(api.post(f"/api/rules/{rule['id']}/run", json={"date_from": "2026-10-01", "dry_run": False}))
    assert (again["matched"], again["changed"]) == (1, 0)


def test_run_refuses_a_reversed_range(api):
    rule = new_rule(api, contains("a"), [{"add_tag": "a"}])
    assert_problem(api.post(f"/api/rules/{rule['id']}/run", json={"date_from": "2026-10-02",
                                                                  "date_to": "2026-10-01"}), 422)


def test_a_create_reads_the_rules_only_when_the_caller_has_an_active_one(api):
    """A write's caller check also reads whether the caller has an active rule: with none (or only
    inactive ones) a create sends no statement for the rules; with one, the rule applies."""
    from tests.money.conftest import count_statements

    def rules_read(**fields):
        with count_statements() as counter:
            made = new_transaction(api, **fields)
        return made, [s for s in counter.statements if "rules.conditions" in s]

    made, read = rules_read(description="coffee beans")
    assert read == [] and made["tags"] == []
    rule = new_rule(api, contains("coffee"), [{"add_tag": "coffee"}], active=False)
    made, read = rules_read(description="coffee beans")
    assert read == [] and made["tags"] == []
    ok(api.patch(f"/api/rules/{rule['id']}", json={"active": True}))
    made, read = rules_read(description="coffee beans")
    assert len(read) == 1 and made["tags"] == ["coffee"]
    assert api.delete(f"/api/rules/{rule['id']}").status == 204
    made, read = rules_read(description="coffee beans")
    assert read == [] and made["tags"] == []
