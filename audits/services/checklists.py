"""The audit checklist: generated from the clauses in scope, then edited by the audit team."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from audits.models import Audit, AuditStatus, ChecklistItem, ChecklistResult, Finding
from audits.services.questions import active_questions
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.clauses import Clause
from qms.models.org import User
from qms.services import access
from qms.services.errors import DomainError, InvalidTransition, NotFound
from qms.services.history import act_as


def _require_team(audit: Audit, actor: User | None) -> None:
    if actor is not None:
        access.require_log_findings(actor, audit.team_user_ids)
    if audit.status in (AuditStatus.CLOSED, AuditStatus.CANCELLED):
        raise InvalidTransition(_("The checklist of a closed or cancelled audit cannot change."))


def question_for(clause: Clause, lang: str) -> str:
    return _(
        "Clause %(number)s — %(title)s: is the requirement met? What records show it?",
        number=clause.number,
        title=clause.title(lang),
    )


def generate_checklist(audit: Audit, *, actor: User | None) -> list[ChecklistItem]:
    """For each clause in scope that has no question yet, the question bank's active questions of the
    clause (the generic question when the bank has none); then the audited units' approved
    procedures. Existing questions are kept."""
    _require_team(audit, actor)
    act_as(actor)
    covered = {item.clause_id for item in audit.checklist}
    position = max((item.position for item in audit.checklist), default=0)
    added: list[ChecklistItem] = []
    lang = current_lang()
    for clause in audit.clauses:
        if clause.id in covered:
            continue
        texts = [q.text(lang) for q in active_questions(clause)] or [question_for(clause, lang)]
        for text in texts:
            position += 1
            item = ChecklistItem(position=position, clause=clause, question=text)
            audit.checklist.append(item)
            added.append(item)
    existing = {item.question for item in audit.checklist}
    for code, title in _unit_procedures(audit):
        question = _(
            "Procedure %(code)s — %(title)s: are its steps, time limits and records followed? "
            "Sample recent dossiers.",
            code=code,
            title=title,
        )
        if question in existing:
            continue
        position += 1
        item = ChecklistItem(position=position, question=question)
        audit.checklist.append(item)
        added.append(item)
    db.session.flush()
    return added


def _unit_procedures(audit: Audit) -> list[tuple[str, str]]:
    """The approved procedures of the audited units, where the procedures area is installed."""
    try:
        from qms.models.processes import Process, ProcessStatus
    except ImportError:  # pragma: no cover - a deployment without procedures
        return []
    stmt = (
        select(Process.code, Process.title)
        .where(Process.unit_id.in_(audit.unit_ids), Process.status == ProcessStatus.APPROVED)
        .order_by(Process.code)
    )
    return [(code, title) for code, title in db.session.execute(stmt)]


def add_item(
    audit: Audit, *, actor: User | None, question: str, clause: Clause | None = None
) -> ChecklistItem:
    _require_team(audit, actor)
    act_as(actor)
    if not question.strip():
        raise DomainError(_("Write the question."), field="question")
    if clause is not None and clause.edition != audit.edition:
        raise DomainError(_("The clause must belong to the audit's edition."), field="clause_id")
    position = max((item.position for item in audit.checklist), default=0) + 1
    item = ChecklistItem(position=position, clause=clause, question=question.strip())
    audit.checklist.append(item)
    db.session.flush()
    return item


def update_item(
    item: ChecklistItem, *, actor: User | None, question: str, result: str | None, notes: str
) -> ChecklistItem:
    _require_team(item.audit, actor)
    act_as(actor)
    if not question.strip():
        raise DomainError(_("Write the question."), field="question")
    result = result or None
    if result is not None and result not in set(ChecklistResult):
        raise DomainError(_("Unknown result: %(result)s.", result=result), field="result")
    item.question, item.result, item.notes = question.strip(), result, notes.strip()
    db.session.flush()
    return item


@dataclass
class ChecklistRow:
    """What the user typed on one row of the checklist form."""

    item_id: int
    question: str
    result: str | None
    notes: str


RAISES_FINDING = frozenset({ChecklistResult.NONCONFORMITY, ChecklistResult.OBSERVATION})


def save_checklist(audit: Audit, *, actor: User | None, rows: list[ChecklistRow]) -> list[ChecklistItem]:
    """Save every row of the checklist at once, or none: the first wrong row refuses the whole save.

    A DomainError names the row's field as `rows-<index>-<field>`, the index being the row's place
    in `rows` (the naming of the checklist form's rows)."""
    _require_team(audit, actor)
    act_as(actor)
    items = {item.id: item for item in audit.checklist}
    results = set(ChecklistResult)
    checked: list[tuple[ChecklistItem, str, str | None, str]] = []
    for index, row in enumerate(rows):
        item = items.get(row.item_id)
        if item is None:
            raise NotFound(_("A question of the checklist no longer exists; reload the page."))
        question = row.question.strip()
        if not question:
            raise DomainError(_("Write the question."), field=f"rows-{index}-question")
        result = row.result or None
        if result is not None and result not in results:
            raise DomainError(_("Unknown result: %(result)s.", result=result), field=f"rows-{index}-result")
        checked.append((item, question, result, row.notes.strip()))
    changed = []
    for item, question, result, notes in checked:
        if (item.question, item.result, item.notes) != (question, result, notes):
            item.question, item.result, item.notes = question, result, notes
            changed.append(item)
    db.session.flush()
    return changed


def item_for_finding(audit: Audit, item_id: int) -> ChecklistItem:
    """A checklist row of this audit a finding is raised from."""
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.audit_id != audit.id:
        raise NotFound(_("No such question on the checklist of audit %(ref)s.", ref=audit.ref))
    return item


def needs_finding(item: ChecklistItem) -> bool:
    """A nonconformity or observation answered on the checklist with no finding raised from it yet."""
    return item.result in RAISES_FINDING and not item.findings


def load_findings(audit: Audit) -> list[ChecklistItem]:
    """The audit's checklist with each row's findings loaded in one query (for the checklist page)."""
    stmt = (
        select(ChecklistItem)
        .where(ChecklistItem.audit_id == audit.id)
        .options(selectinload(ChecklistItem.findings))
        .order_by(ChecklistItem.position)
    )
    return list(db.session.scalars(stmt))


def checklist_summary(audit: Audit) -> dict[str, int]:
    """Counts for the audit page and report: `total`, one count per result (`conforms`,
    `nonconformity`, `observation`, `not_applicable`), `unanswered`, and `without_finding` (the
    nonconformity and observation rows no finding was raised from)."""
    summary = {"total": 0, "unanswered": 0, "without_finding": 0}
    summary.update({result.value: 0 for result in ChecklistResult})
    per_result = (
        select(ChecklistItem.result, func.count())
        .where(ChecklistItem.audit_id == audit.id)
        .group_by(ChecklistItem.result)
    )
    for result, count in db.session.execute(per_result):
        summary[result or "unanswered"] += count
        summary["total"] += count
    raised = select(Finding.id).where(Finding.checklist_item_id == ChecklistItem.id).exists()
    without = select(func.count()).where(
        ChecklistItem.audit_id == audit.id, ChecklistItem.result.in_(sorted(RAISES_FINDING)), ~raised
    )
    summary["without_finding"] = db.session.scalar(without) or 0
    return summary
