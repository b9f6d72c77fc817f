"""Findings: the auditor logs them, the unit answers nonconformities with a corrective-action plan, the
auditor reviews the plan, and an independent auditor verifies effectiveness. A nonconformity closes
only through an effective verification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audits.models import (
    NC_KINDS,
    ActionEvidence,
    ActionItem,
    Audit,
    AuditStatus,
    ChecklistItem,
    CorrectiveAction,
    EffectivenessCheck,
    Finding,
    FindingKind,
    FindingStatus,
    FollowUpProposal,
    ProposalStatus,
    RefSeries,
)
from audits.models.finding import REF_PREFIX, series_of
from audits.services import attachments, deadlines, planning
from audits.services.numbering import next_finding_seq
from qms.extensions import db
from qms.formatting import fmt_date, fmt_datetime
from qms.models.base import utcnow
from qms.models.clauses import Clause, Edition
from qms.models.org import Membership, Unit, User
from qms.numbers import whole_number
from qms.services import access
from qms.services.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from qms.services.history import act_as

UNIT, TEAM, VERIFIER = "unit", "team", "verifier"

# The nonconformity workflow: state → {action: (next state, who moves it)}. Nothing else moves a
# finding; in particular nothing but an effective verification closes one.
FINDING_TRANSITIONS: dict[str, dict[str, tuple[str, str]]] = {
    FindingStatus.OPEN: {"submit_plan": (FindingStatus.PLAN_SUBMITTED, UNIT)},
    FindingStatus.PLAN_RETURNED: {"submit_plan": (FindingStatus.PLAN_SUBMITTED, UNIT)},
    FindingStatus.REOPENED: {"submit_plan": (FindingStatus.PLAN_SUBMITTED, UNIT)},
    FindingStatus.PLAN_SUBMITTED: {
        "accept_plan": (FindingStatus.PLAN_ACCEPTED, TEAM),
        "return_plan": (FindingStatus.PLAN_RETURNED, TEAM),
    },
    FindingStatus.PLAN_ACCEPTED: {"mark_done": (FindingStatus.ACTIONS_DONE, UNIT)},
    FindingStatus.ACTIONS_DONE: {
        "verify_effective": (FindingStatus.CLOSED, VERIFIER),
        "verify_not_effective": (FindingStatus.REOPENED, VERIFIER),
    },
    FindingStatus.CLOSED: {},
    FindingStatus.NOTED: {},
    FindingStatus.WITHDRAWN: {},  # see withdraw_finding: any finding not yet closed can be withdrawn
}
PLAN_EDITABLE = (FindingStatus.OPEN, FindingStatus.PLAN_RETURNED, FindingStatus.REOPENED)


class StaleRecord(DomainError):
    """Someone else saved the record since the form was loaded."""


def may_move(finding: Finding, action: str, user: User | None) -> bool:
    move = FINDING_TRANSITIONS.get(finding.status, {}).get(action)
    if move is None:
        return False
    who = move[1]
    if who == UNIT:
        return access.can_answer_finding(user, finding.unit)
    if who == TEAM:
        return access.can_log_findings(user, finding.audit.team_user_ids)
    return access.can_verify_finding(user, finding.unit)


def allowed_finding_actions(finding: Finding, user: User | None) -> list[str]:
    return [a for a in FINDING_TRANSITIONS.get(finding.status, {}) if may_move(finding, a, user)]


def _move(finding: Finding, action: str, actor: User | None) -> None:
    move = FINDING_TRANSITIONS.get(finding.status, {}).get(action)
    if move is None:
        raise InvalidTransition(
            _(
                "A finding that is %(status)s cannot be moved with '%(action)s'.",
                status=finding.status,
                action=action,
            )
        )
    if actor is not None and not may_move(finding, action, actor):
        raise NotAllowed(_("You may not do this with finding %(ref)s.", ref=finding.label))
    finding.status = move[0]


# --- optimistic locking ----------------------------------------------------------------------


def _stale(record: Any) -> StaleRecord:
    who = record.updated_by.full_name if record.updated_by else _("someone else")
    return StaleRecord(
        _(
            "Changed by %(who)s at %(when)s — reload the page to see their changes.",
            who=who,
            when=fmt_datetime(record.updated_at),
        )
    )


def check_version(record: Any, version: int | None) -> None:
    """Refuse a save made from a form loaded before someone else's save."""
    if version is not None and int(version) != record.version:
        raise _stale(record)


