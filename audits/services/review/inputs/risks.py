"""e) The effectiveness of actions taken to address risks and opportunities: the treatment actions of
the scope's risks and opportunities, done, open and overdue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select

from audits.services.review.inputs.common import Scope, by_unit_code, unit_labels
from qms.extensions import db
from qms.models.risks import Risk, RiskAction


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def gather(scope: Scope) -> dict[str, Any]:
    not_done = RiskAction.done_on.is_(None)
    rows = db.session.execute(
        select(
            Risk.unit_id,
            func.count(RiskAction.id),
            _count_if(RiskAction.done_on.between(scope.start, scope.end)),
            _count_if(RiskAction.done_on.is_not(None)),
            _count_if(not_done),
            _count_if(and_(not_done, RiskAction.due < scope.as_of)),
            func.count(func.distinct(Risk.id)),
        )
        .join(Risk, Risk.id == RiskAction.risk_id)
        .where(scope.units(Risk.unit_id))
        .group_by(Risk.unit_id)
    ).all()
    units = unit_labels({r[0] for r in rows})
    keys = ("actions", "done_in_period", "done", "open", "overdue", "risks")
    lines = [{**units.get(r[0], {}), **{k: int(v) for k, v in zip(keys, r[1:], strict=True)}} for r in rows]
    total = {k: sum(line[k] for line in lines) for k in keys}
    return {"by_unit": by_unit_code(lines), "total": total}
