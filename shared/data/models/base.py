"""The declarative base, naming convention, owner column and timestamps every table shares."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ForeignKey,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.data.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            # Ids are never reused. Without AUTOINCREMENT SQLite hands out max(rowid) + 1, so the id of
            # the last user deleted goes to the next one who registers (and with it whatever still
            # names that id). PostgreSQL sequences and SQL Server IDENTITY never go back on their own.
            table.dialect_options["sqlite"]["autoincrement"] = True


def owner_id_column() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


# --- identity -------------------------------------------------------------------------------
