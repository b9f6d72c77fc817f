"""f) Opportunities for improvement: those the audits of the period found, with the meeting's notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from audits.models import Finding, FindingKind, FindingStatus
from audits.services.review.inputs.common import Scope, iso, unit_labels
from qms.extensions import db

ITEM_LIMIT = 200


def gather(scope: Scope) -> dict[str, Any]:
    found = list(
        db.session.scalars(
            select(Finding)
            .where(
                Finding.kind == FindingKind.OFI,
                Finding.status != FindingStatus.WITHDRAWN,
                Finding.raised_on.between(scope.start, scope.end),
                scope.units(Finding.unit_id),
            )
            .order_by(Finding.raised_on, Finding.id)
            .limit(ITEM_LIMIT)
        )
    )
    units = unit_labels({f.unit_id for f in found})
    items = [
        {"ref": f.label_in("vi"), "ref_en": f.label_in("en"), **units.get(f.unit_id, {}),
         "statement": f.statement, "raised_on": iso(f.raised_on)}
        for f in found
    ]  # fmt: skip
    return {"count": len(items), "items": items}
