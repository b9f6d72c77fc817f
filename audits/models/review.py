"""Management review (ISO 9001:2015 9.3): the meeting, its inputs frozen when it is held, and its
decisions, each a tracked action with an owner and a due date."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audits.models.audit import _in
from qms.formatting import fmt_date
from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import Unit, User


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    HELD = "held"  # locked: its inputs are the snapshot taken when it was held


class DecisionKind(StrEnum):
    """The outputs of 9.3.3."""

    IMPROVEMENT = "improvement"
    SYSTEM_CHANGE = "system_change"
    RESOURCES = "resources"


# The input groups of 9.3.2 a)–f), each with its notes column `notes_<group>`.
INPUT_GROUPS = ("actions", "context", "performance", "resources", "risks", "improvement")


class ManagementReview(Tracked, Timestamped, Base):
    """A management review of the organisation (unit_id NULL) or of one unit."""

    __tablename__ = "management_review"
    __table_args__ = (
        CheckConstraint(_in("status", ReviewStatus), name="status"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("status <> 'held' OR snapshot IS NOT NULL", name="held_with_snapshot"),
        CheckConstraint("chair <> ''", name="chair_required"),
    )
    # The snapshot is large: its change is recorded, its figures are not copied into the history.
    __history_exclude__ = frozenset({"snapshot"})

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    chair: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.DRAFT.value)
    notes_actions: Mapped[str] = mapped_column(Text, default="")
    notes_context: Mapped[str] = mapped_column(Text, default="")
    notes_performance: Mapped[str] = mapped_column(Text, default="")
    notes_resources: Mapped[str] = mapped_column(Text, default="")
    notes_risks: Mapped[str] = mapped_column(Text, default="")
    notes_improvement: Mapped[str] = mapped_column(Text, default="")
    conclusions: Mapped[str] = mapped_column(Text, default="")
    # The inputs as gathered when the review was held; later changes of the data do not alter them.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit | None] = relationship()
    held_by: Mapped[User | None] = relationship(foreign_keys=[held_by_id])
    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="review",
        cascade="all, delete-orphan",
        order_by="(ReviewDecision.due_on, ReviewDecision.id)",
    )

    @property
    def is_held(self) -> bool:
        return self.status == ReviewStatus.HELD

    @property
    def unit_ids(self) -> set[int]:
        return {self.unit_id} if self.unit_id is not None else set()

    def history_label(self) -> str:
        return fmt_date(self.held_on)

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit", self.unit_id)] if self.unit_id is not None else []


class ReviewDecision(Tracked, Timestamped, Base):
    """An output of the review: what is decided, by which unit (and person), by when; done with a note."""

    __tablename__ = "review_decision"
    __table_args__ = (
        CheckConstraint(_in("kind", DecisionKind), name="kind"),
        CheckConstraint("what <> ''", name="what_required"),
        CheckConstraint("done_on IS NULL OR done_note <> ''", name="done_with_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("management_review.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    what: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_note: Mapped[str] = mapped_column(Text, default="")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    review: Mapped[ManagementReview] = relationship(back_populates="decisions")
    owner_unit: Mapped[Unit] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today

    def state(self, today: date) -> str:
        if self.done_on is not None:
            return "done"
        return "overdue" if self.is_overdue(today) else "open"

    def history_label(self) -> str:
        return self.what[:80]

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("management_review", self.review_id), ("unit", self.owner_unit_id)]
