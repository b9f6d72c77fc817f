"""Who may do what: the one place every view and command asks.

- admin administers users, units and reference data;
- steering, auditor and leader read every unit's records;
- a unit's manager reads and edits that unit's records; a member reads them;
- the published records of the top-level unit (the city People's Committee: its approved procedures
  and its controlled documents in force) apply to every unit, so every signed-in user reads them;
- nobody else sees a unit's records.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_

from qms.models.org import MemberRole, OrgRole, Unit, UnitKind, User
from qms.services.errors import NotAllowed

READ_ALL_ROLES = (OrgRole.ADMIN, OrgRole.STEERING, OrgRole.AUDITOR, OrgRole.LEADER)


def is_admin(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(OrgRole.ADMIN)


def reads_everything(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(*READ_ALL_ROLES)


def can_administer(user: User | None) -> bool:
    return is_admin(user)


def can_read_unit(user: User | None, unit: Unit) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return reads_everything(user) or user.membership_in(unit.id) is not None


def is_top_level(unit: Unit) -> bool:
    """The city People's Committee: the unit at the top of the tree, whose rules apply to all."""
    return unit.parent_id is None and unit.kind == UnitKind.CITY


def top_level_condition() -> ColumnElement[bool]:
    """`is_top_level` as a query condition on Unit."""
    return and_(Unit.parent_id.is_(None), Unit.kind == UnitKind.CITY.value)


def can_read_unit_record(user: User | None, unit: Unit, *, published: bool) -> bool:
    """The one rule for reading a unit's procedure or controlled document: the unit's people and
    org-wide readers read everything of the unit; everybody signed in reads what the top-level unit
    has published (an approved procedure, a document in force). Drafts stay with their unit."""
    if can_read_unit(user, unit):
        return True
    return _signed_in(user) and published and is_top_level(unit)


def require_read_unit_record(user: User | None, unit: Unit, *, published: bool) -> None:
    if not can_read_unit_record(user, unit, published=published):
        raise NotAllowed(_l("You may not see the records of this unit."))


def can_edit_unit_records(user: User | None, unit: Unit) -> bool:
    """A unit's managers keep its records; a unit that has ended (a reorganisation) is read-only."""
    if user is None or not user.is_authenticated or unit.is_historical():
        return False
    membership = user.membership_in(unit.id)
    return membership is not None and membership.role == MemberRole.MANAGER


def managed_unit_ids(user: User) -> set[int]:
    return {m.unit_id for m in user.memberships if m.role == MemberRole.MANAGER}


def require_admin(user: User | None) -> None:
    if not can_administer(user):
        raise NotAllowed(_l("Only an administrator may do this."))


def require_read_unit(user: User | None, unit: Unit) -> None:
    if not can_read_unit(user, unit):
        raise NotAllowed(_l("You may not see the records of this unit."))


def require_edit_unit_records(user: User | None, unit: Unit) -> None:
    if unit.is_historical():
        raise NotAllowed(_l("This unit has ended: its records are kept as they were, read-only."))
    if not can_edit_unit_records(user, unit):
        raise NotAllowed(_l("Only a manager of this unit may change its records."))


def can_link_to_unit_record(user: User | None, unit_id: int, *, published: bool) -> bool:
    """Whom a unit's procedure may point to (its output becoming another's input): any procedure of
    one's own units, and the published (approved) ones of other units; another unit's drafts stay
    unseen."""
    if not _signed_in(user):
        return False
    return published or user.membership_in(unit_id) is not None


# --- quality objectives ----------------------------------------------------------------------


def can_record_measurements(user: User | None, unit: Unit) -> bool:
    """A unit's staff record the measured values of its objectives; its manager keeps the objectives."""
    if user is None or not user.is_authenticated or unit.is_historical():
        return False
    return user.membership_in(unit.id) is not None


def require_record_measurements(user: User | None, unit: Unit) -> None:
    if unit.is_historical():
        raise NotAllowed(_l("This unit has ended: its records are kept as they were, read-only."))
    if not can_record_measurements(user, unit):
        raise NotAllowed(_l("Only the people of this unit may record its measurements."))


# --- internal audits -------------------------------------------------------------------------
# Audit records are passed in as plain facts (unit ids, team user ids) so that this module knows
# nothing of the audits package.


def _signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def can_plan_audits(user: User | None) -> bool:
    """The steering committee plans programmes and audits and decides on follow-up audits."""
    return _signed_in(user) and user.has_role(OrgRole.STEERING)


def can_read_audit(user: User | None, unit_ids: set[int]) -> bool:
    """Org-wide readers see every audit; a unit's people see the audits of their unit."""
    if not _signed_in(user):
        return False
    return reads_everything(user) or any(user.membership_in(uid) is not None for uid in unit_ids)


