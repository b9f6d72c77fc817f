"""Context of the unit (4.1), interested parties (4.2), risks and opportunities (6.1)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import Unit


class IssueKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class RiskKind(StrEnum):
    RISK = "risk"
    OPPORTUNITY = "opportunity"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


# Score = likelihood × impact on a 5 × 5 matrix; the level is read from the score.
LEVEL_THRESHOLDS: tuple[tuple[int, RiskLevel], ...] = (
    (4, RiskLevel.LOW),
    (9, RiskLevel.MEDIUM),
    (16, RiskLevel.HIGH),
    (25, RiskLevel.VERY_HIGH),
)


def level_of(score: int) -> RiskLevel:
    for ceiling, level in LEVEL_THRESHOLDS:
        if score <= ceiling:
            return level
    return RiskLevel.VERY_HIGH


class _OfUnit:
    """Shown on the unit's context page history."""

    unit_id: Mapped[int]

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit_context", self.unit_id)]


class ContextIssue(_OfUnit, Tracked, Timestamped, Base):
    __tablename__ = "context_issue"
    __table_args__ = (CheckConstraint("kind IN ('internal', 'external')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    review_date: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()

    def history_label(self) -> str:
        return self.description[:80]


class InterestedParty(_OfUnit, Tracked, Timestamped, Base):
    __tablename__ = "interested_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    needs: Mapped[str] = mapped_column(Text, default="")
    review_date: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()


class Risk(_OfUnit, Tracked, Timestamped, Base):
    """A risk or an opportunity of a unit; its score is computed, never typed."""

    __tablename__ = "risk"
    __table_args__ = (
        CheckConstraint("kind IN ('risk', 'opportunity')", name="kind"),
        CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood_1_5"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact_1_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default=RiskKind.RISK.value)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(200), default="")
    review_date: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()
    actions: Mapped[list[RiskAction]] = relationship(
        back_populates="risk", cascade="all, delete-orphan", order_by="RiskAction.due", lazy="selectin"
    )

    @hybrid_property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> RiskLevel:
        return level_of(self.score)

    def history_label(self) -> str:
        return self.title

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit_context", self.unit_id)]


class RiskAction(Tracked, Timestamped, Base):
    """A treatment action: what is done, by whom, by when."""

    __tablename__ = "risk_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)

    risk: Mapped[Risk] = relationship(back_populates="actions")

    def overdue(self, today: date) -> bool:
        return self.done_on is None and self.due is not None and self.due < today

    def history_label(self) -> str:
        return self.what[:80]

    def history_anchors(self) -> list[tuple[str, object]]:
        anchors: list[tuple[str, object]] = [("risk", self.risk_id)]
        if self.risk is not None:
            anchors.append(("unit_context", self.risk.unit_id))
        return anchors
