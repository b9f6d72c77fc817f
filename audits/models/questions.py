"""The question bank: audit questions per clause of either edition, shipped with the app and kept
by the steering committee; a checklist is generated from the active ones."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.clauses import Clause


class BankQuestion(Tracked, Timestamped, Base):
    """One audit question of a clause, in Vietnamese and English.

    `shipped_key` names a question that came with the app (`2015/8.5.1/1`): `qms init` adds a shipped
    question only when no row has its key, so the steering committee's edits and deactivations stay.
    """

    __tablename__ = "audit_question"
    __table_args__ = (CheckConstraint("question_vi <> '' OR question_en <> ''", name="question_required"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question_vi: Mapped[str] = mapped_column(Text, default="")
    question_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    shipped_key: Mapped[str | None] = mapped_column(String(40), unique=True)

    # one row: a question is filed, shown and turned into checklist lines under its clause
    clause: Mapped[Clause] = relationship(lazy="joined")

    def text(self, lang: str) -> str:
        """The question in the reader's language, else in the other one."""
        if lang == "vi":
            return self.question_vi or self.question_en
        return self.question_en or self.question_vi

    def history_label(self) -> str:
        return f"{self.clause.edition} {self.clause.number} #{self.position}"
