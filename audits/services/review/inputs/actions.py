"""a) The status of actions from previous management reviews: the decisions of the earlier held
reviews of the same scope, done, open or overdue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from audits.models.review import ManagementReview, ReviewDecision, ReviewStatus
from audits.services.review.inputs.common import Scope, iso, unit_labels
from qms.extensions import db
from qms.models.org import User

ITEM_LIMIT = 200


def _earlier_held(scope: Scope) -> Any:
    stmt = select(ManagementReview.id).where(ManagementReview.status == ReviewStatus.HELD)
    if scope.unit_id is None:
        stmt = stmt.where(ManagementReview.unit_id.is_(None))
    else:
        stmt = stmt.where(ManagementReview.unit_id == scope.unit_id)
    if scope.review_id is not None:
        stmt = stmt.where(ManagementReview.id != scope.review_id)
    if scope.held_on is not None:
        stmt = stmt.where(ManagementReview.held_on <= scope.held_on)
    return stmt


def state_case(as_of: Any) -> Any:
    return case(
        (ReviewDecision.done_on.is_not(None), "done"),
        (ReviewDecision.due_on < as_of, "overdue"),
        else_="open",
    )


def gather(scope: Scope) -> dict[str, Any]:
    earlier = _earlier_held(scope)
    state = state_case(scope.as_of)
    counts = {"done": 0, "open": 0, "overdue": 0}
    for name, count in db.session.execute(
        select(state, func.count(ReviewDecision.id))
        .where(ReviewDecision.review_id.in_(earlier))
        .group_by(state)
    ):
        counts[name] = count
    rows = db.session.execute(
        select(ReviewDecision, ManagementReview.held_on, User.full_name, state)
        .join(ManagementReview, ManagementReview.id == ReviewDecision.review_id)
        .outerjoin(User, User.id == ReviewDecision.owner_id)
        .where(ReviewDecision.review_id.in_(earlier))
        .order_by(ManagementReview.held_on, ReviewDecision.due_on, ReviewDecision.id)
        .limit(ITEM_LIMIT)
    ).all()
    units = unit_labels({d.owner_unit_id for d, *_ in rows})
    items = [
        {
            "review_on": iso(held_on),
            "kind": d.kind,
            "what": d.what,
            **units.get(d.owner_unit_id, {}),
            "owner": owner or "",
            "due_on": iso(d.due_on),
            "done_on": iso(d.done_on),
            "done_note": d.done_note,
            "state": s,
        }
        for d, held_on, owner, s in rows
    ]
    return {"counts": counts, "total": sum(counts.values()), "items": items}
