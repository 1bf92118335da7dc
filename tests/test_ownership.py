"""Whose rows a table holds comes from the model metadata: the delete-my-account cleanup and the
isolation tests find a new owned table without anyone listing it, and a table that cannot be placed
fails loudly, by name."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, select

from shared.data.db import run_unit_of_work
from shared.data.models import Base
from shared.data.ownership import SHARED_TABLES, OwnershipUnknown, owned_tables
from tests.reliability._world import build_world


def test_every_table_is_owned_or_declared_shared():
    owned = {o.table.name for o in owned_tables()}
    assert owned | SHARED_TABLES == set(Base.metadata.tables)
    assert not owned & SHARED_TABLES


def test_tables_without_user_id_are_owned_through_their_parent():
    through = {o.table.name: [(key.name, parent.table.name) for key, parent in o.through] for o in owned_tables()}
    assert through["asset_prices"] == [("asset_id", "assets")]
    assert through["refresh_tokens"] == [("session_id", "auth_sessions")]
    assert through["transactions"] == [] and through["users"] == []


def test_parents_come_before_children():
    order = [o.table.name for o in owned_tables()]
    assert order[0] == "users"
    assert order.index("assets") < order.index("asset_prices")
    assert order.index("auth_sessions") < order.index("refresh_tokens")
    assert order.index("accounts") < order.index("transactions")


def _metadata(*extra: str) -> MetaData:
    metadata = MetaData()
    Table("users", metadata, Column("id", Integer, primary_key=True))
    Table("tags", metadata, Column("id", Integer, primary_key=True),
          Column("user_id", ForeignKey("users.id"), nullable=False))
    if "join" in extra:
        Table("tag_links", metadata, Column("id", Integer, primary_key=True),
              Column("tag_id", ForeignKey("tags.id"), nullable=False), Column("other", Integer))
    if "loose" in extra:
        Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", Integer))
    if "nullable owner" in extra:
        Table("drafts", metadata, Column("id", Integer, primary_key=True),
              Column("user_id", ForeignKey("users.id"), nullable=True))
    if "optional parent" in extra:
        Table("tag_hints", metadata, Column("id", Integer, primary_key=True),
              Column("tag_id", ForeignKey("tags.id"), nullable=True))
    return metadata


def test_a_new_owned_table_and_its_child_are_found_unasked():
    owned = owned_tables(_metadata("join"), shared=frozenset())
    assert [o.table.name for o in owned] == ["users", "tags", "tag_links"]


@pytest.mark.parametrize("kind, named", [("loose", "notes"), ("nullable owner", "drafts.user_id"),
                                         ("optional parent", "tag_hints")])
def test_a_table_that_cannot_be_placed_fails_loudly(kind, named):
    with pytest.raises(OwnershipUnknown, match=named):
        owned_tables(_metadata(kind), shared=frozenset())


def test_a_shared_table_that_does_not_exist_fails_loudly():
    with pytest.raises(OwnershipUnknown, match="nothing_here"):
        owned_tables(_metadata(), shared=frozenset({"nothing_here"}))


def _rows_of(user_id: int) -> dict[str, int]:
    def count(session):
        return {o.table.name: session.execute(select(func.count()).select_from(o.table).where(
            o.rows_of([user_id]))).scalar_one() for o in owned_tables()}
    return run_unit_of_work(count)


def test_deleting_an_account_leaves_no_row_of_it_in_any_owned_table_and_no_one_elses_is_touched():
    gone, kept = build_world("Gone", "10.00"), build_world("Kept", "20.00")
    before_gone, before_kept = _rows_of(gone.user.id), _rows_of(kept.user.id)
    assert {name for name, n in before_gone.items() if n} >= {
        "users", "accounts", "transactions", "goal_contributions", "auth_sessions", "refresh_tokens"}
    response = gone.client.request("DELETE", "/api/me", json={"password": gone.user.password})
    assert response.status == 204, response
    assert {name: n for name, n in _rows_of(gone.user.id).items() if n} == {}
    assert _rows_of(kept.user.id) == before_kept
