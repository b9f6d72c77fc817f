"""The steering committee plans: yearly programmes, audits with their scope, team and agenda, and the
audit workflow. Auditors' competence records live here too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from audits.models import (
    NC_KINDS,
    AgendaItem,
    Audit,
    AuditClause,
    AuditKind,
    AuditorCompetence,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    AuditUnit,
    Finding,
    FindingStatus,
    TeamRole,
)
from audits.services.numbering import next_audit_ref
from qms.extensions import db
from qms.models.base import utcnow
from qms.models.clauses import Clause, Edition
from qms.models.org import OrgRole, Unit, User, UserRole
from qms.services import access
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
    _check_edition(edition)
    programme.edition, programme.objectives = edition, objectives.strip()
    programme.scope, programme.notes = scope.strip(), notes.strip()
    db.session.flush()
    return programme


def approve_programme(programme: AuditProgramme, *, actor: User) -> AuditProgramme:
    access.require_plan_audits(actor)
    act_as(actor)
    if programme.approved_at is not None:
        raise InvalidTransition(_("This programme is already approved."))
    programme.approved_by = actor
    programme.approved_at = utcnow()
    db.session.flush()
    return programme


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
    clauses = _clauses_of(audit.edition, clause_ids)
    _check_team_independence(audit.team, units)
    audit.planned_start, audit.planned_end, audit.kind = planned_start, planned_end, kind
    audit.objectives, audit.processes = objectives.strip(), processes.strip()
    audit.process_code = (process_code or "").strip() or None
    _set_scope(audit, units, clauses)
    db.session.flush()
    return audit


# The audit workflow: state → {action: next state}. Nothing else moves an audit.
AUDIT_TRANSITIONS: dict[str, dict[str, str]] = {
    AuditStatus.PLANNED: {"start": AuditStatus.IN_PROGRESS, "cancel": AuditStatus.CANCELLED},
    AuditStatus.IN_PROGRESS: {"report": AuditStatus.REPORTED, "cancel": AuditStatus.CANCELLED},
    AuditStatus.REPORTED: {"close": AuditStatus.CLOSED},
    AuditStatus.CLOSED: {},
    AuditStatus.CANCELLED: {},
}


def allowed_audit_actions(audit: Audit) -> list[str]:
    return list(AUDIT_TRANSITIONS.get(audit.status, {}))


def transition_audit(audit: Audit, action: str, *, actor: User | None, reason: str = "") -> Audit:
    """Steering starts, cancels and closes an audit; the lead auditor (or steering) reports it."""
    act_as(actor)
    moves = AUDIT_TRANSITIONS.get(audit.status, {})
    if action not in moves:
        raise InvalidTransition(
            _(
                "An audit that is %(status)s cannot be moved with '%(action)s'.",
                status=audit.status,
                action=action,
            )
        )
    if actor is not None:
        lead = audit.lead
        if action == "report":
            if not (access.can_plan_audits(actor) or (lead is not None and lead.id == actor.id)):
                raise NotAllowed(_("Only the lead auditor or the steering committee may report an audit."))
        else:
            access.require_plan_audits(actor)
    if action == "cancel" and not reason.strip():
        raise DomainError(_("Give the reason for cancelling the audit."), field="reason")
    if action == "start":
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
    audit.status = moves[action]
    if action == "cancel":
        audit.cancel_reason = reason.strip()
    db.session.flush()
    return audit


# --- team ------------------------------------------------------------------------------------


def auditors() -> list[User]:
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == OrgRole.AUDITOR, User.active)
        .order_by(User.full_name)
    )
    return list(db.session.scalars(stmt))


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
    if role == TeamRole.LEAD:
        for other_member in audit.team:
            if other_member.role == TeamRole.LEAD and other_member.user_id != user.id:
                other_member.role = TeamRole.MEMBER
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


def acknowledge_competence(member: AuditTeamMember, *, actor: User) -> AuditTeamMember:
    """The lead auditor acknowledges that a team member has no valid competence record."""
    act_as(actor)
    lead = member.audit.lead
    if lead is None or lead.id != actor.id:
        raise NotAllowed(_("Only the lead auditor may acknowledge a competence warning."))
    if not member.competence_warning:
        raise InvalidTransition(_("There is no competence warning to acknowledge."))
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


def add_agenda_item(
    audit: Audit, *, actor: User | None, day: date | None, time: str, activity: str, auditee_contact: str = ""
) -> AgendaItem:
    if actor is not None and not (
        access.can_plan_audits(actor) or (audit.lead is not None and audit.lead.id == actor.id)
    ):
        raise NotAllowed(_("Only the steering committee or the lead auditor may change the agenda."))
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
    act_as(actor)
    audit.agenda.remove(item)
    db.session.delete(item)
    db.session.flush()