def _flush(record: Any, actor: User | None) -> None:
    record.updated_by_id = actor.id if actor is not None else None
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        fresh = db.session.get(type(record), record.id)
        raise _stale(fresh) if fresh is not None else StaleRecord(_("The record was deleted.")) from exc
    except IntegrityError as exc:  # two first saves of the same record at the same moment
        db.session.rollback()
        raise StaleRecord(_("Someone else saved this at the same moment — reload the page.")) from exc


# --- findings --------------------------------------------------------------------------------


def get_finding(ref_or_id: str | int) -> Finding:
    """A finding by id, by NC reference (NC-2018-007) or by the label of an observation or opportunity
    for improvement in either language (OBS-2018-003, LY-2018-003, OFI-2018-002, CT-2018-002)."""
    if isinstance(ref_or_id, int):
        finding = db.session.get(Finding, ref_or_id)
    else:
        text = ref_or_id.strip().upper()
        finding = db.session.scalar(select(Finding).where(Finding.ref == text))
        if finding is None:
            finding = _by_label(text)
    if finding is None:
        raise NotFound(_("No finding %(ref)s.", ref=ref_or_id))
    return finding


def _by_label(text: str) -> Finding | None:
    prefix, _sep, rest = text.partition("-")
    year, _sep, seq = rest.partition("-")
    series = {p: s for prefixes in REF_PREFIX.values() for s, p in prefixes.items()}.get(prefix)
    year_number, seq_number = whole_number(year), whole_number(seq)
    if series is None or year_number is None or seq_number is None:
        return None
    return db.session.scalar(
        select(Finding).where(
            Finding.ref_series == series, Finding.ref_year == year_number, Finding.ref_seq == seq_number
        )
    )


def _clause(edition: str, number: str) -> Clause:
    if edition not in set(Edition):
        raise DomainError(_("Unknown edition: %(edition)s.", edition=edition), field="edition")
    number = (number or "").strip()
    if not number:
        raise DomainError(_("A clause is required."), field="clause")
    clause = db.session.scalar(select(Clause).where(Clause.edition == edition, Clause.number == number))
    if clause is None:
        raise DomainError(
            _("ISO 9001:%(edition)s has no clause %(number)s.", edition=edition, number=number),
            field="clause",
        )
    return clause


def _check_finding_fields(audit: Audit, kind: str, unit: Unit | None, statement: str) -> None:
    if kind not in set(FindingKind):
        raise DomainError(_("Unknown kind of finding: %(kind)s.", kind=kind), field="kind")
    if unit is None or unit.id not in audit.unit_ids:
        raise DomainError(_("The unit must be one of the audited units."), field="unit_id")
    if not statement.strip():
        raise DomainError(_("The statement of the finding is required."), field="statement")


def default_raised_on(audit: Audit, today: date | None = None) -> date:
    """Today, brought within the audit's dates."""
    return min(max(today or date.today(), audit.planned_start), audit.planned_end)


def check_raised_on(audit: Audit, raised_on: date | None, today: date | None = None) -> date:
    """A finding is raised during its audit (planned start to planned end) and never after today."""
    if raised_on is None:
        raise DomainError(_("The date the finding was raised is required."), field="raised_on")
    if raised_on > (today or date.today()):
        raise DomainError(_("A finding cannot be dated in the future."), field="raised_on")
    if not audit.planned_start <= raised_on <= audit.planned_end:
        raise DomainError(
            _(
                "A finding is dated within its audit: from %(start)s to %(end)s.",
                start=fmt_date(audit.planned_start),
                end=fmt_date(audit.planned_end),
            ),
            field="raised_on",
        )
    return raised_on


