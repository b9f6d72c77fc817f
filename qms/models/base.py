"""Declarative base with an explicit constraint naming convention."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Tracked:
    """Marks a model whose every insert, update and delete is written to the history.

    `__history_exclude__` names columns whose values must never be copied into the
    history (a change is still recorded, with the values masked).
    """

    __history_exclude__: frozenset[str] = frozenset()

    def history_label(self) -> str:
        """How the record is named in a history entry."""
        for attr in ("code", "ref", "email", "number", "name"):
            value = getattr(self, attr, None)
            if value:
                return str(value)
        return ""

    def history_anchors(self) -> list[tuple[str, object]]:
        """Other records on whose page a change to this one is shown, as (table name, id)."""
        return []


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
