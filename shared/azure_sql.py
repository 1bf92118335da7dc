"""Azure SQL over pyodbc (placeholder until the deploy work lands: password URLs only)."""
from __future__ import annotations

from sqlalchemy import create_engine


def create_mssql_engine(url, **engine_kwargs):
    return create_engine(url, **engine_kwargs)
