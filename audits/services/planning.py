"""The steering committee plans: yearly programmes, audits with their scope, team and agenda, and the
audit workflow. Auditors' competence records live here too."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.models import (
    NC_KINDS,
    AgendaItem,
    Audit,
    AuditClause,
    AuditConformity,
    AuditKind,
    AuditorCompetence,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    AuditUnit,
    Finding,
    FindingStatus,
    FollowUpProposal,
    ProgrammeStatus,
    TeamRole,
)
from audits.services import queries
from audits.services.numbering import next_audit_ref
from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.base import utcnow
from qms.models.clauses import Clause, Edition
from qms.models.history import HistoryEntry
from qms.models.issuing import DocType
from qms.models.org import Membership, OrgRole, Unit, User, UserRole
from qms.services import access, issuing, mail
from qms.services.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from qms.services.history import act_as

# --- programmes ------------------------------------------------------------------------------


def programme_for_year(year: int) -> AuditProgramme | None:
    return db.session.scalar(select(AuditProgramme).where(AuditProgramme.year == year))


def require_programme(year: int) -> AuditProgramme:
    programme = programme_for_year(year)
    if programme is None:
        raise NotFound(_("There is no audit programme for %(year)s.", year=year))
    return programme


def programmes() -> list[AuditProgramme]:
    return list(db.session.scalars(select(AuditProgramme).order_by(AuditProgramme.year.desc())))


def _check_edition(edition: str) -> None:
    if edition not in set(Edition):
        raise DomainError(_("Unknown edition: %(edition)s.", edition=edition), field="edition")


def create_programme(
    *, actor: User | None, year: int, edition: str, objectives: str = "", scope: str = "", notes: str = ""
) -> AuditProgramme:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    _check_edition(edition)
    if not 2000 <= year <= 2100:
        raise DomainError(_("The year must be between 2000 and 2100."), field="year")
    if programme_for_year(year) is not None:
        raise DomainError(_("There is already a programme for %(year)s.", year=year), field="year")
    programme = AuditProgramme(
        year=year, edition=edition, objectives=objectives.strip(), scope=scope.strip(), notes=notes.strip()
    )
    db.session.add(programme)
    db.session.flush()
    return programme


def update_programme(
    programme: AuditProgramme, *, actor: User | None, edition: str, objectives: str, scope: str, notes: str
) -> AuditProgramme:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    if not programme.is_editable:
        raise InvalidTransition(
            _(
                "Programme %(year)s is submitted or approved: it can no longer be changed.",
                year=programme.year,
            )
        )
    _check_edition(edition)
    programme.edition, programme.objectives = edition, objectives.strip()
    programme.scope, programme.notes = scope.strip(), notes.strip()
    db.session.flush()
    return programme


STEERING, LEADER = "steering", "leader"

# The programme workflow: state → {action: (next state, who moves it)}. Steering drafts and submits;
# a leader who neither drafted nor submitted it approves it (with the decision's number and date) or
# returns it with a comment, and a returned programme is a draft again.
PROGRAMME_TRANSITIONS: dict[str, dict[str, tuple[str, str]]] = {
    ProgrammeStatus.DRAFT: {"submit": (ProgrammeStatus.SUBMITTED, STEERING)},
    ProgrammeStatus.RETURNED: {"submit": (ProgrammeStatus.SUBMITTED, STEERING)},
    ProgrammeStatus.SUBMITTED: {
        "approve": (ProgrammeStatus.APPROVED, LEADER),
        "return": (ProgrammeStatus.RETURNED, LEADER),
    },
    ProgrammeStatus.APPROVED: {},
}


PROGRAMME_CONTENT = frozenset({"year", "edition", "objectives", "scope", "notes"})


def programme_drafters(programme: AuditProgramme) -> set[int]:
    """Who wrote the programme: whoever created it or changed its content (from its history), and who
    submitted it. A leader's own decision (approve, return) does not make them a drafter."""
    rows = db.session.execute(
        select(HistoryEntry.actor_id, HistoryEntry.action, HistoryEntry.changes).where(
            HistoryEntry.record_type == AuditProgramme.__tablename__,
            HistoryEntry.record_id == str(programme.id),
            HistoryEntry.action.in_(["insert", "update"]),
            HistoryEntry.actor_id.is_not(None),
        )
    ).all()
    people = {
        actor_id
        for actor_id, action, changes in rows
        if action == "insert" or PROGRAMME_CONTENT & set(changes or {})
    }
    if programme.submitted_by_id is not None:
        people.add(programme.submitted_by_id)
    return people


def may_move_programme(programme: AuditProgramme, action: str, user: User | None) -> bool:
    move = PROGRAMME_TRANSITIONS.get(programme.status, {}).get(action)
    if move is None or user is None:
        return False
    if move[1] == STEERING:
        return access.can_plan_audits(user)
    return (
        user.is_authenticated
        and user.has_role(OrgRole.LEADER)
        and user.id not in programme_drafters(programme)
    )


def allowed_programme_actions(programme: AuditProgramme, user: User | None) -> list[str]:
    moves = PROGRAMME_TRANSITIONS.get(programme.status, {})
    return [action for action in moves if may_move_programme(programme, action, user)]


