"""Audits as evidence of a unit's transition gap items (clause 9.2 and others): registered into qms's
registry of evidence kinds at app start, so that qms never imports audits."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audits.models import Audit
from audits.models.audit import AuditStatus, AuditUnit
from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.org import Unit
from qms.services.transition import EvidenceKind, register_evidence_kind


def audits_of_unit(unit: Unit) -> list[tuple[int, str]]:
    """The audits that covered the unit, newest first, as (id, label)."""
    stmt = (
        select(Audit)
        .join(AuditUnit, AuditUnit.audit_id == Audit.id)
        .where(AuditUnit.unit_id == unit.id, Audit.status != AuditStatus.CANCELLED.value)
        .order_by(Audit.planned_start.desc(), Audit.id.desc())
    )
    return [
        (a.id, f"{a.ref} ({fmt_date(a.planned_start)}, ISO 9001:{a.edition})")
        for a in db.session.scalars(stmt)
    ]


def _url(record_id: int | None, _unit: Unit) -> str | None:
    audit = db.session.get(Audit, record_id) if record_id else None
    return url_for("audits.audit_show", ref=audit.ref) if audit is not None else None


def register() -> None:
    register_evidence_kind(EvidenceKind("audit", _l("Internal audit"), choices=audits_of_unit, url=_url))
