"""Reorganisations of public bodies: units merge, split, are renamed or recoded, move under another
parent, end or are created on the effective date a legal act sets.

A reorganisation is prepared as a draft with its moves, applied in one transaction (records move to the
successors, ended units get their last day) and can be undone while nothing it moved has changed since:
the ledger (`ReorganisationChange`) keeps every change the apply made, so the undo is exact.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import Unit, User


class ReorganisationStatus(StrEnum):
    DRAFT = "draft"
    APPLIED = "applied"
    UNDONE = "undone"


# The workflow at a glance: a draft is applied; an applied reorganisation is undone; an undone one is kept.
REORGANISATION_TRANSITIONS: dict[ReorganisationStatus, frozenset[ReorganisationStatus]] = {
    ReorganisationStatus.DRAFT: frozenset({ReorganisationStatus.APPLIED}),
    ReorganisationStatus.APPLIED: frozenset({ReorganisationStatus.UNDONE}),
    ReorganisationStatus.UNDONE: frozenset(),
}


class MoveKind(StrEnum):
    MERGE = "merge"  # the unit ends; its open records go to the successor
    SPLIT = "split"  # the unit ends; each kind of open record goes to the successor chosen for it
    RENAME = "rename"  # a new name and/or code: the old unit ends, a new one starts with its open records
    MOVE = "move"  # the unit moves under another parent; nothing else changes
    END = "end"  # the unit ends with nothing open
    CREATE = "create"  # a new unit starts


# Kinds after which the source unit no longer exists (its last day is the day before the effective date).
ENDING_KINDS = frozenset({MoveKind.MERGE, MoveKind.SPLIT, MoveKind.RENAME, MoveKind.END})


class ChangeAction(StrEnum):
    MOVE = "move"  # a record's unit column went from one unit to another
    SET = "set"  # an attribute of a record changed (a unit's last day, a member's role)
    CREATE = "create"  # a unit was created


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


class Reorganisation(Tracked, Timestamped, Base):
    __tablename__ = "reorganisation"
    __table_args__ = (
        CheckConstraint(_in("status", ReorganisationStatus), name="status"),
        CheckConstraint("legal_basis <> ''", name="legal_basis_required"),
        CheckConstraint("status = 'draft' OR applied_at IS NOT NULL", name="applied_when"),
        CheckConstraint("(status = 'undone') = (undone_at IS NOT NULL)", name="undone_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_basis: Mapped[str] = mapped_column(String(300))  # e.g. Nghị quyết 1196/NQ-UBTVQH15
    legal_act_date: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ReorganisationStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
    moves: Mapped[list[ReorganisationMove]] = relationship(
        back_populates="reorganisation", cascade="all, delete-orphan", order_by="ReorganisationMove.id"
    )
    changes: Mapped[list[ReorganisationChange]] = relationship(
        back_populates="reorganisation", cascade="all, delete-orphan", order_by="ReorganisationChange.id"
    )

    @property
    def history_context(self) -> str:
        """What the history entries of the records it moved name."""
        return f"reorganisation:{self.id}"

    def history_label(self) -> str:
        return self.legal_basis[:255]

    def __repr__(self) -> str:
        return f"<Reorganisation {self.id} {self.legal_basis!r} {self.effective_on} {self.status}>"


class ReorganisationMove(Tracked, Base):
    """One move of a reorganisation. The successor is an existing unit (`target_unit`) or a unit the
    apply creates from `new_*` (moves naming the same new code share that one new unit). A rename's
    `new_*` fields are the new unit's attributes that change; a move's `new_parent` is where it goes. A
    split has one move per successor, each listing the record kinds that successor receives."""

    __tablename__ = "reorganisation_move"
    __table_args__ = (
        CheckConstraint(_in("kind", MoveKind), name="kind"),
        CheckConstraint("(kind = 'create') = (source_unit_id IS NULL)", name="source_unless_create"),
        CheckConstraint("target_unit_id IS NULL OR new_code IS NULL", name="one_successor"),
        CheckConstraint("source_unit_id IS NULL OR source_unit_id <> target_unit_id", name="not_into_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reorganisation_id: Mapped[int] = mapped_column(
        ForeignKey("reorganisation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    source_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    new_code: Mapped[str | None] = mapped_column(String(40))
    new_name: Mapped[str | None] = mapped_column(String(200))
    new_kind: Mapped[str | None] = mapped_column(String(20))
    new_parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    # A split: the record kinds (qms/services/reorganisation/kinds.py) this successor receives.
    record_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set by the apply, cleared by the undo: the unit that continues the source (the target, the unit
    # created, or the source itself for a move); what `successors()` and `predecessors()` follow.
    result_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)

    reorganisation: Mapped[Reorganisation] = relationship(back_populates="moves")
    source_unit: Mapped[Unit | None] = relationship(foreign_keys=[source_unit_id])
    target_unit: Mapped[Unit | None] = relationship(foreign_keys=[target_unit_id])
    new_parent: Mapped[Unit | None] = relationship(foreign_keys=[new_parent_id])
    result_unit: Mapped[Unit | None] = relationship(foreign_keys=[result_unit_id])

    def history_label(self) -> str:
        source = self.source_unit.code if self.source_unit is not None else ""
        target = self.target_unit.code if self.target_unit is not None else (self.new_code or "")
        return f"{self.kind} {source} → {target}".strip()

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("reorganisation", self.reorganisation_id)]


class ReorganisationChange(Base):
    """The ledger of an apply: one row per change, in the order made, undone in reverse.

    Unit ids are plain numbers, not foreign keys: a unit the apply created is deleted by the undo while
    the ledger keeps naming it.
    """

    __tablename__ = "reorganisation_change"
    __table_args__ = (CheckConstraint(_in("action", ChangeAction), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reorganisation_id: Mapped[int] = mapped_column(
        ForeignKey("reorganisation.id", ondelete="CASCADE"), index=True
    )
    move_id: Mapped[int | None] = mapped_column(ForeignKey("reorganisation_move.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(10))
    record_type: Mapped[str] = mapped_column(String(60))  # the table
    record_id: Mapped[int] = mapped_column(Integer)  # with the unit column, identifies the row
    column: Mapped[str] = mapped_column(String(60), default="")  # the unit column moved, the attribute set
    from_unit_id: Mapped[int | None] = mapped_column(Integer)
    to_unit_id: Mapped[int | None] = mapped_column(Integer)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)

    reorganisation: Mapped[Reorganisation] = relationship(back_populates="changes")