def finding_unit_scope(user: User | None) -> set[int] | None:
    """Whose findings a reader sees in any list (an audit page, its report, counts): every unit's
    (None) for org-wide readers, else only those of the reader's own units, even in an audit of
    several units."""
    if reads_everything(user):
        return None
    if not _signed_in(user):
        return set()
    return {m.unit_id for m in user.memberships}


def can_read_finding(user: User | None, unit_id: int) -> bool:
    scope = finding_unit_scope(user)
    return scope is None or unit_id in scope


def is_audit_team_auditor(user: User | None, team_user_ids: set[int]) -> bool:
    return _signed_in(user) and user.has_role(OrgRole.AUDITOR) and user.id in team_user_ids


def can_log_findings(user: User | None, team_user_ids: set[int]) -> bool:
    """Auditors on the audit's team fill the checklist, log findings and review the unit's plans."""
    return is_audit_team_auditor(user, team_user_ids)


def can_answer_finding(user: User | None, unit: Unit) -> bool:
    """Only the audited unit's manager records correction, cause and actions."""
    return can_edit_unit_records(user, unit)


def can_verify_finding(user: User | None, unit: Unit) -> bool:
    """An auditor who does not belong to the unit verifies effectiveness (never the unit's own manager)."""
    return _signed_in(user) and user.has_role(OrgRole.AUDITOR) and user.membership_in(unit.id) is None


def require_plan_audits(user: User | None) -> None:
    if not can_plan_audits(user):
        raise NotAllowed(_l("Only the ISO steering committee may plan audits."))


def require_read_audit(user: User | None, unit_ids: set[int]) -> None:
    if not can_read_audit(user, unit_ids):
        raise NotAllowed(_l("You may not see this audit."))


def require_log_findings(user: User | None, team_user_ids: set[int]) -> None:
    if not can_log_findings(user, team_user_ids):
        raise NotAllowed(_l("Only an auditor on this audit's team may do this."))


def require_answer_finding(user: User | None, unit: Unit) -> None:
    if not can_answer_finding(user, unit):
        raise NotAllowed(_l("Only the manager of the audited unit may answer this finding."))


def require_verify_finding(user: User | None, unit: Unit) -> None:
    if not can_verify_finding(user, unit):
        raise NotAllowed(_l("Only an auditor from outside the unit may verify its corrective actions."))


# --- legal basis -----------------------------------------------------------------------------


def can_manage_legal_texts(user: User | None) -> bool:
    """The register of legal texts is shared by every unit: the administrator and the ISO steering
    committee keep it; every signed-in user reads it."""
    return user is not None and user.is_authenticated and user.has_role(OrgRole.ADMIN, OrgRole.STEERING)


def require_manage_legal_texts(user: User | None) -> None:
    if not can_manage_legal_texts(user):
        raise NotAllowed(_l("Only the administrator or the ISO steering committee may change legal texts."))


# --- reorganisations ----------------------------------------------------------------------------
# Units merge, split, are renamed, move, end or are created by a legal act: the administrator and the
# ISO steering committee prepare, preview, apply and undo a reorganisation.


def can_reorganise(user: User | None) -> bool:
    return _signed_in(user) and user.has_role(OrgRole.ADMIN, OrgRole.STEERING)


def require_reorganise(user: User | None) -> None:
    if not can_reorganise(user):
        raise NotAllowed(_l("Only the administrator or the ISO steering committee may reorganise units."))


# --- transition to ISO 9001:2015 ---------------------------------------------------------------
# The steering committee opens and edits the transition (title, target, scope, who is responsible,
# each unit's owner, the plan's steps); a unit's manager works on the unit's gap items; org-wide
# readers and the unit's people read them.


def can_manage_transition(user: User | None) -> bool:
    return _signed_in(user) and user.has_role(OrgRole.STEERING)


def require_manage_transition(user: User | None) -> None:
    if not can_manage_transition(user):
        raise NotAllowed(_l("Only the ISO steering committee may change the transition."))


def can_follow_transition(user: User | None) -> bool:
    """The organisation's progress across every unit."""
    return reads_everything(user)


def can_read_transition_unit(user: User | None, unit: Unit) -> bool:
    return can_read_unit(user, unit)


def require_read_transition_unit(user: User | None, unit: Unit) -> None:
    if not can_read_transition_unit(user, unit):
        raise NotAllowed(_l("You may not see the transition of this unit."))


def can_work_on_transition_unit(user: User | None, unit: Unit) -> bool:
    return can_edit_unit_records(user, unit)


def require_work_on_transition_unit(user: User | None, unit: Unit) -> None:
    if not can_work_on_transition_unit(user, unit):
        raise NotAllowed(_l("Only a manager of this unit may work on its transition items."))


# --- remapping stored 2008 clause references ---------------------------------------------------
# Who decides: a unit's manager for the unit's own records (procedures, documents, findings);
# the steering committee for every record, and alone for an audit's scope and checklist items.


def can_read_remapping_overview(user: User | None) -> bool:
    """The organisation's screen: steering, leaders and the other org-wide readers."""
    return reads_everything(user)


