"""Context (4.1), interested parties (4.2), risks and opportunities (6.1) of a unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms import labels
from qms.extensions import db
from qms.models.org import Unit, User
from qms.models.risks import (
    ContextIssue,
    InterestedParty,
    IssueKind,
    Risk,
    RiskAction,
    RiskKind,
    RiskLevel,
)
from qms.services import access
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as

ISSUE_KIND_LABELS = {IssueKind.INTERNAL: _l("Internal"), IssueKind.EXTERNAL: _l("External")}
RISK_KIND_LABELS = {RiskKind.RISK: _l("Risk"), RiskKind.OPPORTUNITY: _l("Opportunity")}
LEVEL_LABELS = {
    RiskLevel.LOW: _l("Low"),
    RiskLevel.MEDIUM: _l("Medium"),
    RiskLevel.HIGH: _l("High"),
    RiskLevel.VERY_HIGH: _l("Very high"),
}

labels.register(
    "context_issue",
    label=_l("Context issue"),
    fields={"kind": _l("Kind"), "description": _l("Issue description"), "review_date": _l("Review date")},
    values={"kind": ISSUE_KIND_LABELS},
)
labels.register(
    "interested_party",
    label=_l("Interested party"),
    fields={
        "name": _l("Interested party"),
        "needs": _l("Needs and expectations"),
        "review_date": _l("Review date"),
    },
)
labels.register(
    "risk",
    label=_l("Risk or opportunity"),
    fields={
        "kind": _l("Kind"),
        "title": _l("Risk or opportunity"),
        "description": _l("Description"),
        "likelihood": _l("Likelihood"),
        "impact": _l("Impact"),
        "owner": _l("Owner"),
        "review_date": _l("Review date"),
    },
    values={"kind": RISK_KIND_LABELS},
)
labels.register(
    "risk_action",
    label=_l("Treatment action"),
    fields={
        "risk_id": _l("Risk or opportunity"),
        "what": _l("Action"),
        "owner": _l("Owner"),
        "due": _l("Due"),
        "done_on": _l("Done"),
    },
)


@dataclass
class ContextRegister:
    unit: Unit
    internal: list[ContextIssue] = field(default_factory=list)
    external: list[ContextIssue] = field(default_factory=list)
    parties: list[InterestedParty] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    opportunities: list[Risk] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.internal or self.external or self.parties or self.risks or self.opportunities)


def register_of(unit: Unit) -> ContextRegister:
    """A unit's context issues, interested parties, and risks and opportunities by score (highest first)."""
    reg = ContextRegister(unit=unit)
    issues = db.session.scalars(
        select(ContextIssue).where(ContextIssue.unit_id == unit.id).order_by(ContextIssue.id)
    )
    for issue in issues:
        (reg.internal if issue.kind == IssueKind.INTERNAL else reg.external).append(issue)
    reg.parties = list(
        db.session.scalars(
            select(InterestedParty).where(InterestedParty.unit_id == unit.id).order_by(InterestedParty.id)
        )
    )
    risks = db.session.scalars(
        select(Risk).where(Risk.unit_id == unit.id).order_by(Risk.score.desc(), Risk.title)
    )
    for risk in risks:
        (reg.risks if risk.kind == RiskKind.RISK else reg.opportunities).append(risk)
    return reg


def _get(model: type, record_id: int) -> object:
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(_("No such record."))
    return record


def get_issue(issue_id: int) -> ContextIssue:
    return _get(ContextIssue, issue_id)  # type: ignore[return-value]


def get_party(party_id: int) -> InterestedParty:
    return _get(InterestedParty, party_id)  # type: ignore[return-value]


def get_risk(risk_id: int) -> Risk:
    return _get(Risk, risk_id)  # type: ignore[return-value]


def get_action(action_id: int) -> RiskAction:
    return _get(RiskAction, action_id)  # type: ignore[return-value]


def _may_edit(actor: User | None, unit: Unit) -> None:
    if actor is not None:
        access.require_edit_unit_records(actor, unit)
    act_as(actor)


def _required(value: str | None, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field_name)
    return value