def _move_programme(programme: AuditProgramme, action: str, actor: User | None) -> None:
    move = PROGRAMME_TRANSITIONS.get(programme.status, {}).get(action)
    if move is None:
        raise InvalidTransition(
            _(
                "Programme %(year)s is %(status)s: it cannot be moved with '%(action)s'.",
                year=programme.year,
                status=programme.status,
                action=action,
            )
        )
    if actor is not None and not may_move_programme(programme, action, actor):
        if move[1] == STEERING:
            raise NotAllowed(_("Only the ISO steering committee may submit the programme for approval."))
        if actor.has_role(OrgRole.LEADER):
            raise NotAllowed(
                _("You drafted or submitted this programme: another leader must approve or return it.")
            )
        raise NotAllowed(_("Only a leader may approve or return the audit programme."))
    programme.status = move[0]


def submit_programme(programme: AuditProgramme, *, actor: User | None) -> AuditProgramme:
    """Steering submits a draft (or returned) programme to the leadership for approval."""
    act_as(actor)
    _move_programme(programme, "submit", actor)
    programme.submitted_by_id = actor.id if actor is not None else None
    programme.submitted_at = utcnow()
    db.session.flush()
    return programme


def approve_programme(
    programme: AuditProgramme,
    *,
    actor: User | None,
    decision_number: str,
    decision_date: date | None,
) -> AuditProgramme:
    """A leader approves a submitted programme, recording the approving decision (e.g. 125/QĐ-UBND)."""
    act_as(actor)
    if not (decision_number or "").strip():
        raise DomainError(_("Give the number of the approving decision."), field="decision_number")
    if decision_date is None:
        raise DomainError(_("Give the date of the approving decision."), field="decision_date")
    if decision_date > date.today():
        raise DomainError(_("The decision cannot be dated in the future."), field="decision_date")
    _move_programme(programme, "approve", actor)
    programme.approved_by_id = actor.id if actor is not None else None
    programme.approved_at = utcnow()
    programme.decision_number = decision_number.strip()
    programme.decision_date = decision_date
    programme.return_comment = ""
    db.session.flush()
    _issue_programme(programme, actor)
    return programme


def _issue_programme(programme: AuditProgramme, actor: User | None) -> None:
    """The approved programme is issued with the approving decision's date."""
    from audits.exports import documents

    assert programme.decision_date is not None
    _issue_steering_document(
        DocType.PROGRAMME,
        documents.PROGRAMME_SOURCE,
        str(programme.year),
        actor=actor,
        issued_on=programme.decision_date,
        subject=lambda: _("Internal audit of the quality management system in %(year)s", year=programme.year),
        recipients=lambda: [_("Members of the ISO steering committee"), _("The units to be audited")],
        build=lambda number, on: documents.programme_document(programme, "vi", number=number, issued_on=on),
        filename=documents.file_name("programme", programme.year),
    )


def _issue_steering_document(
    doc_type: str,
    source: str,
    source_ref: str,
    *,
    actor: User | None,
    issued_on: date,
    subject: Callable[[], str],
    recipients: Callable[[], list[str]],
    build: Callable[[str, date], Any],
    filename: str,
    approver: str | None = None,
) -> None:
    """Issue a steering committee's document (programme, plan, report): the next number of its type for
    the year, entered in the register, its Vietnamese .docx kept as issued, replacing the record's earlier
    issue if there is one. `build(number, date)` makes the document the number is printed in."""
    # The exporters build what is issued; they read the records through this package.
    from qms.exports import issuers
    from qms.exports.document import to_bytes

    def build_bytes(number: str, on: date) -> bytes:
        with force_locale("vi"):
            return to_bytes(build(number, on))

    with force_locale("vi"):
        what = issuing.Issue(
            doc_type=doc_type,
            issuer_symbol=issuers.steering_symbol(),
            subject=subject(),
            source=source,
            source_ref=source_ref,
            signer_name=issuers.steering_head(approver).name,
            signer_title=issuers.steering_head().title,
            recipients=recipients(),
        )
    issuing.issue(
        what,
        actor=actor,
        issued_on=issued_on,
        build=build_bytes,
        filename=filename,
        replaces=issuing.current_issue(source, source_ref),
    )


def return_programme(programme: AuditProgramme, *, actor: User | None, comment: str) -> AuditProgramme:
    """A leader returns a submitted programme with a comment; steering edits it and submits it again."""
    act_as(actor)
    if not (comment or "").strip():
        raise DomainError(_("Say what must change before the programme can be approved."), field="comment")
    _move_programme(programme, "return", actor)
    programme.return_comment = comment.strip()
    db.session.flush()
    return programme


def require_programme_approved(audit: Audit) -> None:
    """No audit of a year starts before that year's programme is approved."""
    programme = audit.programme
    if not programme.is_approved:
        raise DomainError(
            _(
                "Audit programme %(year)s is not approved yet: no audit of %(year)s can start before "
                "a leader approves it.",
                year=programme.year,
            )
        )


