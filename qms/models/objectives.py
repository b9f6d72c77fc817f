"""Quality policy and objectives (ISO 9001 6.2, 9.1), and the figures objectives are measured from:
administrative-procedure case statistics and the satisfaction index, per unit and period.

A period is text: `2018` (a year), `2018-Q3` (a quarter) or `2018-07` (a month); see
qms/services/periods.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import Unit, User


class Direction(StrEnum):
    AT_MOST = "<="
    AT_LEAST = ">="


class Source(StrEnum):
    """Where an objective's measured value comes from."""

    MANUAL = "manual"
    LATE_RATE = "late_rate"
    ON_TIME_RATE = "on_time_rate"
    RESOLUTION_RATE = "resolution_rate"
    ONLINE_RATE = "online_rate"
    SATISFACTION = "satisfaction"


CASE_SOURCES = (Source.LATE_RATE, Source.ON_TIME_RATE, Source.RESOLUTION_RATE, Source.ONLINE_RATE)


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


class QualityPolicy(Tracked, Timestamped, Base):
    """A unit's quality policy (Chính sách chất lượng) for a year."""

    __tablename__ = "quality_policy"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_quality_policy_unit_year"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(200), default="")
    approved_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship(lazy="joined")

    def history_label(self) -> str:
        return f"{self.year}"

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit", self.unit_id)]


class Objective(Tracked, Timestamped, Base):
    """A quality objective (Mục tiêu chất lượng) of a unit for a year, with its 6.2.2 plan.

    Attainment and trend are computed from measurements or figures, never stored.
    """

    __tablename__ = "quality_objective"
    __table_args__ = (
        CheckConstraint(_in("direction", Direction), name="direction"),
        CheckConstraint(_in("source", Source), name="source"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    statement: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str] = mapped_column(String(255))
    direction: Mapped[str] = mapped_column(String(2))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit_of_measure: Mapped[str] = mapped_column(String(40), default="%")
    source: Mapped[str] = mapped_column(String(20), default=Source.MANUAL.value)
    # Computed sources: measure the unit's own figures, or its figures plus its sub-units'.
    include_sub_units: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    process_code: Mapped[str | None] = mapped_column(String(60))
    # The plan for achieving it (ISO 9001:2015 6.2.2).
    plan_actions: Mapped[str] = mapped_column(Text, default="")
    plan_resources: Mapped[str] = mapped_column(Text, default="")
    plan_responsible: Mapped[str] = mapped_column(String(255), default="")
    plan_due: Mapped[date | None] = mapped_column(Date)
    plan_evaluation: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(lazy="joined")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="objective", cascade="all, delete-orphan", order_by="Measurement.period"
    )

    @property
    def is_computed(self) -> bool:
        return self.source != Source.MANUAL

    def history_label(self) -> str:
        return self.indicator[:255]

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit", self.unit_id)]


class Measurement(Tracked, Timestamped, Base):
    """A measured value of a manual objective for one period."""

    __tablename__ = "quality_measurement"
    __table_args__ = (UniqueConstraint("objective_id", "period", name="uq_quality_measurement_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("quality_objective.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    note: Mapped[str] = mapped_column(Text, default="")

    objective: Mapped[Objective] = relationship(back_populates="measurements")

    def history_label(self) -> str:
        return self.period

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("quality_objective", self.objective_id)]


class CaseStatistics(Tracked, Timestamped, Base):
    """Administrative-procedure dossiers of a unit in a period (the unit's own, without sub-units)."""

    __tablename__ = "case_statistics"
    __table_args__ = (
        UniqueConstraint("unit_id", "period", name="uq_case_statistics_unit_period"),
        CheckConstraint(
            "received >= 0 AND resolved >= 0 AND on_time >= 0 AND late >= 0 "
            "AND online_eligible >= 0 AND online >= 0",
            name="not_negative",
        ),
        CheckConstraint("on_time + late = resolved", name="on_time_plus_late"),
        CheckConstraint("resolved <= received", name="resolved_at_most_received"),
        CheckConstraint("online <= online_eligible", name="online_at_most_eligible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    received: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    online_eligible: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(lazy="joined")

    def history_label(self) -> str:
        return self.period

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit", self.unit_id)]


class SatisfactionIndex(Tracked, Timestamped, Base):
    """The satisfaction index (Chỉ số hài lòng) of a unit in a period."""

    __tablename__ = "satisfaction_index"
    __table_args__ = (
        UniqueConstraint("unit_id", "period", name="uq_satisfaction_index_unit_period"),
        CheckConstraint("index_percent >= 0 AND index_percent <= 100", name="percent_range"),
        CheckConstraint("respondents IS NULL OR respondents >= 0", name="respondents_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    index_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    respondents: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship(lazy="joined")

    def history_label(self) -> str:
        return self.period

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("unit", self.unit_id)]
