"""A person's decision to read a stored ISO 9001:2008 clause reference in ISO 9001:2015 terms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked, utcnow
from qms.models.clauses import Clause
from qms.models.org import User


class RemapKind(StrEnum):
    """What holds the reference (one source of references each)."""

    PROCEDURE = "procedure"
    DOCUMENT = "document"
    AUDIT_SCOPE = "audit_scope"
    CHECKLIST_ITEM = "checklist_item"
    FINDING = "finding"


class RemapMode(StrEnum):
    """`replace`: the record now cites the 2015 clauses (the 2008 one kept beside them);
    `annotate`: the record keeps the 2008 clause (a closed audit's) and gains its 2015 equivalent."""

    REPLACE = "replace"
    ANNOTATE = "annotate"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in enum)})"


ACTIVE = "undone_at IS NULL"


class ClauseRemap(Tracked, Timestamped, Base):
    """One stored 2008 reference (kind, record, 2008 clause) remapped by a person.

    Only one decision per reference is in force: a partial unique index on the decisions not
    undone, so that two people accepting the same reference at once cannot both win.
    """

    __tablename__ = "clause_remap"
    __table_args__ = (
        CheckConstraint(_in("kind", RemapKind), name="kind"),
        CheckConstraint(_in("mode", RemapMode), name="mode"),
        CheckConstraint("(undone_at IS NULL) = (undone_by_id IS NULL)", name="undone_with_whom"),
        Index(
            "uq_clause_remap_active_reference",
            "kind",
            "record_id",
            "clause_2008_id",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    # The unit whose reference it is; none for an audit's scope and checklist (the audited units').
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    clause_2008_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"))
    mode: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    clause_2008: Mapped[Clause] = relationship(foreign_keys=[clause_2008_id])
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
    targets: Mapped[list[ClauseRemapTarget]] = relationship(
        back_populates="remap", cascade="all, delete-orphan", order_by="ClauseRemapTarget.clause_id"
    )

    @property
    def is_active(self) -> bool:
        return self.undone_at is None

    @property
    def clauses_2015(self) -> list[Clause]:
        return sorted((t.clause for t in self.targets if t.clause is not None), key=lambda c: c.sort_key)

    def history_label(self) -> str:
        number = self.clause_2008.number if self.clause_2008 is not None else ""
        new = ", ".join(c.number for c in self.clauses_2015)
        return f"2008 {number} → 2015 {new}".strip()

    def history_anchors(self) -> list[tuple[str, object]]:
        anchors: list[tuple[str, object]] = []
        table = {
            RemapKind.PROCEDURE: "process",
            RemapKind.DOCUMENT: "controlled_document",
            RemapKind.AUDIT_SCOPE: "audit",
            RemapKind.FINDING: "finding",
        }.get(RemapKind(self.kind))
        if table is not None:
            anchors.append((table, self.record_id))
        if self.unit_id is not None:
            anchors.append(("unit", self.unit_id))
        return anchors


class ClauseRemapTarget(Base):
    """A 2015 clause a decision chose; set once with the decision, never changed."""

    __tablename__ = "clause_remap_target"

    remap_id: Mapped[int] = mapped_column(ForeignKey("clause_remap.id", ondelete="CASCADE"), primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"), primary_key=True)

    remap: Mapped[ClauseRemap] = relationship(back_populates="targets")
    clause: Mapped[Clause] = relationship()
