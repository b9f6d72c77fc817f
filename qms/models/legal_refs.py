"""Procedures citing legal texts: a citation is flagged for review when its text changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Tracked, utcnow
from qms.models.legal import LegalText
from qms.models.org import User
from qms.models.processes import Process  # noqa: F401  (the table cited: process.id)


class ProcessLegalRef(Tracked, Base):
    """A procedure cites a legal text. When the text is amended or repealed the citation is flagged
    `needs_review` until a manager of the procedure's unit reviews it (who and when are kept)."""

    __tablename__ = "process_legal_ref"

    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), primary_key=True)
    legal_text_id: Mapped[int] = mapped_column(
        ForeignKey("legal_text.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    cited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    # one row: a legal reference reads as its text's number and title
    legal_text: Mapped[LegalText] = relationship(lazy="joined")
    reviewed_by: Mapped[User | None] = relationship(lazy="joined")

    def history_label(self) -> str:
        return self.legal_text.number if self.legal_text is not None else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("process", self.process_id), ("legal_text", self.legal_text_id)]