def plan_follow_up_audits(
    programme: AuditProgramme, proposals: list[FollowUpProposal], *, actor: User | None
) -> list[Audit]:
    """One follow-up audit per proposal, in the programme's year, all or nothing: the first refusal
    names its proposal and nothing is planned (the caller rolls back)."""
    from audits.services import findings  # findings builds on this module

    if actor is not None:
        access.require_plan_audits(actor)
    if not proposals:
        raise DomainError(_("Choose at least one proposed follow-up audit."), field="proposal_ids")
    planned = []
    for proposal in proposals:
        start = proposal.due_on
        if start.year > programme.year:
            raise DomainError(
                _(
                    "%(ref)s: its actions are due on %(date)s, after programme %(year)s.",
                    ref=proposal.finding.label,
                    date=fmt_date(start),
                    year=programme.year,
                ),
                field="proposal_ids",
            )
        if start.year < programme.year:
            start = date(programme.year, 1, 1)
        try:
            findings.decide_follow_up(
                proposal, actor=actor, accept=True, planned_start=start, planned_end=start
            )
        except DomainError as exc:
            raise DomainError(f"{proposal.finding.label}: {exc.message}", field="proposal_ids") from exc
        assert proposal.audit is not None
        planned.append(proposal.audit)
    return planned


# --- audits ----------------------------------------------------------------------------------


def get_audit(ref: str) -> Audit:
    audit = db.session.scalar(select(Audit).where(Audit.ref == ref.strip().upper()))
    if audit is None:
        raise NotFound(_("No audit has the reference %(ref)s.", ref=ref))
    return audit


def _check_dates(start: date | None, end: date | None) -> None:
    if start is None:
        raise DomainError(_("A start date is required."), field="planned_start")
    if end is None:
        raise DomainError(_("An end date is required."), field="planned_end")
    if end < start:
        raise DomainError(_("The end date cannot be before the start date."), field="planned_end")


def _clauses_of(edition: str, clause_ids: Iterable[int]) -> list[Clause]:
    ids = set(clause_ids)
    if not ids:
        return []
    clauses = list(db.session.scalars(select(Clause).where(Clause.id.in_(ids))))
    wrong = [c for c in clauses if c.edition != edition]
    if len(clauses) != len(ids) or wrong:
        raise DomainError(
            _("Every clause in scope must belong to ISO 9001:%(edition)s.", edition=edition),
            field="clause_ids",
        )
    return clauses


def _check_team_independence(team: Iterable[AuditTeamMember], units: Iterable[Unit]) -> None:
    for member in team:
        check_independence(member.user, units)


def check_independence(user: User, units: Iterable[Unit]) -> None:
    """An auditor never audits a unit they belong to (ISO 9001 9.2.2 c)."""
    for unit in units:
        if user.membership_in(unit.id) is not None:
            raise DomainError(
                _(
                    "%(name)s belongs to %(unit)s, one of the audited units, and cannot audit it.",
                    name=user.full_name,
                    unit=f"{unit.code} — {unit.name}",
                ),
                field="user_id",
            )


def _set_scope(audit: Audit, units: list[Unit], clauses: list[Clause]) -> None:
    if not units:
        raise DomainError(_("Choose at least one audited unit."), field="unit_ids")
    wanted_units = {u.id for u in units}
    for link in list(audit.unit_links):
        if link.unit_id not in wanted_units:
            audit.unit_links.remove(link)
    have = audit.unit_ids
    for unit in units:
        if unit.id not in have:
            audit.unit_links.append(AuditUnit(unit=unit))
    wanted_clauses = {c.id for c in clauses}
    for clause_link in list(audit.clause_links):
        if clause_link.clause_id not in wanted_clauses:
            audit.clause_links.remove(clause_link)
    have_clauses = {link.clause_id for link in audit.clause_links}
    for clause in clauses:
        if clause.id not in have_clauses:
            audit.clause_links.append(AuditClause(clause=clause))


def create_audit(
    *,
    actor: User | None,
    programme: AuditProgramme,
    planned_start: date | None,
    planned_end: date | None,
    units: list[Unit],
    clause_ids: Iterable[int] = (),
    kind: str = AuditKind.PLANNED,
    edition: str | None = None,
    objectives: str = "",
    processes: str = "",
    process_code: str | None = None,
) -> Audit:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    edition = edition or programme.edition
    _check_edition(edition)
    if kind not in set(AuditKind):
        raise DomainError(_("Unknown kind of audit: %(kind)s.", kind=kind), field="kind")
    _check_dates(planned_start, planned_end)
    assert planned_start is not None and planned_end is not None
    if planned_start.year != programme.year:
        raise DomainError(
            _("The audit must start in the programme's year (%(year)s).", year=programme.year),
            field="planned_start",
        )
    clauses = _clauses_of(edition, clause_ids)
    if not units:
        raise DomainError(_("Choose at least one audited unit."), field="unit_ids")
    ref, seq = next_audit_ref(programme.year)
    audit = Audit(
        programme_id=programme.id,
        ref=ref,
        year=programme.year,
        seq=seq,
        edition=edition,
        kind=kind,
        status=AuditStatus.PLANNED,
        planned_start=planned_start,
        planned_end=planned_end,
        objectives=objectives.strip(),
        processes=processes.strip(),
        process_code=(process_code or "").strip() or None,
    )
    db.session.add(audit)
    _set_scope(audit, units, clauses)
    db.session.flush()
    return audit


