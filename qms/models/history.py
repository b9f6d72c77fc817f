"""The immutable change history of every tracked record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, utcnow
from qms.models.org import User


class HistoryEntry(Base):
    __tablename__ = "history_entry"
    __table_args__ = (Index("ix_history_entry_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    record_type: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(10))
    record_label: Mapped[str] = mapped_column(String(255), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the change was part of, when more than one person's edit: `reorganisation:<id>` for the records
    # a reorganisation moved (qms/services/history.py `recorded_as`).
    context: Mapped[str | None] = mapped_column(String(60), index=True)

    # one row: every history line names who made the change
    actor: Mapped[User | None] = relationship(lazy="joined")


class HistoryLink(Base):
    """Which record pages show an entry: the changed record itself and the records it belongs to
    (a membership shows on its user's page and on its unit's page)."""

    __tablename__ = "history_link"
    __table_args__ = (Index("ix_history_link_record", "record_type", "record_id"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("history_entry.id", ondelete="CASCADE"), primary_key=True
    )
    record_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(60), primary_key=True)
