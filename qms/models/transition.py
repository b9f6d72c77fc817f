"""The transition from ISO 9001:2008 to ISO 9001:2015: one open transition for the organisation, the
units in its scope, each unit's gap-assessment items with their evidence, and the plan's steps."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import Unit, User


class TransitionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ItemStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


class Transition(Tracked, Timestamped, Base):
    """The organisation's transition: title, start, target date and who is responsible."""

    __tablename__ = "transition"
    __table_args__ = (
        CheckConstraint(_in("status", TransitionStatus), name="status"),
        CheckConstraint("target_date >= started_on", name="target_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    started_on: Mapped[date] = mapped_column(Date)
    target_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=TransitionStatus.OPEN.value)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    responsible: Mapped[User | None] = relationship()
    scope: Mapped[list[TransitionUnit]] = relationship(
        back_populates="transition", cascade="all, delete-orphan", order_by="TransitionUnit.id"
    )
    steps: Mapped[list[TransitionStep]] = relationship(
        back_populates="transition", cascade="all, delete-orphan", order_by="TransitionStep.position"
    )

    def history_label(self) -> str:
        return self.title


class TransitionUnit(Tracked, Base):
    """A unit in the transition's scope, and the person who owns its transition."""

    __tablename__ = "transition_unit"
    __table_args__ = (UniqueConstraint("transition_id", "unit_id", name="uq_transition_unit_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("transition.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    transition: Mapped[Transition] = relationship(back_populates="scope")
    unit: Mapped[Unit] = relationship()
    owner: Mapped[User | None] = relationship()

    def history_label(self) -> str:
        return self.unit.code if self.unit is not None else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("transition", self.transition_id), ("unit", self.unit_id)]


class TransitionItem(Tracked, Timestamped, Base):
    """One gap-assessment item of a unit: what the 2015 edition adds or changes (`key` names the row of
    the shipped catalogue)."""

    __tablename__ = "transition_item"
    __table_args__ = (
        UniqueConstraint("transition_id", "unit_id", "key", name="uq_transition_item_unit_key"),
        CheckConstraint(_in("status", ItemStatus), name="status"),
        CheckConstraint("status <> 'not_applicable' OR notes <> ''", name="not_applicable_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("transition.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    clause_2015: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.NOT_STARTED.value)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")

    transition: Mapped[Transition] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[User | None] = relationship()
    evidence: Mapped[list[TransitionEvidence]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="TransitionEvidence.id"
    )

    @property
    def current_evidence(self) -> list[TransitionEvidence]:
        return [e for e in self.evidence if e.removed_at is None]

    def overdue(self, today: date) -> bool:
        finished = self.status in (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)
        return not finished and self.due is not None and self.due < today

    def history_label(self) -> str:
        return f"{self.clause_2015} {self.key}"

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit", self.unit_id)]


class TransitionEvidence(Tracked, Timestamped, Base):
    """What shows an item is met: a register of the unit with its count when attached, a chosen record
    (procedure, document, audit, …) or an uploaded file. Removing keeps the row, marked removed."""

    __tablename__ = "transition_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("transition_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
    record_count: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300), default="")
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_type: Mapped[str] = mapped_column(String(10), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    item: Mapped[TransitionItem] = relationship(back_populates="evidence")
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])

    def history_label(self) -> str:
        return self.label or self.file_name

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("transition_item", self.item_id)]


class TransitionStep(Tracked, Base):
    """A milestone of the transition plan: what, who (as written in the plan), by when."""

    __tablename__ = "transition_step"
    __table_args__ = (UniqueConstraint("transition_id", "position", name="uq_transition_step_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("transition.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(300), default="")
    due: Mapped[date | None] = mapped_column(Date)

    transition: Mapped[Transition] = relationship(back_populates="steps")

    def history_label(self) -> str:
        return self.what[:80]

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("transition", self.transition_id)]