def _check_removed_units_have_no_findings(audit: Audit, units: list[Unit]) -> None:
    """A unit on which findings were raised stays in the audit's scope: the record stays whole."""
    removed = audit.unit_ids - {u.id for u in units}
    if not removed:
        return
    finding = db.session.scalars(
        select(Finding).where(Finding.audit_id == audit.id, Finding.unit_id.in_(removed)).order_by(Finding.id)
    ).first()
    if finding is not None:
        raise DomainError(
            _(
                "%(unit)s cannot be removed from the audit: finding %(ref)s was raised on it.",
                unit=f"{finding.unit.code} — {finding.unit.name}",
                ref=finding.label,
            ),
            field="unit_ids",
        )


def _check_dates_keep_records(audit: Audit, start: date, end: date) -> None:
    """New dates must still include every finding's day and every agenda day."""
    if (start, end) == (audit.planned_start, audit.planned_end):
        return
    finding = db.session.scalars(
        select(Finding)
        .where(Finding.audit_id == audit.id, (Finding.raised_on < start) | (Finding.raised_on > end))
        .order_by(Finding.raised_on, Finding.id)
    ).first()
    if finding is not None:
        raise DomainError(
            _(
                "Finding %(ref)s was raised on %(date)s: the audit's dates must include that day.",
                ref=finding.label,
                date=fmt_date(finding.raised_on),
            ),
            field="planned_start" if finding.raised_on < start else "planned_end",
        )
    for item in audit.agenda:
        if not start <= item.day <= end:
            raise DomainError(
                _(
                    "The agenda has “%(activity)s” on %(date)s: move or remove it before changing the dates.",
                    activity=item.activity,
                    date=fmt_date(item.day),
                ),
                field="planned_start" if item.day < start else "planned_end",
            )


def update_audit(
    audit: Audit,
    *,
    actor: User | None,
    planned_start: date | None,
    planned_end: date | None,
    units: list[Unit],
    clause_ids: Iterable[int],
    kind: str,
    objectives: str,
    processes: str,
    process_code: str | None = None,
) -> Audit:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise InvalidTransition(_("Only a planned or running audit can be changed."))
    if kind not in set(AuditKind):
        raise DomainError(_("Unknown kind of audit: %(kind)s.", kind=kind), field="kind")
    _check_dates(planned_start, planned_end)
    assert planned_start is not None
    if planned_start.year != audit.year:
        raise DomainError(
            _("The audit must start in the programme's year (%(year)s).", year=audit.year),
            field="planned_start",
        )
    assert planned_end is not None
    clauses = _clauses_of(audit.edition, clause_ids)
    _check_team_independence(audit.team, units)
    _check_removed_units_have_no_findings(audit, units)
    _check_dates_keep_records(audit, planned_start, planned_end)
    audit.planned_start, audit.planned_end, audit.kind = planned_start, planned_end, kind
    audit.objectives, audit.processes = objectives.strip(), processes.strip()
    audit.process_code = (process_code or "").strip() or None
    _set_scope(audit, units, clauses)
    db.session.flush()
    return audit


# The audit workflow: state → {action: (next state, who may do it)}. Nothing else moves an audit.
# STEERING is the ISO steering committee; LEAD is the audit's lead auditor. A returned report goes
# back to the running audit, with the steering committee's comment, for the lead to rework.
STEERING = "steering"
LEAD = "lead"
AUDIT_TRANSITIONS: dict[str, dict[str, tuple[str, str]]] = {
    AuditStatus.PLANNED: {
        "start": (AuditStatus.IN_PROGRESS, STEERING),
        "cancel": (AuditStatus.CANCELLED, STEERING),
    },
    AuditStatus.IN_PROGRESS: {
        "submit_report": (AuditStatus.REPORT_SUBMITTED, LEAD),
        "cancel": (AuditStatus.CANCELLED, STEERING),
    },
    AuditStatus.REPORT_SUBMITTED: {
        "approve_report": (AuditStatus.REPORTED, STEERING),
        "return_report": (AuditStatus.IN_PROGRESS, STEERING),
    },
    AuditStatus.REPORTED: {
        "close": (AuditStatus.CLOSED, STEERING),
        # a correction after issue: the lead corrects, steering approves again under a new number
        "return_report": (AuditStatus.IN_PROGRESS, STEERING),
    },
    AuditStatus.CLOSED: {},
    AuditStatus.CANCELLED: {},
}
# The lead auditor writes the conclusion while the audit runs (which includes a returned report).
CONCLUSION_EDITABLE = (AuditStatus.IN_PROGRESS,)


def is_lead_auditor(audit: Audit, user: User | None) -> bool:
    lead = audit.lead
    return user is not None and user.is_authenticated and lead is not None and lead.id == user.id


def may_move_audit(audit: Audit, action: str, user: User | None) -> bool:
    move = AUDIT_TRANSITIONS.get(audit.status, {}).get(action)
    if move is None:
        return False
    if move[1] == LEAD:
        return is_lead_auditor(audit, user)
    return access.can_plan_audits(user)


