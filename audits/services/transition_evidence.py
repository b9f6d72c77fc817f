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
    register_review_kind()


def reviews_of_unit(unit: Unit) -> list[tuple[int, str]]:
    """The held management reviews of the unit and of the organisation, newest first, as (id, label)."""
    from audits.models.review import ManagementReview, ReviewStatus

    stmt = (
        select(ManagementReview)
        .where(
            ManagementReview.status == ReviewStatus.HELD,
            (ManagementReview.unit_id == unit.id) | ManagementReview.unit_id.is_(None),
        )
        .order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc())
    )
    return [
        (r.id, f"{fmt_date(r.held_on)} ({r.unit.code if r.unit else _l('The organisation')})")
        for r in db.session.scalars(stmt)
    ]


def _review_url(record_id: int | None, _unit: Unit) -> str | None:
    return url_for("audits.review_show", review_id=record_id) if record_id else None


def register_review_kind() -> None:
    """Held management reviews as evidence of the 9.3 item (the gap catalogue's kind `management_review`)."""
    register_evidence_kind(
        EvidenceKind("management_review", _l("Management review"), choices=reviews_of_unit, url=_review_url)
    )
