"""b) Changes in external and internal issues: the context register's issues recorded, changed or
due for review in the period."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select

from audits.services.review.inputs.common import Scope, iso, unit_labels
from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.models.risks import ContextIssue

ITEM_LIMIT = 200


def _changed(scope: Scope) -> Any:
    since = datetime.combine(scope.start, time.min, tzinfo=UTC)
    until = datetime.combine(scope.end + timedelta(days=1), time.min, tzinfo=UTC)
    changed_ids = select(HistoryEntry.record_id).where(
        HistoryEntry.record_type == ContextIssue.__tablename__,
        HistoryEntry.at >= since,
        HistoryEntry.at < until,
    )
    return or_(
        ContextIssue.created_at.between(since, until),
        ContextIssue.review_date.between(scope.start, scope.end),
        cast(ContextIssue.id, String).in_(changed_ids),
    )


def gather(scope: Scope) -> dict[str, Any]:
    condition = _changed(scope)
    by_kind = {"external": 0, "internal": 0}
    for kind, count in db.session.execute(
        select(ContextIssue.kind, func.count(ContextIssue.id))
        .where(condition, scope.units(ContextIssue.unit_id))
        .group_by(ContextIssue.kind)
    ):
        by_kind[kind] = count
    issues = list(
        db.session.scalars(
            select(ContextIssue)
            .where(condition, scope.units(ContextIssue.unit_id))
            .order_by(ContextIssue.kind, ContextIssue.unit_id, ContextIssue.id)
            .limit(ITEM_LIMIT)
        )
    )
    units = unit_labels({i.unit_id for i in issues})
    items = [
        {
            **units.get(i.unit_id, {}),
            "kind": i.kind,
            "description": i.description,
            "review_date": iso(i.review_date),
        }
        for i in issues
    ]
    return {"by_kind": by_kind, "total": sum(by_kind.values()), "items": items}