def allowed_audit_actions(audit: Audit, user: User | None) -> list[str]:
    """The actions `user` may take on the audit now, in the table's order."""
    return [a for a in AUDIT_TRANSITIONS.get(audit.status, {}) if may_move_audit(audit, a, user)]


def transition_audit(
    audit: Audit,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    report_date: date | None = None,
    today: date | None = None,
) -> Audit:
    """Move the audit as AUDIT_TRANSITIONS says. `reason` is the reason for cancelling or the comment of
    a returned report; `report_date` the date of an approved report (default: today). `actor=None` is
    the system itself (imports, the demo)."""
    act_as(actor)
    move = AUDIT_TRANSITIONS.get(audit.status, {}).get(action)
    if move is None:
        raise InvalidTransition(
            _(
                "An audit that is %(status)s cannot be moved with '%(action)s'.",
                status=audit.status,
                action=action,
            )
        )
    if actor is not None and not may_move_audit(audit, action, actor):
        if move[1] == LEAD:
            raise NotAllowed(_("Only the lead auditor of %(ref)s may do this.", ref=audit.ref))
        raise NotAllowed(_("Only the ISO steering committee may do this."))
    if action == "cancel" and not reason.strip():
        raise DomainError(_("Give the reason for cancelling the audit."), field="reason")
    if action == "start":
        require_programme_approved(audit)
        if audit.lead is None:
            raise DomainError(_("Name a lead auditor before the audit starts."))
        waiting = [m.user.full_name for m in audit.team if m.needs_acknowledgement]
        if waiting:
            raise DomainError(
                _(
                    "The lead auditor has not yet acknowledged the competence warning for: %(names)s.",
                    names=", ".join(waiting),
                )
            )
    if action == "submit_report":
        _check_conclusion_complete(audit)
        audit.report_submitted_at = utcnow()
        submitter = actor or audit.lead
        audit.report_submitted_by_id = submitter.id if submitter is not None else None
    if action == "return_report":
        if not reason.strip():
            raise DomainError(_("Say what the lead auditor must change in the report."), field="reason")
        audit.report_return_comment = reason.strip()
    if action == "approve_report":
        _approve_report(audit, actor, report_date, today or date.today())
    if action == "close":
        open_ncs = db.session.scalar(
            select(Finding.ref).where(
                Finding.audit_id == audit.id,
                Finding.kind.in_(NC_KINDS),
                Finding.status.notin_([FindingStatus.CLOSED, FindingStatus.WITHDRAWN]),
            )
        )
        if open_ncs is not None:
            raise DomainError(
                _("The audit closes when all its nonconformities are closed (%(ref)s is not).", ref=open_ncs)
            )
    audit.status = move[0]
    if action == "cancel":
        audit.cancel_reason = reason.strip()
    db.session.flush()
    return audit


def _check_conclusion_complete(audit: Audit) -> None:
    if audit.conformity is None:
        raise DomainError(
            _("Write the conclusion first: does the system conform to the standard?"), field="conformity"
        )
    if audit.effective is None:
        raise DomainError(
            _("Write the conclusion first: is the system effectively implemented and maintained?"),
            field="effective",
        )
    if not audit.conclusion.strip():
        raise DomainError(
            _("Write the conclusion first: the overall conclusion is empty."), field="conclusion"
        )


def _approve_report(audit: Audit, actor: User | None, report_date: date | None, today: date) -> None:
    """Approval numbers the report in the organisation's series (per year, never reused) and dates it."""
    report_date = report_date or today
    if report_date > today:
        raise DomainError(_("The date of the report cannot be in the future."), field="report_date")
    if report_date < audit.planned_end:
        raise DomainError(
            _(
                "The report cannot be dated before the audit's last day (%(end)s).",
                end=fmt_date(audit.planned_end),
            ),
            field="report_date",
        )
    audit.report_approved_at = utcnow()
    audit.report_approved_by_id = actor.id if actor is not None else None
    _issue_report(audit, actor, report_date)


def _issue_report(audit: Audit, actor: User | None, report_date: date) -> None:
    """Approving issues the report; the number and date it takes are the report's."""
    from audits.exports import documents

    db.session.flush()
    db.session.refresh(audit, ["report_approved_by"])

    def build(number: str, issued_on: date) -> Any:
        audit.report_number, audit.report_date = number, issued_on
        return documents.audit_report(audit, "vi", today=issued_on)

    _issue_steering_document(
        DocType.REPORT,
        documents.REPORT_SOURCE,
        audit.ref,
        actor=actor,
        issued_on=report_date,
        subject=lambda: documents.report_heading(audit).subject,
        recipients=lambda: documents.report_recipients(audit),
        build=build,
        filename=documents.file_name("audit-report", audit.ref),
        approver=audit.report_approved_by.full_name if audit.report_approved_by else None,
    )


