"""Procedures (quy trình) as process maps: a process, its ordered steps, its clause references and
the links between processes (one's output is another's input)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.clauses import Clause, clause_sort_key
from qms.models.org import Unit, User


class ProcessKind(StrEnum):
    ADMINISTRATIVE = "administrative"  # internal procedure for an administrative procedure (TTHC)
    MANAGEMENT = "management"
    SUPPORT = "support"


class ProcessStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


# The procedure workflow, at a glance: the only moves there are.
PROCESS_TRANSITIONS: dict[ProcessStatus, frozenset[ProcessStatus]] = {
    ProcessStatus.DRAFT: frozenset({ProcessStatus.APPROVED}),
    ProcessStatus.APPROVED: frozenset({ProcessStatus.SUPERSEDED}),
    ProcessStatus.SUPERSEDED: frozenset(),
}


class StepKind(StrEnum):
    TASK = "task"
    DECISION = "decision"


class RecordMedium(StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"
    BOTH = "both"


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


class Process(Tracked, Timestamped, Base):
    """One version of a procedure. The versions of a procedure share its code (a version chain)."""

    __tablename__ = "process"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_process_code_version"),
        CheckConstraint(_in("kind", ProcessKind), name="kind"),
        CheckConstraint(_in("status", ProcessStatus), name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("time_limit_days IS NULL OR time_limit_days >= 0", name="time_limit_not_negative"),
        CheckConstraint("status = 'draft' OR effective_date IS NOT NULL", name="approved_has_effective_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=ProcessKind.ADMINISTRATIVE)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ProcessStatus.DRAFT)
    purpose: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    # Section 3 (Tài liệu viện dẫn) as free text, one reference per line; links to stored legal
    # texts live beside it (process_legal_ref).
    references_text: Mapped[str] = mapped_column(Text, default="")
    # Section 4 (Định nghĩa / viết tắt), one "term: meaning" per line.
    definitions: Mapped[str] = mapped_column(Text, default="")
    time_limit_days: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    effective_date: Mapped[date | None] = mapped_column(Date)
    # Section 6: [{"code": "BM.01", "name": "..."}]; section 7: [{"name", "keeper", "retention", "medium"}].
    forms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    records: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("process.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship(lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    previous: Mapped[Process | None] = relationship(remote_side=[id], foreign_keys=[previous_id])
    steps: Mapped[list[Step]] = relationship(
        back_populates="process",
        order_by="Step.position",
        cascade="all, delete-orphan",
        foreign_keys="Step.process_id",
    )
    clause_links: Mapped[list[ProcessClause]] = relationship(
        back_populates="process", cascade="all, delete-orphan"
    )

    @property
    def clauses(self) -> list[Clause]:
        return sorted((link.clause for link in self.clause_links), key=lambda c: clause_sort_key(c.number))

    @property
    def is_draft(self) -> bool:
        return self.status == ProcessStatus.DRAFT

    def history_label(self) -> str:
        return f"{self.code} v{self.version}"

    def __repr__(self) -> str:
        return f"<Process {self.code} v{self.version} {self.status}>"


class Step(Tracked, Base):
    """A step of a procedure: a task (with its next step) or a decision (a condition and two branches).

    A task whose `next_step` is empty goes on to the following step; `ends` makes it the end of the
    procedure. A decision's `text` is its condition; its branches must both point to a step.
    """

    __tablename__ = "process_step"
    __table_args__ = (
        CheckConstraint(_in("kind", StepKind), name="kind"),
        CheckConstraint("days >= 0", name="days_not_negative"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default=StepKind.TASK)
    text: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    days: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("0"))
    output: Mapped[str] = mapped_column(String(300), default="")
    ends: Mapped[bool] = mapped_column(Boolean, default=False)
    next_step_id: Mapped[int | None] = mapped_column(ForeignKey("process_step.id", ondelete="SET NULL"))
    yes_step_id: Mapped[int | None] = mapped_column(ForeignKey("process_step.id", ondelete="SET NULL"))
    no_step_id: Mapped[int | None] = mapped_column(ForeignKey("process_step.id", ondelete="SET NULL"))

    process: Mapped[Process] = relationship(back_populates="steps", foreign_keys=[process_id])

    @property
    def is_decision(self) -> bool:
        return self.kind == StepKind.DECISION

    def history_label(self) -> str:
        return f"#{self.position} {self.text[:60]}"

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("process", self.process_id)]


class ProcessClause(Tracked, Base):
    """A procedure refers to an ISO 9001:2015 clause."""

    __tablename__ = "process_clause"

    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"), primary_key=True)
    # Set when a person remapped a 2008 reference to this 2015 clause: shown as "(was 2008 …)".
    remapped_from_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"))

    process: Mapped[Process] = relationship(back_populates="clause_links")
    # one row: a clause link is shown and exported as its clause's number
    clause: Mapped[Clause] = relationship(lazy="joined", foreign_keys=[clause_id])
    remapped_from: Mapped[Clause | None] = relationship(foreign_keys=[remapped_from_id])

    def history_label(self) -> str:
        return self.clause.label if self.clause is not None else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("process", self.process_id)]


class ProcessLink(Tracked, Timestamped, Base):
    """The output of one process is an input of another (drawn on the process interaction map).

    A link joins two version chains: its ends are shown as the current version of their code.
    """

    __tablename__ = "process_link"
    __table_args__ = (CheckConstraint("source_id <> target_id", name="not_to_itself"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(300), default="")

    source: Mapped[Process] = relationship(foreign_keys=[source_id], lazy="joined")
    target: Mapped[Process] = relationship(foreign_keys=[target_id], lazy="joined")

    def history_label(self) -> str:
        return f"{self.source.code} → {self.target.code}" if self.source and self.target else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("process", self.source_id), ("process", self.target_id)]
