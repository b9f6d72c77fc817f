"""The audit checklist: generated from the clauses in scope, then edited by the audit team."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from audits.models import Audit, AuditStatus, ChecklistItem, ChecklistResult
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.clauses import Clause
from qms.models.org import User
from qms.services import access
from qms.services.errors import DomainError, InvalidTransition
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
    """One question per clause in scope that has none yet; existing questions are kept."""
    _require_team(audit, actor)
    act_as(actor)
    covered = {item.clause_id for item in audit.checklist}
    position = max((item.position for item in audit.checklist), default=0)
    added: list[ChecklistItem] = []
    lang = current_lang()
    for clause in audit.clauses:
        if clause.id in covered:
            continue
        position += 1
        item = ChecklistItem(position=position, clause=clause, question=question_for(clause, lang))
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