def save_conclusion(
    audit: Audit,
    *,
    actor: User | None,
    conformity: str | None,
    effective: bool | None,
    conclusion: str,
    strengths: str = "",
    recommendations: str = "",
) -> Audit:
    """The lead auditor's conclusion. It may be saved incomplete; submitting the report needs it whole."""
    if actor is not None and not is_lead_auditor(audit, actor):
        raise NotAllowed(_("Only the lead auditor of %(ref)s may write its conclusion.", ref=audit.ref))
    act_as(actor)
    if audit.status not in CONCLUSION_EDITABLE:
        raise InvalidTransition(
            _("The conclusion is written while the audit is in progress or its report has been returned.")
        )
    conformity = conformity or None
    if conformity is not None and conformity not in set(AuditConformity):
        raise DomainError(_("Unknown conformity: %(value)s.", value=conformity), field="conformity")
    audit.conformity = conformity
    audit.effective = effective
    audit.conclusion = conclusion.strip()
    audit.strengths = strengths.strip()
    audit.recommendations = recommendations.strip()
    db.session.flush()
    return audit


# --- team ------------------------------------------------------------------------------------


def auditors() -> list[User]:
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == OrgRole.AUDITOR, User.active)
        .options(selectinload(User.role_rows), selectinload(User.memberships).joinedload(Membership.unit))
        .order_by(User.full_name)
    )
    return list(db.session.scalars(stmt))


def auditor_choices() -> list[tuple[int, str]]:
    """Active auditors as a form's choices (id, name), by name: what a team picker shows, in one statement."""
    stmt = (
        select(User.id, User.full_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == OrgRole.AUDITOR, User.active)
        .order_by(User.full_name)
    )
    return [(row.id, row.full_name) for row in db.session.execute(stmt)]


def has_valid_competence(user: User, edition: str, on: date) -> bool:
    records = db.session.scalars(select(AuditorCompetence).where(AuditorCompetence.user_id == user.id))
    return any(r.covers(edition, on) for r in records)


def overlapping_audits(user: User, audit: Audit) -> list[Audit]:
    """Other audits, not cancelled, on whose team the user is and whose dates overlap this one's."""
    stmt = (
        select(Audit)
        .join(AuditTeamMember, AuditTeamMember.audit_id == Audit.id)
        .where(
            AuditTeamMember.user_id == user.id,
            Audit.id != audit.id,
            Audit.status != AuditStatus.CANCELLED,
            Audit.planned_start <= audit.planned_end,
            Audit.planned_end >= audit.planned_start,
        )
        .order_by(Audit.planned_start)
    )
    return list(db.session.scalars(stmt))


def team_bookings(audit: Audit) -> dict[int, list[Audit]]:
    """`overlapping_audits` of every member of the audit's team, by user id, in one statement."""
    team = {m.user_id for m in audit.team}
    bookings: dict[int, list[Audit]] = {user_id: [] for user_id in team}
    if not team:
        return bookings
    stmt = (
        select(AuditTeamMember.user_id, Audit)
        .join(AuditTeamMember, AuditTeamMember.audit_id == Audit.id)
        .where(
            AuditTeamMember.user_id.in_(team),
            Audit.id != audit.id,
            Audit.status != AuditStatus.CANCELLED,
            Audit.planned_start <= audit.planned_end,
            Audit.planned_end >= audit.planned_start,
        )
        .order_by(Audit.planned_start, Audit.id)
    )
    for user_id, other in db.session.execute(stmt):
        bookings[user_id].append(other)
    return bookings


@dataclass
class Assignment:
    member: AuditTeamMember
    warnings: list[str]


def assign_auditor(audit: Audit, user: User, *, role: str, actor: User | None) -> Assignment:
    """Put an auditor on the team. Refused when the auditor belongs to an audited unit; a double
    booking or a missing competence record for the audit's edition are warnings."""
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    if role not in set(TeamRole):
        raise DomainError(_("Unknown team role: %(role)s.", role=role), field="role")
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise InvalidTransition(_("The team of a reported, closed or cancelled audit cannot change."))
    if not user.has_role(OrgRole.AUDITOR):
        raise DomainError(_("%(name)s is not an internal auditor.", name=user.full_name), field="user_id")
    check_independence(user, audit.units)
    current_lead = next((m for m in audit.team if m.role == TeamRole.LEAD), None)
    if role == TeamRole.LEAD and current_lead is not None and current_lead.user_id != user.id:
        raise DomainError(
            _(
                "There is already a lead auditor (%(name)s): replace them explicitly with "
                "“Make lead auditor”.",
                name=current_lead.user.full_name,
            ),
            field="role",
        )
    if role == TeamRole.MEMBER and current_lead is not None and current_lead.user_id == user.id:
        raise DomainError(
            _(
                "%(name)s is the lead auditor: make another team member lead auditor instead.",
                name=user.full_name,
            ),
            field="role",
        )
    warnings: list[str] = []
    for other in overlapping_audits(user, audit):
        warnings.append(
            _(
                "%(name)s is also on audit %(ref)s (%(start)s – %(end)s), on the same days.",
                name=user.full_name,
                ref=other.ref,
                start=other.planned_start.isoformat(),
                end=other.planned_end.isoformat(),
            )
        )
    competent = has_valid_competence(user, audit.edition, audit.planned_start)
    if not competent:
        warnings.append(
            _(
                "%(name)s has no valid auditor training or certificate for ISO 9001:%(edition)s; "
                "the lead auditor must acknowledge this.",
                name=user.full_name,
                edition=audit.edition,
            )
        )
    member = next((m for m in audit.team if m.user_id == user.id), None)
    if member is None:
        member = AuditTeamMember(user=user, role=role)
        audit.team.append(member)
    member.role = role
    member.competence_warning = not competent
    if competent:
        member.acknowledged_by_id, member.acknowledged_at = None, None
    db.session.flush()
    return Assignment(member=member, warnings=warnings)


