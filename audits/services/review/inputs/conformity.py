"""c) Nonconformities and corrective actions, and the results of audits, in the review's scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select

from audits.models import (
    NC_KINDS,
    ActionItem,
    Audit,
    AuditStatus,
    AuditUnit,
    EffectivenessCheck,
    Finding,
    FindingKind,
    FindingStatus,
)
from audits.services import deadlines
from audits.services.queries import KIND_ORDER, OPEN_NC_STATUSES
from audits.services.review.inputs.common import Scope, by_unit_code, iso, unit_labels
from qms.extensions import db
from qms.models.clauses import Clause
from qms.services.case_stats import percent

DONE_AUDITS = (AuditStatus.REPORTED, AuditStatus.CLOSED)
NC_VALUES = [k.value for k in NC_KINDS]


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def nonconformities(scope: Scope) -> dict[str, Any]:
    is_open = Finding.status.in_(OPEN_NC_STATUSES)
    state_rows = db.session.execute(
        select(
            Finding.unit_id,
            _count_if(is_open),
            _count_if(and_(is_open, deadlines.late_since() < scope.as_of)),
            _count_if(
                and_(
                    Finding.status == FindingStatus.CLOSED, Finding.closed_on.between(scope.start, scope.end)
                )
            ),
            _count_if(Finding.raised_on.between(scope.start, scope.end)),
        )
        .where(
            Finding.kind.in_(NC_VALUES),
            Finding.status != FindingStatus.WITHDRAWN,
            Finding.raised_on <= scope.end,
            scope.units(Finding.unit_id),
        )
        .group_by(Finding.unit_id)
    ).all()
    check_rows = db.session.execute(
        select(Finding.unit_id, EffectivenessCheck.effective, func.count(EffectivenessCheck.id))
        .join(Finding, Finding.id == EffectivenessCheck.finding_id)
        .where(
            EffectivenessCheck.checked_on.between(scope.start, scope.end),
            Finding.status != FindingStatus.WITHDRAWN,
            scope.units(Finding.unit_id),
        )
        .group_by(Finding.unit_id, EffectivenessCheck.effective)
    ).all()
    lines: dict[int, dict[str, int]] = {}

    def line(unit_id: int) -> dict[str, int]:
        return lines.setdefault(
            unit_id, {"raised": 0, "open": 0, "overdue": 0, "closed": 0, "effective": 0, "not_effective": 0}
        )

    for unit_id, open_, overdue, closed, raised in state_rows:
        line(unit_id).update(open=int(open_), overdue=int(overdue), closed=int(closed), raised=int(raised))
    for unit_id, effective, count in check_rows:
        line(unit_id)["effective" if effective else "not_effective"] += count
    units = unit_labels(set(lines))
    by_unit = by_unit_code([{**units.get(uid, {}), **figures} for uid, figures in lines.items()])
    totals = {
        key: sum(f[key] for f in lines.values())
        for key in ("raised", "open", "overdue", "closed", "effective", "not_effective")
    }
    by_clause = [
        {"edition": edition, "clause": number, "count": count}
        for edition, number, count in db.session.execute(
            select(Clause.edition, Clause.number, func.count(Finding.id))
            .join(Clause, Clause.id == Finding.clause_id)
            .where(
                Finding.kind.in_(NC_VALUES),
                Finding.status != FindingStatus.WITHDRAWN,
                Finding.raised_on.between(scope.start, scope.end),
                scope.units(Finding.unit_id),
            )
            .group_by(Clause.edition, Clause.number)
            .order_by(func.count(Finding.id).desc(), Clause.edition, Clause.number)
        )
    ]
    return {"by_unit": by_unit, "total": totals, "by_clause": by_clause, "actions": corrective_actions(scope)}


def corrective_actions(scope: Scope) -> dict[str, int]:
    """The corrective actions of the nonconformities raised up to the period's end, by state."""
    state = case(
        (ActionItem.done_on.is_not(None), "done"),
        (and_(ActionItem.due_on < scope.as_of, ActionItem.round == Finding.round), "overdue"),
        else_="open",
    )
    counts = {"open": 0, "overdue": 0, "done": 0}
    for name, count in db.session.execute(
        select(state, func.count(ActionItem.id))
        .join(Finding, Finding.id == ActionItem.finding_id)
        .where(
            Finding.status != FindingStatus.WITHDRAWN,
            Finding.raised_on <= scope.end,
            scope.units(Finding.unit_id),
        )
        .group_by(state)
    ):
        counts[name] = count
    return counts


def _audits_in_scope(scope: Scope) -> Any:
    stmt = select(Audit.id)
    if scope.unit_id is not None:
        stmt = stmt.join(AuditUnit, AuditUnit.audit_id == Audit.id).where(AuditUnit.unit_id == scope.unit_id)
    return stmt


def audits(scope: Scope) -> dict[str, Any]:
    in_scope = _audits_in_scope(scope)
    held = list(
        db.session.scalars(
            select(Audit)
            .where(
                Audit.id.in_(in_scope),
                Audit.status != AuditStatus.CANCELLED,
                Audit.planned_start <= scope.end,
                Audit.planned_end >= scope.start,
            )
            .order_by(Audit.planned_start, Audit.ref)
        )
    )
    items = [
        {
            "ref": a.ref,
            "units": ", ".join(u.code for u in a.units),
            "start": iso(a.planned_start),
            "end": iso(a.planned_end),
            "status": a.status,
        }
        for a in held
    ]
    programme_rows = db.session.execute(
        select(Audit.year, Audit.status, func.count(Audit.id))
        .where(Audit.id.in_(in_scope), Audit.year.between(scope.start.year, scope.end.year))
        .group_by(Audit.year, Audit.status)
    ).all()
    programme: dict[int, dict[str, Any]] = {}
    for year, status, count in programme_rows:
        entry = programme.setdefault(year, {"year": year, "planned": 0, "done": 0, "cancelled": 0})
        if status == AuditStatus.CANCELLED:
            entry["cancelled"] += count
        else:
            entry["planned"] += count
            if status in DONE_AUDITS:
                entry["done"] += count
    for entry in programme.values():
        completion = percent(entry["done"], entry["planned"])
        entry["completion"] = None if completion is None else str(completion)
    finding_rows = db.session.execute(
        select(Finding.unit_id, Finding.kind, func.count(Finding.id))
        .where(
            Finding.status != FindingStatus.WITHDRAWN,
            Finding.raised_on.between(scope.start, scope.end),
            scope.units(Finding.unit_id),
        )
        .group_by(Finding.unit_id, Finding.kind)
    ).all()
    per_unit: dict[int, dict[str, int]] = {}
    for unit_id, kind, count in finding_rows:
        per_unit.setdefault(unit_id, {k.value: 0 for k in KIND_ORDER})[kind] = count
    units = unit_labels(set(per_unit))
    findings_by_unit = by_unit_code(
        [{**units.get(uid, {}), **counts, "total": sum(counts.values())} for uid, counts in per_unit.items()]
    )
    kinds_total = {k.value: sum(c[k.value] for c in per_unit.values()) for k in KIND_ORDER}
    return {
        "held": len(held),
        "items": items,
        "programme": [programme[y] for y in sorted(programme)],
        "findings_by_unit": findings_by_unit,
        "findings_total": {**kinds_total, "total": sum(kinds_total.values())},
    }


__all__ = ["FindingKind", "audits", "corrective_actions", "nonconformities"]
