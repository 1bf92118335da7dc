"""What the assistant itself recorded, so "undo that" can take back its own last recording and nothing else."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from shared.data.models.base import Base, owner_id_column
from shared.data.types import UTCDateTime, utcnow


class AssistantRecording(Base):
    """One transaction the assistant created from a chat message. `transaction_id` carries no foreign
    key on purpose: SQL Server allows one cascade path from users, and the user's own cascade already
    removes these rows; undo checks that the transaction still exists and is the caller's."""

    __tablename__ = "assistant_recordings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = owner_id_column()
    transaction_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (Index("ix_assistant_recordings_user_created", "user_id", "created_at"),)
