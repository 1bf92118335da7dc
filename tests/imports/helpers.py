"""Bank files under tests/imports/files (written for these tests, shaped like what banks send)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

FILES = Path(__file__).parent / "files"
GIRO_MAPPING = {"date": "Buchungstag", "amount": "Betrag", "description": "Verwendungszweck", "payee": "Auftraggeber",
                "date_format": "%d.%m.%Y", "decimal_comma": True, "delimiter": ";"}
CHASE_MAPPING = {"date": "Transaction Date", "amount": "Amount", "description": "Description",
                 "date_format": "%m/%d/%Y"}
UK_MAPPING = {"date": "Date", "debit": "Paid out", "credit": "Paid in", "description": "Description",
              "date_format": "%d/%m/%Y"}


def text(name: str) -> str:
    return (FILES / name).read_bytes().decode("utf-8")


def body(fmt: str, content: str, target: dict[str, Any], **fields: Any) -> dict[str, Any]:
    key = "credit_card_id" if "credit_limit" in target else "account_id"
    return {"format": fmt, "content": content, key: target["id"], **fields}


def import_(client, fmt: str, content: str, target: dict[str, Any], status: int = 201, **fields: Any):
    response = client.post("/api/imports", json=body(fmt, content, target, **fields))
    assert response.status == status, response
    return response.json()