# --- context issues (4.1) ---------------------------------------------------------------------


def save_issue(
    unit: Unit,
    *,
    actor: User | None,
    kind: str,
    description: str,
    review_date: date | None = None,
    issue: ContextIssue | None = None,
) -> ContextIssue:
    _may_edit(actor, unit)
    if kind not in set(IssueKind):
        raise DomainError(_("Choose internal or external."), field="kind")
    description = _required(description, "description", _("Describe the issue."))
    if issue is None:
        issue = ContextIssue(unit=unit)
        db.session.add(issue)
    elif issue.unit_id != unit.id:
        raise NotFound(_("No such record."))
    issue.kind, issue.description, issue.review_date = kind, description, review_date
    db.session.flush()
    return issue


# --- interested parties (4.2) -----------------------------------------------------------------


def save_party(
    unit: Unit,
    *,
    actor: User | None,
    name: str,
    needs: str,
    review_date: date | None = None,
    party: InterestedParty | None = None,
) -> InterestedParty:
    _may_edit(actor, unit)
    name = _required(name, "name", _("Name the interested party."))
    needs = _required(needs, "needs", _("Say what this party needs and expects."))
    if party is None:
        party = InterestedParty(unit=unit)
        db.session.add(party)
    elif party.unit_id != unit.id:
        raise NotFound(_("No such record."))
    party.name, party.needs, party.review_date = name, needs, review_date
    db.session.flush()
    return party


# --- risks and opportunities (6.1) ------------------------------------------------------------


def _rating(value: object, field_name: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        raise DomainError(_("Give a whole number from 1 to 5."), field=field_name)
    return number


def save_risk(
    unit: Unit,
    *,
    actor: User | None,
    kind: str,
    title: str,
    likelihood: object,
    impact: object,
    description: str = "",
    owner: str = "",
    review_date: date | None = None,
    risk: Risk | None = None,
) -> Risk:
    _may_edit(actor, unit)
    if kind not in set(RiskKind):
        raise DomainError(_("Choose risk or opportunity."), field="kind")
    title = _required(title, "title", _("Name the risk or opportunity."))
    rated_likelihood = _rating(likelihood, "likelihood")
    rated_impact = _rating(impact, "impact")
    if risk is None:
        risk = Risk(unit=unit)
        db.session.add(risk)
    elif risk.unit_id != unit.id:
        raise NotFound(_("No such record."))
    risk.kind, risk.title, risk.description = kind, title, (description or "").strip()
    risk.likelihood, risk.impact = rated_likelihood, rated_impact
    risk.owner, risk.review_date = (owner or "").strip(), review_date
    db.session.flush()
    return risk


def save_action(
    risk: Risk,
    *,
    actor: User | None,
    what: str,
    owner: str = "",
    due: date | None = None,
    done_on: date | None = None,
    action: RiskAction | None = None,
) -> RiskAction:
    _may_edit(actor, risk.unit)
    what = _required(what, "what", _("Say what will be done."))
    if due is None:
        raise DomainError(_("Give the date by which it is due."), field="due")
    if action is None:
        action = RiskAction(risk=risk)
        db.session.add(action)
    elif action.risk_id != risk.id:
        raise NotFound(_("No such record."))
    action.what, action.owner, action.due, action.done_on = what, (owner or "").strip(), due, done_on
    db.session.flush()
    return action


def delete(record: ContextIssue | InterestedParty | Risk | RiskAction, *, actor: User | None) -> None:
    unit = record.risk.unit if isinstance(record, RiskAction) else record.unit
    _may_edit(actor, unit)
    db.session.delete(record)
    db.session.flush()
    if isinstance(record, RiskAction):
        db.session.expire(record.risk, ["actions"])


def high_risks(unit_ids: set[int] | None = None, *, minimum: int = 10) -> list[Risk]:
    """Risks scored `minimum` or more (high and very high), highest first."""
    stmt = select(Risk).where(Risk.kind == RiskKind.RISK, Risk.score >= minimum)
    if unit_ids is not None:
        stmt = stmt.where(Risk.unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt.order_by(Risk.score.desc(), Risk.title)))
