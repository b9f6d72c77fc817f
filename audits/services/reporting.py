"""What the audit documents read: each loader fetches a record with everything its document shows in a
fixed number of queries (eager loading), never one query per finding or action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from audits.models import (
    NC_KINDS,
    ActionItem,
    Audit,
    AuditProgramme,
    AuditTeamMember,
    CorrectiveAction,
    EffectivenessCheck,
    Finding,
    FindingStatus,
)
from audits.services import queries
from audits.services.queries import KIND_ORDER, OPEN_NC_STATUSES
from qms.extensions import db
from qms.models.org import User
from qms.services.errors import NotFound


def _finding_details() -> list:
    return [
        selectinload(Finding.actions).joinedload(ActionItem.owner),
        selectinload(Finding.corrective_action).joinedload(CorrectiveAction.reviewed_by),
        selectinload(Finding.checks).joinedload(EffectivenessCheck.verifier),
        joinedload(Finding.raised_by),
        joinedload(Finding.clause),  # every row of the documents names its clause and unit
        joinedload(Finding.unit),
    ]


def _audit_details() -> list:
    return [
        joinedload(Audit.programme),
        selectinload(Audit.team).joinedload(AuditTeamMember.user),
        selectinload(Audit.agenda),
    ]


def audit_by_ref(ref: str) -> Audit:
    audit = db.session.scalar(
        select(Audit).where(Audit.ref == ref.strip().upper()).options(*_audit_details())
    )
    if audit is None:
        raise NotFound(_("No audit has the reference %(ref)s.", ref=ref))
    return audit


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Nonconformities by reference, then observations and opportunities for improvement."""
    return sorted(findings, key=lambda f: (KIND_ORDER.index(f.kind) > 1, f.ref_seq or 0, f.id))


def findings_of(audit: Audit, reader: User | None = None) -> list[Finding]:
    """The audit's findings `reader` may see (all of them without a reader), with what its report shows
    of them: clause, unit and the actions its corrective-action figures count."""
    stmt = (
        select(Finding)
        .where(Finding.audit_id == audit.id)
        .options(joinedload(Finding.clause), joinedload(Finding.unit), selectinload(Finding.actions))
    )
    stmt = queries.readable_findings(stmt, reader)
    return sorted_findings(list(db.session.scalars(stmt).unique()))


def finding_by_ref(ref: str) -> Finding:
    stmt = select(Finding).where(Finding.ref == ref.strip().upper()).options(*_finding_details())
    finding = db.session.scalar(stmt)
    if finding is None:
        raise NotFound(_("No nonconformity has the reference %(ref)s.", ref=ref))
    return finding


def audits_of_year(year: int) -> list[Audit]:
    stmt = (
        select(Audit)
        .where(Audit.year == year)
        .options(*_audit_details())
        .order_by(Audit.planned_start, Audit.ref)
    )
    return list(db.session.scalars(stmt).unique())


def programme_of_year(year: int) -> AuditProgramme:
    programme = db.session.scalar(
        select(AuditProgramme)
        .where(AuditProgramme.year == year)
        .options(joinedload(AuditProgramme.approved_by))
    )
    if programme is None:
        raise NotFound(_("There is no audit programme for %(year)s.", year=year))
    return programme


def findings_of_year(year: int) -> list[Finding]:
    """The findings register of a year (by the year of their audit), with actions and checks."""
    stmt = (
        select(Finding)
        .join(Audit, Audit.id == Finding.audit_id)
        .where(Audit.year == year)
        .options(*_finding_details())
        .order_by(Audit.planned_start, Audit.ref, Finding.ref_seq.is_(None), Finding.ref_seq, Finding.id)
    )
    return list(db.session.scalars(stmt).unique())


def current_actions(finding: Finding) -> list[ActionItem]:
    return [a for a in finding.actions if a.round == finding.round]


@dataclass
class ActionStatus:
    """Where the corrective actions of an audit's nonconformities stand."""

    nonconformities: int = 0
    closed: int = 0
    waiting_plan: int = 0
    in_progress: int = 0
    to_verify: int = 0
    actions: int = 0
    actions_done: int = 0
    actions_overdue: int = 0


def action_status(findings: list[Finding], today: date) -> ActionStatus:
    status = ActionStatus()
    for finding in findings:
        if finding.kind not in NC_KINDS or finding.status == FindingStatus.WITHDRAWN:
            continue
        status.nonconformities += 1
        if finding.status == FindingStatus.CLOSED:
            status.closed += 1
        elif finding.status == FindingStatus.ACTIONS_DONE:
            status.to_verify += 1
        elif finding.status in (FindingStatus.OPEN, FindingStatus.PLAN_RETURNED, FindingStatus.REOPENED):
            status.waiting_plan += 1
        else:
            status.in_progress += 1
        for action in current_actions(finding):
            status.actions += 1
            if action.done_on is not None:
                status.actions_done += 1
            elif finding.status in OPEN_NC_STATUSES and action.due_on < today:
                status.actions_overdue += 1
    return status


def counts_by_kind(findings: list[Finding]) -> dict[str, int]:
    counts = {k.value: 0 for k in KIND_ORDER}
    for finding in findings:
        if finding.status != FindingStatus.WITHDRAWN:
            counts[finding.kind] += 1
    return counts