def _number(finding: Finding, year: int) -> None:
    """Give the finding the next number of its kind's series; a number once given is never reused."""
    series = series_of(finding.kind)
    with db.session.no_autoflush:  # the finding is written once it has its new number
        seq = next_finding_seq(series, year)
    finding.ref_series, finding.ref_year, finding.ref_seq = series, year, seq
    finding.ref = f"NC-{year}-{seq:03d}" if series == RefSeries.NC else None


def create_finding(
    audit: Audit,
    *,
    actor: User | None,
    kind: str,
    edition: str,
    clause: str,
    unit: Unit | None,
    statement: str,
    evidence: str = "",
    requirement: str = "",
    process_code: str | None = None,
    raised_on: date | None = None,
    checklist_item: ChecklistItem | None = None,
) -> Finding:
    if actor is not None:
        access.require_log_findings(actor, audit.team_user_ids)
        if audit.status not in (AuditStatus.IN_PROGRESS, AuditStatus.REPORTED):
            raise InvalidTransition(_("Findings are logged while the audit is in progress."))
    act_as(actor)
    _check_finding_fields(audit, kind, unit, statement)
    if checklist_item is not None and checklist_item.audit_id != audit.id:
        raise DomainError(_("The checklist question belongs to another audit."))
    clause_row = _clause(edition, clause)
    raised_on = check_raised_on(audit, raised_on or default_raised_on(audit))
    finding = Finding(
        audit=audit,
        kind=kind,
        clause=clause_row,
        unit=unit,
        statement=statement.strip(),
        evidence=evidence.strip(),
        requirement=requirement.strip(),
        process_code=(process_code or "").strip() or None,
        raised_on=raised_on,
        raised_by_id=actor.id if actor is not None else None,
        round=1,
    )
    _number(finding, raised_on.year)
    finding.status = FindingStatus.OPEN if kind in NC_KINDS else FindingStatus.NOTED
    if kind in NC_KINDS:
        finding.plan_due_on = deadlines.plan_due(raised_on)
    db.session.add(finding)
    if checklist_item is not None:
        finding.checklist_item = checklist_item  # once in the session: the item lists it
    _flush(finding, actor)
    return finding


def is_editable(finding: Finding) -> bool:
    """A finding can be corrected while the unit has not answered it: a nonconformity still open with
    no plan or action recorded; an observation or opportunity while its audit is not closed."""
    if finding.status in (FindingStatus.CLOSED, FindingStatus.WITHDRAWN):
        return False
    if finding.is_nonconformity:
        answered = finding.corrective_action is not None or bool(finding.actions)
        return finding.status == FindingStatus.OPEN and not answered
    return finding.audit.status != AuditStatus.CLOSED


def can_edit(finding: Finding, user: User | None) -> bool:
    return is_editable(finding) and access.can_log_findings(user, finding.audit.team_user_ids)


def can_withdraw(finding: Finding, user: User | None) -> bool:
    return _withdrawable(finding) and (
        access.can_log_findings(user, finding.audit.team_user_ids) or access.can_plan_audits(user)
    )


def _withdrawable(finding: Finding) -> bool:
    return finding.status not in (FindingStatus.CLOSED, FindingStatus.WITHDRAWN) and (
        finding.audit.status != AuditStatus.CLOSED
    )


