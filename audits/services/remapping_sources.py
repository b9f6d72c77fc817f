"""The audits' stored 2008 clause references, registered with qms's remapping at app start.

An audit's scope and checklist items are the steering committee's to remap; a finding is its unit's
manager's too. A closed or cancelled audit keeps what was audited and written: its references gain
their 2015 equivalent beside them (the decision annotates); an audit not closed is remapped in place.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from audits.models import Audit, AuditClause, AuditStatus, AuditUnit, ChecklistItem, Finding, FindingStatus
from qms.extensions import db
from qms.models.clauses import Clause, Edition
from qms.models.remapping import RemapKind
from qms.services.remapping import RecordInfo, RemapSource, register_source

KEEPS_WHAT_WAS_AUDITED = (AuditStatus.CLOSED.value, AuditStatus.CANCELLED.value)


def _is_2008(column: Any) -> Any:
    return column.in_(select(Clause.id).where(Clause.edition == Edition.ISO_2008.value))


# --- an audit's scope --------------------------------------------------------------------------


def _scope_references() -> Select[Any]:
    return (
        select(
            AuditClause.audit_id.label("record_id"),
            AuditUnit.unit_id.label("unit_id"),
            AuditClause.clause_id.label("clause_id"),
        )
        .join(AuditUnit, AuditUnit.audit_id == AuditClause.audit_id)
        .where(_is_2008(AuditClause.clause_id))
    )


def _audit_infos(ids: Collection[int]) -> dict[int, RecordInfo]:
    audits = db.session.scalars(select(Audit).where(Audit.id.in_(list(ids))))
    return {
        a.id: RecordInfo(
            label=a.ref,
            link=partial(url_for, "audits.audit_show", ref=a.ref),
            unit_ids=tuple(sorted(a.unit_ids)),
            closed=a.status in KEEPS_WHAT_WAS_AUDITED,
        )
        for a in audits
    }


def _scope_replace(record_id: int, old: Clause, new: list[Clause]) -> None:
    row = db.session.get(AuditClause, {"audit_id": record_id, "clause_id": old.id})
    if row is not None:
        db.session.delete(row)
    db.session.flush()
    for clause in new:
        if db.session.get(AuditClause, {"audit_id": record_id, "clause_id": clause.id}) is None:
            db.session.add(AuditClause(audit_id=record_id, clause_id=clause.id, remapped_from_id=old.id))
    db.session.flush()
    _expire_audit(record_id)


def _scope_restore(record_id: int, old: Clause, keep: dict[int, int]) -> None:
    rows = db.session.scalars(
        select(AuditClause).where(AuditClause.audit_id == record_id, AuditClause.remapped_from_id == old.id)
    )
    for row in rows:
        if row.clause_id in keep:
            row.remapped_from_id = keep[row.clause_id]
        else:
            db.session.delete(row)
    db.session.flush()
    if db.session.get(AuditClause, {"audit_id": record_id, "clause_id": old.id}) is None:
        db.session.add(AuditClause(audit_id=record_id, clause_id=old.id))
    db.session.flush()
    _expire_audit(record_id)


def _expire_audit(audit_id: int) -> None:
    audit = db.session.get(Audit, audit_id)
    if audit is not None:
        db.session.expire(audit, ["clause_links"])


# --- checklist items -------------------------------------------------------------------------


def _checklist_references() -> Select[Any]:
    return (
        select(
            ChecklistItem.id.label("record_id"),
            AuditUnit.unit_id.label("unit_id"),
            ChecklistItem.clause_id.label("clause_id"),
        )
        .join(AuditUnit, AuditUnit.audit_id == ChecklistItem.audit_id)
        .where(_is_2008(ChecklistItem.clause_id))
    )


def _checklist_infos(ids: Collection[int]) -> dict[int, RecordInfo]:
    items = db.session.execute(
        select(ChecklistItem, Audit)
        .join(Audit, Audit.id == ChecklistItem.audit_id)
        .where(ChecklistItem.id.in_(list(ids)))
    )
    return {
        item.id: RecordInfo(
            label=f"{audit.ref} #{item.position}: {item.question[:80]}",
            link=partial(url_for, "audits.checklist", ref=audit.ref),
            unit_ids=tuple(sorted(audit.unit_ids)),
            closed=audit.status in KEEPS_WHAT_WAS_AUDITED,
        )
        for item, audit in items
    }


def _single_replace(model: Any) -> Any:
    def replace(record_id: int, old: Clause, new: list[Clause]) -> None:
        row = db.session.get(model, record_id)
        if row is not None and row.clause_id == old.id:
            row.clause_id = new[0].id
            row.remapped_from_id = old.id
            db.session.flush()
            db.session.expire(row, ["clause", "remapped_from"])

    return replace


def _single_restore(model: Any) -> Any:
    def restore(record_id: int, old: Clause, keep: dict[int, int]) -> None:
        row = db.session.get(model, record_id)
        if row is not None and row.remapped_from_id == old.id:
            row.clause_id = old.id
            row.remapped_from_id = None
            db.session.flush()
            db.session.expire(row, ["clause", "remapped_from"])

    return restore


# --- findings --------------------------------------------------------------------------------


def _finding_references() -> Select[Any]:
    return select(
        Finding.id.label("record_id"), Finding.unit_id.label("unit_id"), Finding.clause_id.label("clause_id")
    ).where(_is_2008(Finding.clause_id), Finding.status != FindingStatus.WITHDRAWN.value)


def _finding_infos(ids: Collection[int]) -> dict[int, RecordInfo]:
    rows = db.session.execute(
        select(Finding, Audit.status)
        .join(Audit, Audit.id == Finding.audit_id)
        .where(Finding.id.in_(list(ids)))
    )
    return {
        f.id: RecordInfo(
            label=f.label,
            link=partial(url_for, "audits.finding_show", finding_id=f.id),
            unit_ids=(f.unit_id,),
            closed=status == AuditStatus.CLOSED.value,
        )
        for f, status in rows
    }


def register() -> None:
    register_source(
        RemapSource(
            kind=RemapKind.AUDIT_SCOPE.value,
            label=_l("Audit scope"),
            references=_scope_references,
            records=_audit_infos,
            replace=_scope_replace,
            restore=_scope_restore,
            several=True,
            steering_only=True,
            order=30,
        )
    )
    register_source(
        RemapSource(
            kind=RemapKind.CHECKLIST_ITEM.value,
            label=_l("Checklist question"),
            references=_checklist_references,
            records=_checklist_infos,
            replace=_single_replace(ChecklistItem),
            restore=_single_restore(ChecklistItem),
            several=False,
            steering_only=True,
            order=40,
        )
    )
    register_source(
        RemapSource(
            kind=RemapKind.FINDING.value,
            label=_l("Audit finding"),
            references=_finding_references,
            records=_finding_infos,
            replace=_single_replace(Finding),
            restore=_single_restore(Finding),
            several=False,
            order=50,
        )
    )
