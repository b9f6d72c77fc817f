"""What the leadership dashboard shows for a year, counted in SQL and loaded with what each row needs:
objectives met / not met per unit, the late rate per unit, nonconformities and corrective actions per
unit, the audit programme's progress, the transition's progress and the open review decisions; and the
geometry of the bar charts the page draws as inline SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from audits.models import ActionItem, Audit, AuditProgramme, AuditStatus, Finding, FindingKind, FindingStatus
from audits.services import review_summary
from audits.services.annual_report import HELD_STATUSES, year_case_figures
from qms.extensions import db
from qms.models.objectives import CaseStatistics, Objective, Source
from qms.models.org import Unit
from qms.services.case_stats import CaseFigures, FigureBook
from qms.services.objectives import Attainment, evaluate
from qms.services.transition import Progress, current_transition, progress

REPORTED_STATUSES = (AuditStatus.REPORTED.value, AuditStatus.CLOSED.value)
COUNTED = ("met", "not_met", "no_data", "findings", "major", "minor", "open_actions", "overdue_actions",
           "open_decisions", "overdue_decisions")  # fmt: skip


def years_with_data() -> list[int]:
    """Years with objectives, an audit programme or case statistics, newest first."""
    years = set(db.session.scalars(select(Objective.year).distinct()))
    years |= set(db.session.scalars(select(AuditProgramme.year)))
    years |= {
        int(y) for y in db.session.scalars(select(func.substr(CaseStatistics.period, 1, 4)).distinct()) if y
    }
    return sorted(years, reverse=True)


def default_year(today: date | None = None) -> int:
    years = years_with_data()
    return years[0] if years else (today or date.today()).year


@dataclass
class UnitLine:
    unit: Unit
    met: int = 0
    not_met: int = 0
    no_data: int = 0
    cases: CaseFigures | None = None
    late_target: Decimal | None = None
    findings: int = 0
    major: int = 0
    minor: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    open_decisions: int = 0
    overdue_decisions: int = 0

    @property
    def objectives(self) -> int:
        return self.met + self.not_met + self.no_data

    @property
    def late_rate(self) -> Decimal | None:
        return self.cases.late_rate if self.cases else None

    @property
    def late_over_target(self) -> bool:
        rate = self.late_rate
        return rate is not None and self.late_target is not None and rate > self.late_target


@dataclass
class ProgrammeProgress:
    year: int
    exists: bool
    planned: int = 0  # every audit of the programme not cancelled
    held: int = 0  # started or further
    reported: int = 0  # report approved (reported or closed)
    closed: int = 0
    cancelled: int = 0


@dataclass
class Leadership:
    year: int
    years: list[int]
    lines: list[UnitLine] = field(default_factory=list)
    programme: ProgrammeProgress | None = None
    transition: Progress | None = None

    def with_objectives(self) -> list[UnitLine]:
        return [line for line in self.lines if line.objectives]

    def with_cases(self) -> list[UnitLine]:
        return [line for line in self.lines if line.late_rate is not None]

    def with_actions(self) -> list[UnitLine]:
        return [line for line in self.lines if line.open_actions or line.overdue_actions]

    def with_decisions(self) -> list[UnitLine]:
        return [line for line in self.lines if line.open_decisions or line.overdue_decisions]

    @property
    def totals(self) -> UnitLine:
        total = UnitLine(unit=None)  # type: ignore[arg-type]
        for line in self.lines:
            for name in COUNTED:
                setattr(total, name, getattr(total, name) + getattr(line, name))
        return total


def _attainment(year: int, lines: dict[int, UnitLine]) -> None:
    stmt = (
        select(Objective)
        .where(Objective.year == year)
        .options(selectinload(Objective.measurements))
        .order_by(Objective.unit_id, Objective.id)
    )
    book = FigureBook()
    for objective in db.session.scalars(stmt):
        line = lines.get(objective.unit_id)
        if line is None:
            continue
        result = evaluate(objective, book).attainment
        if result == Attainment.MET:
            line.met += 1
        elif result == Attainment.NOT_MET:
            line.not_met += 1
        else:
            line.no_data += 1
        if objective.source == Source.LATE_RATE and line.late_target is None:
            line.late_target = Decimal(objective.target)


def _findings(year: int, lines: dict[int, UnitLine]) -> None:
    """As the findings register counts them with its filters (the year, the unit, the kind): withdrawn
    findings left out."""
    rows = db.session.execute(
        select(
            Finding.unit_id,
            func.count(Finding.id),
            func.sum(case((Finding.kind == FindingKind.MAJOR.value, 1), else_=0)),
            func.sum(case((Finding.kind == FindingKind.MINOR.value, 1), else_=0)),
        )
        .join(Audit, Audit.id == Finding.audit_id)
        .where(Audit.year == year, Finding.status != FindingStatus.WITHDRAWN.value)
        .group_by(Finding.unit_id)
    )
    for unit_id, count, major, minor in rows:
        if unit_id in lines:
            line = lines[unit_id]
            line.findings, line.major, line.minor = int(count), int(major or 0), int(minor or 0)


def _actions(year: int, lines: dict[int, UnitLine], today: date) -> None:
    """As the corrective actions list counts them with its filters (state open / overdue, the year)."""
    not_done = ActionItem.done_on.is_(None)
    overdue = not_done & (ActionItem.due_on < today) & (ActionItem.round == Finding.round)
    rows = db.session.execute(
        select(
            Finding.unit_id,
            func.sum(case((not_done, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        )
        .join(Finding, Finding.id == ActionItem.finding_id)
        .join(Audit, Audit.id == Finding.audit_id)
        .where(Audit.year == year, Finding.status != FindingStatus.WITHDRAWN.value)
        .group_by(Finding.unit_id)
    )
    for unit_id, still_open, late in rows:
        if unit_id in lines:
            lines[unit_id].open_actions = int(still_open or 0)
            lines[unit_id].overdue_actions = int(late or 0)


def programme_progress(year: int) -> ProgrammeProgress:
    exists = db.session.scalar(select(AuditProgramme.id).where(AuditProgramme.year == year)) is not None
    result = ProgrammeProgress(year, exists)
    for status, count in db.session.execute(
        select(Audit.status, func.count(Audit.id)).where(Audit.year == year).group_by(Audit.status)
    ):
        if status == AuditStatus.CANCELLED:
            result.cancelled += count
            continue
        result.planned += count
        if status in HELD_STATUSES:
            result.held += count
        if status in REPORTED_STATUSES:
            result.reported += count
        if status == AuditStatus.CLOSED:
            result.closed += count
    return result


def leadership(year: int, *, today: date | None = None) -> Leadership:
    today = today or date.today()
    units = list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.kind, Unit.code)))
    order = {"city": 0, "department": 1, "service_unit": 2, "commune": 3}
    units.sort(key=lambda u: (order.get(u.kind, 9), u.code))
    lines = {u.id: UnitLine(u) for u in units}
    _attainment(year, lines)
    for unit_id, figures in year_case_figures(year, set(lines)).items():
        lines[unit_id].cases = figures
    _findings(year, lines)
    _actions(year, lines, today)
    for unit_id, (still_open, late) in review_summary.open_decisions(set(lines)).items():
        if unit_id in lines:
            lines[unit_id].open_decisions, lines[unit_id].overdue_decisions = still_open, late
    transition = current_transition()
    return Leadership(
        year=year,
        years=sorted({year, *years_with_data()}, reverse=True),
        lines=list(lines.values()),
        programme=programme_progress(year),
        transition=progress(transition, today=today) if transition is not None else None,
    )


# --- bar charts drawn by the page as inline SVG ------------------------------------------------

# About the width of a half-page card: the text keeps its size on a laptop and stays readable on a phone.
CHART_WIDTH = 420
LABEL_WIDTH = 110
VALUE_WIDTH = 60
ROW_HEIGHT = 22
BAR_HEIGHT = 14


@dataclass(frozen=True)
class Segment:
    value: float
    css: str  # the bar's class in qms.css: met, not-met, no-data, late, over, open, overdue …
    href: str
    title: str
    x: float = 0.0
    width: float = 0.0


@dataclass(frozen=True)
class ChartRow:
    label: str
    segments: Sequence[Segment]
    text: str  # the figure written after the bar
    href: str = ""
    y: float = 0.0


@dataclass(frozen=True)
class Chart:
    rows: list[ChartRow]
    height: float
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    marker_x: float | None = None  # a target line
    marker_label: str = ""


def bar_chart(
    rows: Sequence[ChartRow],
    *,
    scale_max: float | None = None,
    marker: float | None = None,
    marker_label: str = "",
) -> Chart:
    """Horizontal bars, one row each, segments stacked; the scale runs to the largest row (or
    `scale_max`) and a marker draws a target line."""
    largest = max([sum(s.value for s in r.segments) for r in rows] + [marker or 0, scale_max or 0, 0])
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    scale = span / largest if largest else 0
    placed = []
    for i, row in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for seg in row.segments:
            width = seg.value * scale
            segments.append(Segment(seg.value, seg.css, seg.href, seg.title, round(x, 2), round(width, 2)))
            x += width
        placed.append(ChartRow(row.label, segments, row.text, row.href, float(i * ROW_HEIGHT)))
    return Chart(
        rows=placed,
        height=float(max(len(rows), 1) * ROW_HEIGHT),
        marker_x=round(LABEL_WIDTH + marker * scale, 2) if marker is not None and scale else None,
        marker_label=marker_label,
    )