def update_finding(
    finding: Finding,
    *,
    actor: User | None,
    version: int | None,
    kind: str,
    edition: str,
    clause: str,
    unit: Unit | None,
    statement: str,
    evidence: str = "",
    requirement: str = "",
    process_code: str | None = None,
    raised_on: date | None = None,
) -> Finding:
    """Correct a finding the unit has not answered yet (see `is_editable`). `raised_on` None keeps the
    date. An observation turned into an opportunity for improvement (or back) takes the next number
    of its new series; its old number is not reused."""
    if actor is not None:
        access.require_log_findings(actor, finding.audit.team_user_ids)
    act_as(actor)
    check_version(finding, version)
    if finding.status == FindingStatus.CLOSED:
        raise InvalidTransition(_("A closed finding cannot be changed."))
    if finding.status == FindingStatus.WITHDRAWN:
        raise InvalidTransition(_("A withdrawn finding cannot be changed."))
    if not is_editable(finding):
        if finding.is_nonconformity:
            raise InvalidTransition(
                _("The unit has started answering this nonconformity: it can no longer be changed.")
            )
        raise InvalidTransition(_("The audit is closed: its findings can no longer be changed."))
    _check_finding_fields(finding.audit, kind, unit, statement)
    if (kind in NC_KINDS) != finding.is_nonconformity:
        raise DomainError(
            _("A nonconformity stays a nonconformity; log a new finding instead."), field="kind"
        )
    if raised_on is not None:
        finding.raised_on = check_raised_on(finding.audit, raised_on)
    renumber = series_of(kind) != finding.ref_series
    finding.kind, finding.clause, finding.unit = kind, _clause(edition, clause), unit
    if renumber:
        _number(finding, finding.raised_on.year)
    finding.statement, finding.evidence = statement.strip(), evidence.strip()
    finding.requirement = requirement.strip()
    finding.process_code = (process_code or "").strip() or None
    _flush(finding, actor)
    return finding


def withdraw_finding(finding: Finding, *, actor: User | None, reason: str) -> Finding:
    """A finding logged by mistake is withdrawn, not deleted: it keeps its reference (never reused),
    is shown struck through with the reason, and is left out of every count. The audit team or the
    steering committee withdraws it, until it is closed or its audit is."""
    if actor is not None and not (
        access.can_log_findings(actor, finding.audit.team_user_ids) or access.can_plan_audits(actor)
    ):
        raise NotAllowed(_("Only the audit team or the ISO steering committee may withdraw a finding."))
    act_as(actor)
    if finding.status == FindingStatus.WITHDRAWN:
        raise InvalidTransition(_("Finding %(ref)s is already withdrawn.", ref=finding.label))
    if finding.status == FindingStatus.CLOSED:
        raise InvalidTransition(_("A closed finding cannot be withdrawn."))
    if finding.audit.status == AuditStatus.CLOSED:
        raise InvalidTransition(_("The audit is closed: its findings can no longer be withdrawn."))
    if not reason.strip():
        raise DomainError(_("Say why the finding is withdrawn."), field="reason")
    finding.status = FindingStatus.WITHDRAWN
    finding.withdrawn_reason = reason.strip()
    finding.withdrawn_by_id = actor.id if actor is not None else None
    finding.withdrawn_at = utcnow()
    proposal = db.session.scalar(select(FollowUpProposal).where(FollowUpProposal.finding_id == finding.id))
    if proposal is not None and proposal.status == ProposalStatus.PROPOSED:
        proposal.status = ProposalStatus.DISMISSED
        proposal.reason = _("The finding was withdrawn: %(reason)s", reason=finding.withdrawn_reason)
    _flush(finding, actor)
    return finding


# --- the unit's plan -------------------------------------------------------------------------


@dataclass
class ActionRow:
    """One row of the plan form: an existing action (`id`) or a new one; `remove` deletes it."""

    id: int | None = None
    what: str = ""
    owner: User | None = None
    owner_name: str = ""
    due_on: date | None = None
    remove: bool = False

    @property
    def blank(self) -> bool:
        typed = self.what.strip() or self.owner_name.strip() or self.owner or self.due_on
        return self.id is None and not typed


def _require_unit_answer(finding: Finding, actor: User | None) -> None:
    if actor is not None:
        access.require_answer_finding(actor, finding.unit)
    if not finding.is_nonconformity:
        raise InvalidTransition(_("Only a nonconformity needs corrective action."))