def remove_auditor(member: AuditTeamMember, *, actor: User | None) -> None:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    audit = member.audit
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise InvalidTransition(_("The team of a reported, closed or cancelled audit cannot change."))
    audit.team.remove(member)
    db.session.delete(member)
    db.session.flush()


def make_lead(member: AuditTeamMember, *, actor: User | None) -> AuditTeamMember:
    """Steering makes a team member the lead auditor; the current lead stays on the team as a member.
    Both changes are kept in the audit's history."""
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    audit = member.audit
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise InvalidTransition(_("The team of a reported, closed or cancelled audit cannot change."))
    if member.role == TeamRole.LEAD:
        raise InvalidTransition(_("%(name)s is already the lead auditor.", name=member.user.full_name))
    for other in audit.team:
        if other.role == TeamRole.LEAD:
            other.role = TeamRole.MEMBER
    member.role = TeamRole.LEAD
    db.session.flush()
    return member


def may_acknowledge_competence(member: AuditTeamMember, user: User | None) -> bool:
    """The lead auditor or the steering committee, never the person the warning is about."""
    if user is None or not user.is_authenticated or member.user_id == user.id:
        return False
    lead = member.audit.lead
    return access.can_plan_audits(user) or (lead is not None and lead.id == user.id)


def acknowledge_competence(member: AuditTeamMember, *, actor: User) -> AuditTeamMember:
    """The lead auditor (or the steering committee) acknowledges that a team member has no valid
    competence record; nobody acknowledges a warning about themselves."""
    act_as(actor)
    if member.user_id == actor.id:
        raise NotAllowed(
            _(
                "Nobody acknowledges a competence warning about themselves: the steering committee "
                "(or the lead auditor) does."
            )
        )
    if not may_acknowledge_competence(member, actor):
        raise NotAllowed(
            _("Only the lead auditor or the steering committee may acknowledge a competence warning.")
        )
    if not member.competence_warning:
        raise InvalidTransition(_("There is no competence warning to acknowledge."))
    if member.acknowledged_at is not None:
        raise InvalidTransition(_("This competence warning is already acknowledged."))
    member.acknowledged_by = actor
    member.acknowledged_at = utcnow()
    db.session.flush()
    return member


def competence_records(user: User) -> list[AuditorCompetence]:
    stmt = (
        select(AuditorCompetence)
        .where(AuditorCompetence.user_id == user.id)
        .order_by(AuditorCompetence.valid_from.desc())
    )
    return list(db.session.scalars(stmt))