def require_read_remapping_overview(user: User | None) -> None:
    if not can_read_remapping_overview(user):
        raise NotAllowed(_l("Only org-wide readers see every unit's references."))


def can_remap(user: User | None, unit_ids: set[int], *, steering_only: bool) -> bool:
    if not _signed_in(user):
        return False
    if user.has_role(OrgRole.STEERING):
        return True
    if steering_only:
        return False
    return bool(unit_ids & managed_unit_ids(user))


def require_remap(user: User | None, unit_ids: set[int], *, steering_only: bool) -> None:
    if not can_remap(user, unit_ids, steering_only=steering_only):
        if steering_only:
            raise NotAllowed(_l("Only the ISO steering committee may remap an audit's scope or checklist."))
        raise NotAllowed(
            _l("Only the unit's manager or the ISO steering committee may remap its references.")
        )


# --- leadership -------------------------------------------------------------------------------
# The leadership dashboard and the yearly report's section on the quality system: the leaders, the
# steering committee and the administrator; auditors and units' people do not see them.


def can_see_leadership(user: User | None) -> bool:
    return _signed_in(user) and user.has_role(OrgRole.LEADER, OrgRole.STEERING, OrgRole.ADMIN)


def require_see_leadership(user: User | None) -> None:
    if not can_see_leadership(user):
        raise NotAllowed(
            _l("Only the leadership, the ISO steering committee and the administrator see this.")
        )


# --- management review -------------------------------------------------------------------------
# A review is of the organisation (unit_id None) or of one unit, passed in as a plain id.
# Steering, leader and admin create and hold the organisation's reviews; a unit's manager creates and
# holds the unit's own; org-wide readers read every review, a unit's people read their unit's; only
# steering or admin reopen a held review. A decision is marked done by its owner or the managers of
# its owner unit (and by those who run the review).

REVIEW_ORG_ROLES = (OrgRole.STEERING, OrgRole.LEADER, OrgRole.ADMIN)


def can_read_review(user: User | None, unit_id: int | None) -> bool:
    if not _signed_in(user):
        return False
    if reads_everything(user):
        return True
    return unit_id is not None and user.membership_in(unit_id) is not None


def require_read_review(user: User | None, unit_id: int | None) -> None:
    if not can_read_review(user, unit_id):
        raise NotAllowed(_l("You may not see this management review."))


def can_run_review(user: User | None, unit_id: int | None) -> bool:
    """Create, edit and hold a review of this scope."""
    if not _signed_in(user):
        return False
    if unit_id is None:
        return user.has_role(*REVIEW_ORG_ROLES)
    return unit_id in managed_unit_ids(user)


def require_run_review(user: User | None, unit_id: int | None) -> None:
    if not can_run_review(user, unit_id):
        if unit_id is None:
            raise NotAllowed(
                _l("Only the ISO steering committee, the leadership or the administrator may do this.")
            )
        raise NotAllowed(_l("Only a manager of this unit may do this."))


def can_reopen_review(user: User | None) -> bool:
    return _signed_in(user) and user.has_role(OrgRole.STEERING, OrgRole.ADMIN)


def require_reopen_review(user: User | None) -> None:
    if not can_reopen_review(user):
        raise NotAllowed(_l("Only the ISO steering committee or the administrator may reopen a held review."))


def can_complete_decision(user: User | None, owner_unit_id: int, owner_id: int | None) -> bool:
    if not _signed_in(user):
        return False
    return user.id == owner_id or owner_unit_id in managed_unit_ids(user)


def require_complete_decision(user: User | None, owner_unit_id: int, owner_id: int | None) -> None:
    if not can_complete_decision(user, owner_unit_id, owner_id):
        raise NotAllowed(_l("Only the owner of this decision or the managers of its unit may mark it done."))


# --- background jobs ---------------------------------------------------------------------------


def can_see_job(user: User | None, requested_by_id: int | None) -> bool:
    """A job's progress and file belong to the person who asked for it, and to administrators."""
    if not _signed_in(user):
        return False
    return user.id == requested_by_id or is_admin(user)


def require_see_job(user: User | None, requested_by_id: int | None) -> None:
    if not can_see_job(user, requested_by_id):
        raise NotAllowed(_l("This job belongs to someone else."))


def can_see_system_health(user: User | None) -> bool:
    """The scheduler's runs and the job queue: administrators."""
    return is_admin(user)


# --- personal API tokens ------------------------------------------------------------------------
# A person creates and revokes their own tokens; the CLI (no actor) does it for service accounts.


def can_manage_tokens(user: User | None, owner: User) -> bool:
    return _signed_in(user) and user.id == owner.id


def require_manage_tokens(actor: User | None, owner: User) -> None:
    if actor is not None and not can_manage_tokens(actor, owner):
        raise NotAllowed(_l("Only the owner of a token may create or revoke it."))