def _plan_of(finding: Finding) -> CorrectiveAction:
    if finding.corrective_action is None:
        finding.corrective_action = CorrectiveAction(whys=[])
    return finding.corrective_action


def action_owners(unit: Unit) -> list[User]:
    """Who can own a corrective action: the active members and managers of the unit."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.unit_id == unit.id, User.active)
            .order_by(User.full_name, User.id)
        ).unique()
    )


def _check_action(
    finding: Finding, *, what: str, owner: User | None, owner_name: str, due_on: date | None, prefix: str = ""
) -> None:
    if not what.strip():
        raise DomainError(_("Describe the action."), field=f"{prefix}what")
    if owner is not None and owner.id not in {u.id for u in action_owners(finding.unit)}:
        raise DomainError(
            _("The owner must be a member of %(unit)s.", unit=finding.unit.code), field=f"{prefix}owner_id"
        )
    if owner is None and not owner_name.strip():
        raise DomainError(
            _("Choose who carries the action out, or name someone without an account."),
            field=f"{prefix}owner_id",
        )
    if due_on is None:
        raise DomainError(_("A due date is required."), field=f"{prefix}due_on")
    if due_on < finding.raised_on:
        raise DomainError(
            _(
                "The due date cannot be before the finding was raised (%(date)s).",
                date=finding.raised_on.isoformat(),
            ),
            field=f"{prefix}due_on",
        )


def save_plan(
    finding: Finding,
    *,
    actor: User | None,
    version: int | None,
    correction: str,
    root_cause: str,
    whys: list[str] | None = None,
    actions: list[ActionRow] | None = None,
) -> CorrectiveAction:
    """Save the unit's answer at once: correction, root cause with its whys and, when `actions` is
    given, the actions of the current plan (rows with an id are updated or removed, new rows added).
    Every row is checked before anything changes; an error names the row's field
    (`actions-<n>-<field>`)."""
    _require_unit_answer(finding, actor)
    act_as(actor)
    if finding.status not in PLAN_EDITABLE:
        raise InvalidTransition(
            _("The plan can be changed only before it is submitted or after it is returned.")
        )
    plan = _plan_of(finding)
    if plan.id is not None:
        check_version(plan, version)
    current = {a.id: a for a in current_actions(finding)}
    rows = [(n, row) for n, row in enumerate(actions or []) if not row.blank]
    for n, row in rows:
        if row.id is not None and row.id not in current:
            raise DomainError(_("This action can no longer be changed."), field=f"actions-{n}-what")
        if not row.remove:
            _check_action(
                finding,
                what=row.what,
                owner=row.owner,
                owner_name=row.owner_name,
                due_on=row.due_on,
                prefix=f"actions-{n}-",
            )
    plan.correction, plan.root_cause = correction.strip(), root_cause.strip()
    plan.whys = [w.strip() for w in (whys or []) if w.strip()]
    for _n, row in rows:
        if row.remove:
            if row.id is not None:
                finding.actions.remove(current[row.id])
                db.session.delete(current[row.id])
            continue
        item = current[row.id] if row.id is not None else ActionItem(round=finding.round)
        item.what = row.what.strip()
        item.owner = row.owner
        item.owner_name = row.owner_name.strip() or (row.owner.full_name if row.owner else "")
        item.due_on = row.due_on  # type: ignore[assignment]  # checked above
        if row.id is None:
            finding.actions.append(item)
    _flush(plan, actor)
    return plan


def add_action(
    finding: Finding,
    *,
    actor: User | None,
    what: str,
    owner_name: str,
    due_on: date | None,
    owner: User | None = None,
    done_on: date | None = None,
) -> ActionItem:
    _require_unit_answer(finding, actor)
    act_as(actor)
    if actor is not None and finding.status not in PLAN_EDITABLE:
        raise InvalidTransition(
            _("Actions can be added only before the plan is submitted or after it is returned.")
        )
    _check_action(finding, what=what, owner=owner, owner_name=owner_name, due_on=due_on)
    item = ActionItem(
        what=what.strip(),
        owner_name=owner_name.strip() or (owner.full_name if owner else ""),
        owner=owner,
        due_on=due_on,
        done_on=done_on,
        round=finding.round,
    )
    finding.actions.append(item)
    db.session.flush()
    return item


def delete_action(item: ActionItem, *, actor: User | None) -> None:
    finding = item.finding
    _require_unit_answer(finding, actor)
    act_as(actor)
    if finding.status not in PLAN_EDITABLE or item.round != finding.round:
        raise InvalidTransition(_("This action can no longer be removed."))
    finding.actions.remove(item)
    db.session.delete(item)
    db.session.flush()


def current_actions(finding: Finding) -> list[ActionItem]:
    return [a for a in finding.actions if a.round == finding.round]


def submit_plan(finding: Finding, *, actor: User | None, today: date | None = None) -> Finding:
    """The unit submits its plan; the auditor's review is due QMS_PLAN_REVIEW_DAYS later."""
    _require_unit_answer(finding, actor)
    act_as(actor)
    plan = finding.corrective_action
    if plan is None or not plan.root_cause:
        raise DomainError(_("Record the root cause before submitting the plan."), field="root_cause")
    if not current_actions(finding):
        if finding.round > 1:
            raise DomainError(_("The last actions were not effective: add a new action."), field="what")
        raise DomainError(_("Add at least one corrective action."), field="what")
    _move(finding, "submit_plan", actor)
    finding.review_due_on = deadlines.review_due(today or date.today())
    _flush(finding, actor)
    return finding


