"""The daily reminder digests of `qms notify`: each person gets one message listing what waits for them.

- corrective actions not done that are overdue or due within the horizon: to the action's owner (when
  they have an account) and to the managers of the finding's unit;
- nonconformities still waiting for the unit's plan (new, returned or reopened): to the unit's managers;
- plans submitted for review: to the audit's team;
- findings whose actions are done, waiting for verification of effectiveness: to the audit's team
  members who do not belong to the finding's unit (a unit never verifies itself);
- decisions of held management reviews not done, overdue or due within the horizon: to the decision's
  owner, or to the managers of its owner unit when it names no person;
- escalation: a nonconformity whose current step (plan, review, actions, verification) is overdue by more
  than QMS_ESCALATE_DAYS days goes also to the unit's managers and to every steering-committee user, in a
  separate "Escalated" part.

Everything is read in a fixed number of queries, whatever the number of people or findings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audits.models import (
    ActionItem,
    AuditTeamMember,
    Finding,
    FindingStatus,
    ManagementReview,
    ReviewDecision,
)
from audits.models.review import ReviewStatus
from audits.services import deadlines
from audits.services.queries import OPEN_NC_STATUSES, overdue_steps
from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.org import MemberRole, Membership, OrgRole, User, UserRole
from qms.services import mail

HORIZON_DAYS = 7
WAITING_PLAN = (FindingStatus.OPEN, FindingStatus.PLAN_RETURNED, FindingStatus.REOPENED)


@dataclass
class Digest:
    user: User
    overdue: list[ActionItem] = field(default_factory=list)
    due_soon: list[ActionItem] = field(default_factory=list)
    plans_to_write: list[Finding] = field(default_factory=list)
    plans_to_review: list[Finding] = field(default_factory=list)
    verifications_due: list[Finding] = field(default_factory=list)
    escalated: list[deadlines.Step] = field(default_factory=list)
    decisions_overdue: list[ReviewDecision] = field(default_factory=list)
    decisions_due_soon: list[ReviewDecision] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.decisions_overdue)
            + len(self.decisions_due_soon)
            + len(self.overdue)
            + len(self.due_soon)
            + len(self.plans_to_write)
            + len(self.plans_to_review)
            + len(self.verifications_due)
            + len(self.escalated)
        )


def escalate_after_days() -> int:
    return deadlines.setting("QMS_ESCALATE_DAYS")


def digests(
    today: date | None = None, *, days: int = HORIZON_DAYS, escalate_after: int | None = None
) -> list[Digest]:
    """One digest per active person with something waiting, ordered by e-mail address. Work overdue by
    more than `escalate_after` days (QMS_ESCALATE_DAYS by default) is escalated."""
    today = today or date.today()
    if escalate_after is None:
        escalate_after = escalate_after_days()
    escalated = overdue_steps(today, more_than=escalate_after)
    actions = list(
        db.session.scalars(
            select(ActionItem)
            .join(Finding, Finding.id == ActionItem.finding_id)
            .where(
                ActionItem.round == Finding.round,
                ActionItem.done_on.is_(None),
                Finding.status.in_(OPEN_NC_STATUSES),
                ActionItem.due_on <= today + timedelta(days=days),
            )
            .options(joinedload(ActionItem.finding), joinedload(ActionItem.owner))
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )
    waiting = list(
        db.session.scalars(
            select(Finding)
            .where(
                Finding.status.in_([*WAITING_PLAN, FindingStatus.PLAN_SUBMITTED, FindingStatus.ACTIONS_DONE])
            )
            .order_by(Finding.ref_year, Finding.ref_seq, Finding.id)
        )
    )
    # decisions of held management reviews: to their owner, else to the managers of the owner unit
    decisions = list(
        db.session.scalars(
            select(ReviewDecision)
            .join(ManagementReview, ManagementReview.id == ReviewDecision.review_id)
            .where(
                ManagementReview.status == ReviewStatus.HELD,
                ReviewDecision.done_on.is_(None),
                ReviewDecision.due_on <= today + timedelta(days=days),
            )
            .options(joinedload(ReviewDecision.owner), joinedload(ReviewDecision.owner_unit))
            .order_by(ReviewDecision.due_on, ReviewDecision.id)
        )
    )
    unit_ids = (
        {d.owner_unit_id for d in decisions}
        | {a.finding.unit_id for a in actions}
        | {f.unit_id for f in waiting}
        | {step.finding.unit_id for step in escalated}
    )
    audit_ids = {f.audit_id for f in waiting}
    managers: dict[int, list[User]] = defaultdict(list)
    members_of: dict[int, set[int]] = defaultdict(set)  # user → units they belong to
    if unit_ids:
        for membership in db.session.scalars(
            select(Membership).where(Membership.unit_id.in_(unit_ids)).options(joinedload(Membership.user))
        ):
            members_of[membership.user_id].add(membership.unit_id)
            if membership.role == MemberRole.MANAGER:
                managers[membership.unit_id].append(membership.user)
    teams: dict[int, list[User]] = defaultdict(list)
    if audit_ids:
        for member in db.session.scalars(
            select(AuditTeamMember)
            .where(AuditTeamMember.audit_id.in_(audit_ids))
            .order_by(AuditTeamMember.id)
        ):
            teams[member.audit_id].append(member.user)

    by_user: dict[int, Digest] = {}

    def digest_of(user: User) -> Digest | None:
        if not user.active:
            return None
        if user.id not in by_user:
            by_user[user.id] = Digest(user)
        return by_user[user.id]

    for action in actions:
        people = {m.id: m for m in managers[action.finding.unit_id]}
        if action.owner is not None:
            people[action.owner.id] = action.owner
        for person in people.values():
            if (digest := digest_of(person)) is not None:
                (digest.overdue if action.due_on < today else digest.due_soon).append(action)
    for decision in decisions:
        owners = [decision.owner] if decision.owner is not None else managers[decision.owner_unit_id]
        for person in owners:
            if (digest := digest_of(person)) is not None:
                (digest.decisions_overdue if decision.due_on < today else digest.decisions_due_soon).append(
                    decision
                )
    for finding in waiting:
        if finding.status in WAITING_PLAN:
            for person in managers[finding.unit_id]:
                if (digest := digest_of(person)) is not None:
                    digest.plans_to_write.append(finding)
        elif finding.status == FindingStatus.PLAN_SUBMITTED:
            for person in teams[finding.audit_id]:
                if (digest := digest_of(person)) is not None:
                    digest.plans_to_review.append(finding)
        else:
            for person in teams[finding.audit_id]:
                if finding.unit_id in members_of[person.id]:
                    continue
                if (digest := digest_of(person)) is not None:
                    digest.verifications_due.append(finding)
    if escalated:
        steering = list(
            db.session.scalars(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == OrgRole.STEERING)
                .order_by(User.id)
            ).unique()
        )
        for step in escalated:
            people = {m.id: m for m in managers[step.finding.unit_id]}
            people.update((u.id, u) for u in steering)
            for person in people.values():
                if (digest := digest_of(person)) is not None:
                    digest.escalated.append(step)
    return sorted((d for d in by_user.values() if d.count), key=lambda d: d.user.email)


def _action_line(action: ActionItem, lang: str) -> str:
    return _(
        "%(ref)s (%(unit)s): %(what)s — owner %(owner)s, due %(due)s",
        ref=action.finding.label,
        unit=action.finding.unit.code,
        what=action.what,
        owner=action.owner_name,
        due=fmt_date(action.due_on, lang),
    )


def _decision_line(decision: ReviewDecision, lang: str) -> str:
    return _(
        "%(unit)s: %(what)s — due %(due)s",
        unit=decision.owner_unit.code,
        what=decision.what,
        due=fmt_date(decision.due_on, lang),
    )


def _finding_line(finding: Finding, lang: str) -> str:
    line = _(
        "%(ref)s (%(unit)s, audit %(audit)s): %(statement)s",
        ref=finding.label,
        unit=finding.unit.code,
        audit=finding.audit.ref,
        statement=finding.statement,
    )
    step = deadlines.current_step(finding)
    if step is not None and step.due_on is not None:
        line += " — " + _("due %(date)s", date=fmt_date(step.due_on, lang))
    return line


def _escalated_line(step: deadlines.Step, lang: str) -> str:
    finding = step.finding
    what = {
        deadlines.PLAN: _("the unit's corrective-action plan"),
        deadlines.REVIEW: _("the review of the plan"),
        deadlines.ACTIONS: _("the corrective actions"),
        deadlines.VERIFY: _("the verification of effectiveness"),
    }[step.name]
    return _(
        "%(ref)s (%(unit)s): %(what)s, due %(due)s — %(days)s days overdue",
        ref=finding.label,
        unit=finding.unit.code,
        what=what,
        due=fmt_date(step.late_since, lang),
        days=step.days_overdue,
    )


def subject(digest: Digest, today: date) -> str:
    return _(
        "QMS Tracker — %(count)s item(s) waiting for you on %(date)s (%(overdue)s overdue)",
        count=digest.count,
        date=fmt_date(today, digest.user.language),
        overdue=len(digest.overdue),
    )


def body(
    digest: Digest,
    today: date,
    *,
    days: int = HORIZON_DAYS,
    base_url: str = "",
    escalate_after: int | None = None,
) -> str:
    if escalate_after is None:
        escalate_after = escalate_after_days()
    lang = digest.user.language
    lines = [_("Dear %(name)s,", name=digest.user.full_name), ""]
    lines.append(_("This is what waits for you in QMS Tracker on %(date)s.", date=fmt_date(today, lang)))
    sections = [
        (
            _("Overdue management review decisions"),
            [_decision_line(d, lang) for d in digest.decisions_overdue],
        ),
        (
            _("Management review decisions due within %(days)s days", days=days),
            [_decision_line(d, lang) for d in digest.decisions_due_soon],
        ),
        (_("Overdue corrective actions"), [_action_line(a, lang) for a in digest.overdue]),
        (
            _("Corrective actions due within %(days)s days", days=days),
            [_action_line(a, lang) for a in digest.due_soon],
        ),
        (
            _("Nonconformities waiting for your unit's plan"),
            [_finding_line(f, lang) for f in digest.plans_to_write],
        ),
        (_("Corrective-action plans to review"), [_finding_line(f, lang) for f in digest.plans_to_review]),
        (_("Verifications of effectiveness due"), [_finding_line(f, lang) for f in digest.verifications_due]),
        (
            _("Escalated: overdue by more than %(days)s days", days=escalate_after),
            [_escalated_line(step, lang) for step in digest.escalated],
        ),
    ]
    for title, items in sections:
        if items:
            lines += ["", f"{title} ({len(items)}):"]
            lines += [f"  - {item}" for item in items]
    if base_url:
        lines += ["", _("My work: %(url)s", url=base_url.rstrip("/") + "/audits/my-work")]
    lines += ["", _("This message is sent automatically every day; please do not reply.")]
    return "\n".join(lines) + "\n"


def messages(
    settings: mail.SmtpSettings,
    found: list[Digest],
    today: date,
    *,
    days: int = HORIZON_DAYS,
    base_url: str = "",
    escalate_after: int | None = None,
) -> list[EmailMessage]:
    out = []
    for digest in found:
        with force_locale(digest.user.language):
            out.append(
                mail.message(
                    settings,
                    digest.user.email,
                    digest.user.full_name,
                    subject(digest, today),
                    body(digest, today, days=days, base_url=base_url, escalate_after=escalate_after),
                )
            )
    return out
