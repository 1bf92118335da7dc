"""Arguments of the MCP tools (shared/services/mcp/tools.py) that have no REST twin; the others reuse the
REST query and body models as they are. Built from the same field types, so a tool refuses exactly what
the matching route refuses."""
from __future__ import annotations

from pydantic import Field

from shared.schemas import Id, Input, Text
from shared.schemas.investments import PerformanceQuery
from shared.schemas.money import TransactionIn


class NoArguments(Input):
    """The tool takes no arguments."""


class GoalProgressArgs(Input):
    goal_id: Id | None = Field(default=None, description="one goal's id; leave it out for every goal")


class PortfolioPerformanceArgs(PerformanceQuery):
    """GET /api/portfolios/{id}/performance's query, and the portfolio's id (left out: every portfolio)."""

    portfolio_id: Id | None = Field(default=None, description="one portfolio's id (see the net_worth tool's "
                                                              "portfolio items); leave it out for every portfolio")


class RecordTransactionArgs(TransactionIn):
    dry_run: bool = Field(default=False, description="true: check everything and answer the transaction that "
                                                     "would be written, but write nothing")
    idempotency_key: Text(255) | None = Field(
        default=None, description="any unique text (a UUID): calling again with the same key and the same "
                                  "arguments within 24 hours answers the first result and records nothing more")


class CategorizeArgs(Input):
    transaction_id: Id = Field(description="the transaction to file (see search_transactions)")
    category_id: Id = Field(description="one of your categories of the transaction's kind (income or expense)")