def review_plan(
    finding: Finding, *, actor: User | None, accept: bool, comment: str = "", today: date | None = None
) -> Finding:
    """Accept the plan (its actions are then due on their own dates) or return it: the unit's new plan
    is due QMS_NC_PLAN_DAYS later."""
    act_as(actor)
    if not accept and not comment.strip():
        raise DomainError(_("Say why the plan is returned."), field="comment")
    _move(finding, "accept_plan" if accept else "return_plan", actor)
    if not accept:
        finding.plan_due_on = deadlines.plan_due(today or date.today())
    plan = _plan_of(finding)
    plan.review_comment = comment.strip()
    plan.reviewed_by_id = actor.id if actor is not None else None
    plan.reviewed_at = utcnow()
    if accept and finding.kind == FindingKind.MAJOR:
        due = max(a.due_on for a in current_actions(finding))
        proposal = db.session.scalar(
            select(FollowUpProposal).where(FollowUpProposal.finding_id == finding.id)
        )
        if proposal is None:
            db.session.add(FollowUpProposal(finding=finding, unit_id=finding.unit_id, due_on=due))
        elif proposal.status == ProposalStatus.PROPOSED:
            proposal.due_on = due
    _flush(finding, actor)
    return finding


def mark_action_done(
    item: ActionItem,
    *,
    actor: User | None,
    done_on: date | None,
    note: str = "",
    files: Sequence[tuple[str, bytes]] = (),
    root: Path | None = None,
    max_bytes: int | None = None,
) -> ActionItem:
    """The unit records an action as done, saying what was done (required) with optional evidence files
    (checked and stored like the finding's attachments). When every action of the plan is done, the
    finding waits for verification, due QMS_VERIFY_DAYS after the last action was done."""
    finding = item.finding
    _require_unit_answer(finding, actor)
    act_as(actor)
    if finding.status != FindingStatus.PLAN_ACCEPTED or item.round != finding.round:
        raise InvalidTransition(_("Actions are marked done once the auditor has accepted the plan."))
    if done_on is None:
        raise DomainError(_("A completion date is required."), field="done_on")
    if done_on < finding.raised_on:
        raise DomainError(_("The completion date cannot be before the finding was raised."), field="done_on")
    if done_on > date.today():
        raise DomainError(_("The completion date cannot be in the future."), field="done_on")
    if not note.strip():
        raise DomainError(_("Say what was done."), field="note")
    uploads = [(name, data) for name, data in files if name or data]
    if uploads and root is None:
        raise DomainError(_("Evidence files cannot be stored here."), field="files")
    for name, data in uploads:  # every file is checked before any is stored
        attachments.check_file(name, data, max_bytes=max_bytes)
    for name, data in uploads:
        assert root is not None
        stored = attachments.store_file(name, data, root=root, max_bytes=max_bytes)
        item.evidence_files.append(
            ActionEvidence(
                filename=stored.filename,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                uploaded_by_id=actor.id if actor is not None else None,
            )
        )
    item.done_on = done_on
    item.done_note = note.strip()
    actions = current_actions(finding)
    if all(a.done_on is not None for a in actions):
        _move(finding, "mark_done", actor)
        finding.verify_due_on = deadlines.verify_due(max(a.done_on for a in actions if a.done_on))
    _flush(finding, actor)
    return item


