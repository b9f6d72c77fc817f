"""The legal basis: legal texts (decrees, decisions, circulars) and the procedures that cite them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked


class LegalStatus(StrEnum):
    IN_FORCE = "in_force"
    AMENDED = "amended"
    REPEALED = "repealed"


class LegalText(Tracked, Timestamped, Base):
    """A legal text such as `61/2018/NĐ-CP`: an external document procedures rely on."""

    __tablename__ = "legal_text"
    __table_args__ = (
        CheckConstraint("status IN ('in_force', 'amended', 'repealed')", name="status"),
        CheckConstraint("replaced_by_id IS NULL OR replaced_by_id <> id", name="not_replaced_by_itself"),
        CheckConstraint(
            "replaced_by_id IS NULL OR status <> 'in_force'", name="replaced_only_if_not_in_force"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=LegalStatus.IN_FORCE.value)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("legal_text.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    replaced_by: Mapped[LegalText | None] = relationship(remote_side=[id], foreign_keys=[replaced_by_id])

    @property
    def in_force(self) -> bool:
        return self.status == LegalStatus.IN_FORCE

    def __repr__(self) -> str:
        return f"<LegalText {self.number}>"