def add_competence(
    user: User,
    *,
    actor: User | None,
    title: str,
    edition: str,
    valid_from: date | None,
    valid_to: date | None = None,
    certificate: str = "",
) -> AuditorCompetence:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    _check_edition(edition)
    if not title.strip():
        raise DomainError(_("A title is required."), field="title")
    if valid_from is None:
        raise DomainError(_("A start of validity is required."), field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The end of validity cannot be before its start."), field="valid_to")
    record = AuditorCompetence(
        user_id=user.id,
        title=title.strip(),
        certificate=certificate.strip(),
        edition=edition,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    db.session.add(record)
    db.session.flush()
    return record


# --- agenda ----------------------------------------------------------------------------------


def _require_agenda_open(audit: Audit) -> None:
    """The agenda is the plan of the audit: it changes while the audit is planned or running."""
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise InvalidTransition(_("The agenda of a reported, closed or cancelled audit cannot change."))


def add_agenda_item(
    audit: Audit, *, actor: User | None, day: date | None, time: str, activity: str, auditee_contact: str = ""
) -> AgendaItem:
    if actor is not None and not (
        access.can_plan_audits(actor) or (audit.lead is not None and audit.lead.id == actor.id)
    ):
        raise NotAllowed(_("Only the steering committee or the lead auditor may change the agenda."))
    _require_agenda_open(audit)
    act_as(actor)
    if day is None:
        raise DomainError(_("A day is required."), field="day")
    if not audit.planned_start <= day <= audit.planned_end:
        raise DomainError(_("The day must fall within the audit's dates."), field="day")
    if not activity.strip():
        raise DomainError(_("Describe the activity."), field="activity")
    item = AgendaItem(
        day=day, time=time.strip(), activity=activity.strip(), auditee_contact=auditee_contact.strip()
    )
    audit.agenda.append(item)
    db.session.flush()
    return item


def delete_agenda_item(item: AgendaItem, *, actor: User | None) -> None:
    audit = item.audit
    if actor is not None and not (
        access.can_plan_audits(actor) or (audit.lead is not None and audit.lead.id == actor.id)
    ):
        raise NotAllowed(_("Only the steering committee or the lead auditor may change the agenda."))
    _require_agenda_open(audit)
    act_as(actor)
    audit.agenda.remove(item)
    db.session.delete(item)
    db.session.flush()


# --- the audit plan sent to the audited units ------------------------------------------------


def plan_digest(audit: Audit) -> str:
    """A fingerprint of what the plan tells the units: dates, scope, team and agenda."""
    parts = [
        audit.planned_start.isoformat(),
        audit.planned_end.isoformat(),
        audit.kind,
        audit.objectives,
        audit.processes,
        audit.process_code or "",
        ",".join(str(i) for i in sorted(audit.unit_ids)),
        ",".join(str(link.clause_id) for link in sorted(audit.clause_links, key=lambda c: c.clause_id)),
        ";".join(f"{m.user_id}:{m.role}" for m in sorted(audit.team, key=lambda m: m.user_id)),
        ";".join(f"{i.day}|{i.time}|{i.activity}|{i.auditee_contact}" for i in audit.agenda),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def plan_changed_since_sent(audit: Audit) -> bool:
    return audit.plan_sent_at is not None and audit.plan_digest != plan_digest(audit)


def may_send_plan(audit: Audit, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    lead = audit.lead
    return access.can_plan_audits(user) or (lead is not None and lead.id == user.id)


@dataclass
class PlanSending:
    recipients: list[User]  # the managers the plan went to
    mailed: int  # messages handed to the mail server
    mail_configured: bool
    acknowledgements_reset: bool


def send_plan(audit: Audit, *, actor: User | None, base_url: str = "") -> PlanSending:
    """Steering or the lead auditor sends the plan of a planned audit to the managers of every audited
    unit that has not acknowledged it yet. Sending a changed plan resets every acknowledgement. The
    sending is recorded even when no mail server is configured."""
    from audits.services import plan_notice  # the message; it reads this module's facts

    if actor is not None and not may_send_plan(audit, actor):
        raise NotAllowed(_("Only the steering committee or the lead auditor may send the audit plan."))
    act_as(actor)
    if audit.status != AuditStatus.PLANNED:
        raise InvalidTransition(_("The plan is sent to the units while the audit is planned."))
    if audit.lead is None:
        raise DomainError(_("Name a lead auditor before sending the plan."))
    digest = plan_digest(audit)
    reset = audit.plan_digest != digest
    if reset:
        for link in audit.unit_links:
            link.plan_acknowledged_by_id, link.plan_acknowledged_at = None, None
    audit.plan_sent_at = utcnow()
    audit.plan_sent_by_id = actor.id if actor is not None else None
    audit.plan_digest = digest
    if reset:
        _issue_plan(audit, actor)
    db.session.flush()
    units_of: dict[int, list[Unit]] = {}
    people: dict[int, User] = {}
    for link in sorted(audit.unit_links, key=lambda link: link.unit.code):
        if link.plan_acknowledged_at is not None:
            continue
        for manager in queries.managers_of(link.unit_id):
            people[manager.id] = manager
            units_of.setdefault(manager.id, []).append(link.unit)
    recipients = sorted(people.values(), key=lambda u: u.email)
    settings = mail.smtp_settings()
    if settings is None:
        return PlanSending(recipients, 0, False, reset)
    messages = [
        plan_notice.message(settings, audit, person, units_of[person.id], base_url=base_url)
        for person in recipients
    ]
    return PlanSending(recipients, mail.send(settings, messages), True, reset)


def _issue_plan(audit: Audit, actor: User | None) -> None:
    """Sending a plan (or a changed one) issues it; a changed plan replaces the one sent before."""
    from audits.exports import documents

    _issue_steering_document(
        DocType.PLAN,
        documents.PLAN_SOURCE,
        audit.ref,
        actor=actor,
        issued_on=date.today(),
        subject=lambda: documents.plan_heading(audit, None, None).subject,
        recipients=lambda: documents.plan_recipients(audit),
        build=lambda number, on: documents.audit_plan(audit, "vi", number=number, issued_on=on),
        filename=documents.file_name("audit-plan", audit.ref),
    )


def plan_waiting_units(audit: Audit) -> list[AuditUnit]:
    if audit.plan_sent_at is None:
        return []
    return [link for link in audit.unit_links if link.plan_acknowledged_at is None]


def acknowledge_plan(audit: Audit, unit: Unit, *, actor: User | None) -> AuditUnit:
    """A manager of an audited unit acknowledges the plan sent to the unit."""
    act_as(actor)
    link = next((link for link in audit.unit_links if link.unit_id == unit.id), None)
    if link is None:
        raise NotFound(_("%(unit)s is not audited by %(ref)s.", unit=unit.code, ref=audit.ref))
    if actor is not None and not access.can_edit_unit_records(actor, unit):
        raise NotAllowed(_("Only a manager of %(unit)s may acknowledge its audit plan.", unit=unit.code))
    if audit.plan_sent_at is None:
        raise InvalidTransition(_("The plan of %(ref)s has not been sent yet.", ref=audit.ref))
    if audit.status not in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS):
        raise InvalidTransition(_("The audit is over: its plan is no longer acknowledged."))
    if link.plan_acknowledged_at is not None:
        raise InvalidTransition(_("The plan was already acknowledged for %(unit)s.", unit=unit.code))
    link.plan_acknowledged_by_id = actor.id if actor is not None else None
    link.plan_acknowledged_at = utcnow()
    db.session.flush()
    return link