def verify(
    finding: Finding,
    *,
    actor: User | None,
    checked_on: date | None,
    evidence: str,
    effective: bool,
) -> EffectivenessCheck:
    """Effective closes the finding; not effective reopens it for a new action, whose plan is due
    QMS_NC_PLAN_DAYS after the verification."""
    act_as(actor)
    if checked_on is None:
        raise DomainError(_("The date of the verification is required."), field="checked_on")
    if not evidence.strip():
        raise DomainError(_("Record the evidence seen."), field="evidence")
    last_done = max((a.done_on for a in current_actions(finding) if a.done_on), default=finding.raised_on)
    if checked_on < last_done:
        raise DomainError(
            _("The verification cannot be dated before the actions were done."), field="checked_on"
        )
    _move(finding, "verify_effective" if effective else "verify_not_effective", actor)
    check = EffectivenessCheck(
        round=finding.round,
        checked_on=checked_on,
        evidence=evidence.strip(),
        effective=effective,
        verifier_id=actor.id if actor is not None else None,
    )
    finding.checks.append(check)
    if effective:
        finding.closed_on = checked_on
    else:
        finding.round += 1
        finding.plan_due_on = deadlines.plan_due(checked_on)
    _flush(finding, actor)
    return check


# --- follow-up audits ------------------------------------------------------------------------


def decide_follow_up(
    proposal: FollowUpProposal,
    *,
    actor: User | None,
    accept: bool,
    planned_start: date | None = None,
    planned_end: date | None = None,
    reason: str = "",
) -> FollowUpProposal:
    if actor is not None:
        access.require_plan_audits(actor)
    act_as(actor)
    if proposal.status != ProposalStatus.PROPOSED:
        raise InvalidTransition(_("This proposal has already been decided."))
    if accept:
        start = planned_start or proposal.due_on
        programme = planning.programme_for_year(start.year)
        if programme is None:
            raise DomainError(
                _("There is no audit programme for %(year)s.", year=start.year), field="planned_start"
            )
        finding = proposal.finding
        clause_ids = [finding.clause_id] if finding.clause.edition == finding.audit.edition else []
        audit = planning.create_audit(
            actor=actor,
            programme=programme,
            planned_start=start,
            planned_end=planned_end or start,
            units=[proposal.unit],
            clause_ids=clause_ids,
            kind="follow_up",
            edition=finding.audit.edition,
            objectives=_("Follow-up of %(ref)s", ref=finding.label),
        )
        proposal.audit_id = audit.id
        proposal.status = ProposalStatus.ACCEPTED
    else:
        proposal.status = ProposalStatus.DISMISSED
    proposal.reason = reason.strip()
    proposal.decided_by_id = actor.id if actor is not None else None
    proposal.decided_at = utcnow()
    db.session.flush()
    return proposal
