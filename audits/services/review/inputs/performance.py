"""c) Performance and effectiveness of the quality system: customer satisfaction, quality objectives,
process performance (case statistics), nonconformities and corrective actions, monitoring and
measurement, audit results; external providers are the meeting's notes.

Case statistics and satisfaction are reported per period (a year, quarter or month). A unit's figures
are those of the periods overlapping the review's period, the finest reported: its months if it
reported months, else its quarters, else its year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from audits.services.review.inputs import conformity
from audits.services.review.inputs.common import Scope, by_unit_code, rate, unit_labels
from qms.extensions import db
from qms.models.objectives import CaseStatistics, Objective, SatisfactionIndex
from qms.services import objectives as objective_service
from qms.services.case_stats import HUNDREDTH, CaseFigures, FigureBook

FINEST = ("month", "quarter", "year")
COUNTS = ("received", "resolved", "on_time", "late", "online_eligible", "online")


def periods_overlapping(start: date, end: date) -> list[str]:
    """Every year, quarter and month that overlaps [start, end], as period texts."""
    found: list[str] = []
    for year in range(start.year, end.year + 1):
        found.append(str(year))
        for month in range(1, 13):
            first = date(year, month, 1)
            last = date(year + (month == 12), month % 12 + 1, 1)
            if first <= end and last > start:
                found.append(f"{year}-{month:02d}")
                quarter = f"{year}-Q{(month - 1) // 3 + 1}"
                if quarter not in found:
                    found.append(quarter)
    return found


def _granularity(column: Any) -> Any:
    return case(
        (func.length(column) == 4, "year"),
        (column.like("%Q%"), "quarter"),
        else_="month",
    )


def _finest(rows: list[tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    """Per unit, the row of its finest granularity (rows are (unit_id, granularity, ...))."""
    chosen: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        unit_id, granularity = row[0], row[1]
        current = chosen.get(unit_id)
        if current is None or FINEST.index(granularity) < FINEST.index(current[1]):
            chosen[unit_id] = row
    return chosen


def case_statistics(scope: Scope) -> dict[str, Any]:
    granularity = _granularity(CaseStatistics.period)
    rows = db.session.execute(
        select(
            CaseStatistics.unit_id,
            granularity,
            func.count(CaseStatistics.id),
            *(func.sum(getattr(CaseStatistics, name)) for name in COUNTS),
        )
        .where(
            CaseStatistics.period.in_(periods_overlapping(scope.start, scope.end)),
            scope.units(CaseStatistics.unit_id),
        )
        .group_by(CaseStatistics.unit_id, granularity)
    ).all()
    chosen = _finest([tuple(r) for r in rows])
    units = unit_labels(set(chosen))
    lines, total = [], CaseFigures()
    for unit_id, (_uid, gran, periods, *sums) in chosen.items():
        figures = CaseFigures(*(int(s or 0) for s in sums))
        total = total + figures
        lines.append({**units.get(unit_id, {}), "granularity": gran, "periods": periods, **_figures(figures)})
    return {"by_unit": by_unit_code(lines), "total": _figures(total) if lines else None}


def _figures(f: CaseFigures) -> dict[str, Any]:
    return {
        **{name: getattr(f, name) for name in COUNTS},
        "resolution_rate": rate(f.resolution_rate),
        "on_time_rate": rate(f.on_time_rate),
        "late_rate": rate(f.late_rate),
        "online_rate": rate(f.online_rate),
    }


def satisfaction(scope: Scope) -> list[dict[str, Any]]:
    granularity = _granularity(SatisfactionIndex.period)
    rows = db.session.execute(
        select(
            SatisfactionIndex.unit_id,
            granularity,
            func.avg(SatisfactionIndex.index_percent),
            func.sum(SatisfactionIndex.respondents),
        )
        .where(
            SatisfactionIndex.period.in_(periods_overlapping(scope.start, scope.end)),
            scope.units(SatisfactionIndex.unit_id),
        )
        .group_by(SatisfactionIndex.unit_id, granularity)
    ).all()
    chosen = _finest([tuple(r) for r in rows])
    units = unit_labels(set(chosen))
    return by_unit_code(
        [
            {
                **units.get(unit_id, {}),
                "granularity": gran,
                "index": rate(Decimal(str(avg)).quantize(HUNDREDTH)),
                "respondents": int(respondents) if respondents is not None else None,
            }
            for unit_id, (_u, gran, avg, respondents) in chosen.items()
        ]
    )


def quality_objectives(scope: Scope) -> dict[str, Any]:
    """The objectives of the years of the period, evaluated as the objectives pages evaluate them."""
    found = list(
        db.session.scalars(
            select(Objective)
            .where(Objective.year.between(scope.start.year, scope.end.year), scope.units(Objective.unit_id))
            .order_by(Objective.unit_id, Objective.year, Objective.id)
        )
    )
    book = FigureBook()
    units = unit_labels({o.unit_id for o in found})
    items, per_unit = [], {}
    for objective in found:
        evaluation = objective_service.evaluate(objective, book)
        label = units.get(objective.unit_id, {})
        items.append(
            {
                **label,
                "year": objective.year,
                "indicator": objective.indicator,
                "direction": objective.direction,
                "target": str(Decimal(objective.target).normalize()),
                "unit_of_measure": objective.unit_of_measure,
                "period": evaluation.period,
                "value": None if evaluation.value is None else str(evaluation.value),
                "attainment": evaluation.attainment.value,
            }
        )
        line = per_unit.setdefault(objective.unit_id, {**label, "met": 0, "not_met": 0, "no_data": 0})
        line[evaluation.attainment.value] += 1
    return {"items": items, "by_unit": by_unit_code(list(per_unit.values()))}


def gather(scope: Scope) -> dict[str, Any]:
    return {
        "satisfaction": satisfaction(scope),
        "objectives": quality_objectives(scope),
        "cases": case_statistics(scope),
        "nonconformities": conformity.nonconformities(scope),
        "audits": conformity.audits(scope),
    }
