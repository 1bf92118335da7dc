"""Transactions are answered straight from their rows (no pydantic pass): the answers must be exactly
what TransactionOut would dump, for every shape of transaction, in lists, gets, creates and patches."""
from __future__ import annotations

from sqlalchemy import select

from shared.data.models import Transaction
from shared.schemas.money import TransactionOut
from shared.services import tags
from tests.money.conftest import new_account, new_card, new_category, new_transaction, ok


def _pydantic_answers(session, ids: list[int]) -> dict[int, dict]:
    rows = session.execute(select(Transaction).where(Transaction.id.in_(ids))).scalars().all()
    names = tags.of(session, ids)
    return {r.id: TransactionOut.model_validate(r).model_copy(update={"tags": names.get(r.id, [])})
            .model_dump(mode="json") for r in rows}


def test_every_shape_answers_as_pydantic_would(api, db_session):
    checking, euros = new_account(api), new_account(api, name="Euro", currency="EUR")
    card = new_card(api)
    food, salary = new_category(api, "expense"), new_category(api, "income")
    made = [
        new_transaction(api, amount="12.30", category_id=food["id"], account_id=checking["id"],
                        tags=["Trip", "food", "x"], description="crème brûlée ✓"),
        new_transaction(api, type="income", amount="2500.50", category_id=salary["id"], account_id=checking["id"]),
        new_transaction(api, amount="0.01", credit_card_id=card["id"], tags=["card"]),
        new_transaction(api, type="transfer", amount="100.00", account_id=checking["id"],
                        to_account_id=euros["id"], to_amount="91.50"),
        new_transaction(api, type="transfer", amount="40.00", account_id=checking["id"],
                        to_credit_card_id=card["id"]),
        new_transaction(api, amount="99999999.99"),
    ]
    patched = ok(api.patch(f"/api/transactions/{made[0]['id']}", json={"tags": ["later"], "amount": "1.10"}))
    expected = _pydantic_answers(db_session, [t["id"] for t in made])
    db_session.rollback()  # no open read transaction while the app writes (SQLite)
    assert patched == expected[made[0]["id"]]
    for answer in made[1:]:
        assert answer == expected[answer["id"]]
        assert ok(api.get(f"/api/transactions/{answer['id']}")) == expected[answer["id"]]
    listed = ok(api.get("/api/transactions?page_size=100"))["items"]
    assert {t["id"]: t for t in listed} == expected
    assert list(listed[0]) == list(TransactionOut.model_fields)  # the fields in the model's order
    tagged = ok(api.get("/api/transactions?tag=CARD"))["items"]
    assert tagged == [expected[made[2]["id"]]]


def test_a_get_reads_the_transaction_and_its_tags_in_one_statement(api):
    """GET one joins the tags (and the caller's check) into the row's statement: the answer equals the
    list's for a transaction with several tags (in the client's order), with one, and with none."""
    from tests.money.conftest import count_statements

    many = new_transaction(api, amount="3.00", tags=["zeta", "Alpha", "mid"])
    one = new_transaction(api, amount="4.00", tags=["solo"])
    none = new_transaction(api, amount="5.00")
    listed = {t["id"]: t for t in ok(api.get("/api/transactions?page_size=100"))["items"]}
    for made in (many, one, none):
        with count_statements() as counter:
            got = ok(api.get(f"/api/transactions/{made['id']}"))
        assert got == listed[made["id"]] == made
        reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
        # One: the transaction with its tags, carrying the caller's check (shared/services/callers.py).
        assert len(reads) == 1, counter.statements
    assert ok(api.get(f"/api/transactions/{many['id']}"))["tags"] == ["zeta", "Alpha", "mid"]


def test_a_get_of_another_users_or_a_missing_transaction_is_404(api, other_user):
    theirs = new_transaction(other_user.client, amount="6.00", tags=["private"])
    assert api.get(f"/api/transactions/{theirs['id']}").status == 404
    assert api.get("/api/transactions/2147483000").status == 404
