"""Procedures as process maps: writing a procedure and its steps, checking the map, approving,
new versions, and the links between processes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from qms import labels
from qms.extensions import db
from qms.models.base import utcnow
from qms.models.clauses import Clause, Edition
from qms.models.history import HistoryEntry
from qms.models.org import Unit, User
from qms.models.processes import (
    PROCESS_TRANSITIONS,
    Process,
    ProcessClause,
    ProcessKind,
    ProcessLink,
    ProcessStatus,
    RecordMedium,
    Step,
    StepKind,
)
from qms.services import access
from qms.services.errors import DomainError, InvalidTransition, NotFound
from qms.services.history import act_as

CODE_RE = re.compile(r"^QT[-.][A-Z0-9][A-Z0-9._-]{0,36}$")
HALF = Decimal("0.5")
MAX_DAYS = Decimal("9999")

labels.register(
    "process",
    label=_l("Procedure"),
    fields={
        "title": _l("Title"),
        "version": _l("Version"),
        "status": _l("Status"),
        "purpose": _l("Purpose"),
        "scope": _l("Scope"),
        "references_text": _l("References"),
        "definitions": _l("Definitions and abbreviations"),
        "time_limit_days": _l("Legal time limit (working days)"),
        "effective_date": _l("Effective date"),
        "forms": _l("Forms"),
        "records": _l("Records to keep"),
        "previous_id": _l("Previous version"),
        "approved_at": _l("Approved"),
        "approved_by_id": _l("Approved by"),
    },
    values={
        "status": {"draft": _l("Draft"), "approved": _l("Approved"), "superseded": _l("Superseded")},
        "kind": {
            "administrative": _l("Internal procedure for an administrative procedure"),
            "management": _l("Management process"),
            "support": _l("Support process"),
        },
        "medium": {"paper": _l("paper"), "electronic": _l("electronic"), "both": _l("paper and electronic")},
    },
)
labels.register(
    "process_step",
    label=_l("Step"),
    fields={
        "position": _l("Step"),
        "text": _l("What is done"),
        "responsible": _l("Responsible"),
        "days": _l("Working days"),
        "output": _l("Form or record produced"),
        "ends": _l("Ends the procedure"),
        "next_step_id": _l("Next step"),
        "yes_step_id": _l("If yes"),
        "no_step_id": _l("If no"),
    },
    values={"kind": {"task": _l("Task"), "decision": _l("Decision")}},
)
labels.register("process_clause", label=_l("Clause reference"), fields={"clause_id": _l("Clause")})
labels.register(
    "process_link",
    label=_l("Process interaction"),
    fields={"source_id": _l("From process"), "target_id": _l("To process"), "label": _l("What passes")},
)


# --- reading ---------------------------------------------------------------------------------


def get_process(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None:
        raise NotFound(_("No such procedure."))
    return process


def versions_of(code: str) -> list[Process]:
    """Every version of a procedure, newest first."""
    return list(
        db.session.scalars(select(Process).where(Process.code == code).order_by(Process.version.desc()))
    )


def prepared_by(process: Process) -> str:
    """Who drafted this version: the author of its first history entry."""
    name = db.session.scalar(
        select(User.full_name)
        .join(HistoryEntry, HistoryEntry.actor_id == User.id)
        .where(
            HistoryEntry.record_type == Process.__tablename__,
            HistoryEntry.record_id == str(process.id),
            HistoryEntry.action == "insert",
        )
        .limit(1)
    )
    return name or ""


SECTION_FIELDS = (
    ("purpose", "s1"),
    ("scope", "s2"),
    ("references_text", "s3"),
    ("definitions", "s4"),
    ("forms", "s6"),
    ("records", "s7"),
)


def changed_sections(previous: Process, current: Process) -> list[str]:
    """Which sections of the procedure document a new version changed (keys of the document's
    section headings, 's1' … 's7'), in document order."""
    changed = {key for field, key in SECTION_FIELDS if getattr(previous, field) != getattr(current, field)}

    def steps(p: Process) -> list[tuple[object, ...]]:
        return [(s.position, s.text, s.responsible, s.days, s.output) for s in p.steps]

    if steps(previous) != steps(current) or previous.time_limit_days != current.time_limit_days:
        changed.add("s5")
    return sorted(changed)


def current_version(code: str) -> Process | None:
    """The approved version of a procedure, or its latest draft when none was approved yet."""
    versions = versions_of(code)
    approved = next((p for p in versions if p.status == ProcessStatus.APPROVED), None)
    return approved or next(iter(versions), None)


def process_for_export(code: str) -> Process:
    process = current_version(code.strip().upper())
    if process is None:
        raise NotFound(_("No procedure has the code %(code)s.", code=code))
    return process


def current_processes(unit_ids: set[int] | None = None) -> list[Process]:
    """The current version of every procedure (of the given units), by code."""
    stmt = select(Process).order_by(Process.code, Process.version.desc())
    if unit_ids is not None:
        stmt = stmt.where(Process.unit_id.in_(unit_ids or {-1}))
    chosen: dict[str, Process] = {}
    for process in db.session.scalars(stmt):
        best = chosen.get(process.code)
        if best is None or (
            best.status != ProcessStatus.APPROVED and process.status == ProcessStatus.APPROVED
        ):
            chosen[process.code] = process
    return list(chosen.values())


def can_read(user: User | None, process: Process) -> bool:
    """A unit's people read its procedures; an approved procedure of the city reads for everyone."""
    return access.can_read_unit_record(user, process.unit, published=process.status == ProcessStatus.APPROVED)


def can_link_to(user: User | None, target: Process) -> bool:
    published = target.status == ProcessStatus.APPROVED
    return access.can_link_to_unit_record(user, target.unit_id, published=published)


def link_targets(user: User | None, source: Process) -> list[Process]:
    """The procedures `user` may name as receiving `source`'s output (access.can_link_to_unit_record)."""
    return [p for p in current_processes() if p.code != source.code and can_link_to(user, p)]


def require_read(user: User | None, process: Process) -> None:
    access.require_read_unit_record(user, process.unit, published=process.status == ProcessStatus.APPROVED)


def readable_processes(user: User) -> list[Process]:
    """The current procedures of the user's units, and the approved ones of the city that apply to all."""
    if access.reads_everything(user):
        return current_processes()
    own = current_processes({m.unit_id for m in user.memberships})
    codes = {p.code for p in own}
    city_ids = set(db.session.scalars(select(Unit.id).where(access.top_level_condition())))
    shared = [p for p in current_processes(city_ids) if p.code not in codes and can_read(user, p)]
    return sorted(own + shared, key=lambda p: p.code)


def draft_of(process: Process) -> Process | None:
    """The draft version of this procedure's chain, if one is being written."""
    return db.session.scalar(
        select(Process).where(Process.code == process.code, Process.status == ProcessStatus.DRAFT)
    )


def can_approve(user: User | None, process: Process) -> bool:
    return (
        process.status == ProcessStatus.DRAFT
        and ProcessStatus.APPROVED in PROCESS_TRANSITIONS[ProcessStatus(process.status)]
        and access.can_edit_unit_records(user, process.unit)
    )


def can_make_new_version(user: User | None, process: Process) -> bool:
    return (
        process.status == ProcessStatus.APPROVED
        and access.can_edit_unit_records(user, process.unit)
        and draft_of(process) is None
    )


def can_edit(user: User | None, process: Process) -> bool:
    return process.status == ProcessStatus.DRAFT and access.can_edit_unit_records(user, process.unit)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def cited_references(process: Process, clause_lines: list[str] | None = None) -> list[str]:
    """Section 3 (Tài liệu viện dẫn): the clause references, the legal texts cited, then the free-text
    references. `clause_lines` replaces the clause references (the export's edition choice)."""
    from qms.services import legal  # legal builds on this module

    if clause_lines is not None:
        cited = list(clause_lines)
    else:
        by_edition = {e: [c.number for c in process.clauses if c.edition == e] for e in ("2015", "2008")}
        cited = [f"TCVN ISO 9001:{e} — {', '.join(numbers)}" for e, numbers in by_edition.items() if numbers]
    texts = [ref.legal_text for ref in legal.citations_of(process)]
    numbers = [text.number for text in texts]
    cited += [f"{text.number} — {text.title}" for text in texts]
    # A free-text line naming a cited legal text would list it twice.
    return cited + [line for line in lines(process.references_text) if not any(n in line for n in numbers)]


def definitions_of(process: Process) -> list[tuple[str, str]]:
    """Section 4 as (term, meaning); a line without ':' is a term alone."""
    pairs = []
    for line in lines(process.definitions):
        term, _sep, meaning = line.partition(":")
        pairs.append((term.strip(), meaning.strip()))
    return pairs


# --- checking the map ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong with a map: `kind` is one of no_steps, no_responsible, no_condition,
    branch_nowhere, unreachable, never_ends, over_time_limit."""

    kind: str
    message: str
    step_id: int | None = None


def successors(step: Step, steps: list[Step]) -> list[tuple[Step | None, str]]:
    """Where a step leads, as (target step, branch) with branch "", "yes" or "no".

    A target of None means the end of the procedure for a task, and "points nowhere" for a branch.
    """
    by_id = {s.id: s for s in steps}
    if step.kind == StepKind.DECISION:
        return [(by_id.get(step.yes_step_id), "yes"), (by_id.get(step.no_step_id), "no")]
    if step.ends:
        return [(None, "")]
    if step.next_step_id is not None and step.next_step_id in by_id:
        return [(by_id[step.next_step_id], "")]
    following = next((s for s in steps if s.position > step.position), None)
    return [(following, "")]


def main_path(steps: list[Step]) -> list[Step]:
    """The steps along the main path: from the first step, each decision taking its 'yes' branch."""
    path: list[Step] = []
    seen: set[int] = set()
    step = steps[0] if steps else None
    while step is not None and step.id not in seen:
        seen.add(step.id)
        path.append(step)
        step = successors(step, steps)[0][0]
    return path


def main_path_days(process: Process) -> Decimal:
    return sum((s.days for s in main_path(list(process.steps))), Decimal("0"))


def problems(process: Process) -> list[Problem]:
    """Everything that keeps a procedure from being approved."""
    steps = list(process.steps)
    found: list[Problem] = []
    if not steps:
        return [Problem("no_steps", _("The procedure has no steps yet."))]
    for step in steps:
        if not step.responsible.strip():
            found.append(
                Problem("no_responsible", _("Step %(n)s has no one responsible.", n=step.position), step.id)
            )
        if step.kind == StepKind.DECISION:
            if not step.text.strip():
                found.append(
                    Problem("no_condition", _("Decision %(n)s has no condition.", n=step.position), step.id)
                )
            for target, branch in successors(step, steps):
                if target is None:
                    word = _("yes") if branch == "yes" else _("no")
                    found.append(
                        Problem(
                            "branch_nowhere",
                            _(
                                "The '%(branch)s' branch of step %(n)s points nowhere.",
                                branch=word,
                                n=step.position,
                            ),
                            step.id,
                        )
                    )
    # Steps reachable from the first one, and the steps from which an end can be reached.
    reachable: set[int] = set()
    stack = [steps[0]]
    while stack:
        step = stack.pop()
        if step.id in reachable:
            continue
        reachable.add(step.id)
        stack.extend(t for t, _b in successors(step, steps) if t is not None)
    ending = {s.id for s in steps if any(t is None for t, b in successors(s, steps) if b == "")}
    changed = True
    while changed:
        changed = False
        for step in steps:
            if step.id not in ending and any(
                t is not None and t.id in ending for t, _b in successors(step, steps)
            ):
                ending.add(step.id)
                changed = True
    for step in steps:
        if step.id not in reachable:
            found.append(Problem("unreachable", _("Step %(n)s is never reached.", n=step.position), step.id))
        elif step.id not in ending:
            found.append(
                Problem(
                    "never_ends",
                    _(
                        "Step %(n)s is in a loop that never reaches the end of the procedure.",
                        n=step.position,
                    ),
                    step.id,
                )
            )
    if process.time_limit_days is not None:
        total = main_path_days(process)
        if total > process.time_limit_days:
            found.append(
                Problem(
                    "over_time_limit",
                    _(
                        "The steps take %(total)s working days along the main path, more than the legal "
                        "time limit of %(limit)s.",
                        total=fmt_days(total),
                        limit=fmt_days(process.time_limit_days),
                    ),
                )
            )
    return found


def fmt_days(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- writing a procedure ---------------------------------------------------------------------


def _require_draft(process: Process) -> None:
    if process.status != ProcessStatus.DRAFT:
        raise InvalidTransition(_("Only a draft can be changed: make a new version of this procedure."))


def _parse_days(value: Any, field: str, *, required: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(_("Give the number of working days."), field=field)
        return None
    try:
        days = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise DomainError(_("'%(value)s' is not a number of days.", value=value), field=field) from None
    if not days.is_finite() or days < 0 or days > MAX_DAYS:
        raise DomainError(_("Working days are a number from 0 upwards."), field=field)
    if days % HALF != 0:
        raise DomainError(_("Working days are counted in halves (e.g. 0.5, 1, 2.5)."), field=field)
    return days.quantize(Decimal("0.1"))


def parse_forms(text: str) -> list[dict[str, str]]:
    """Section 6 from lines 'BM.01 | name'."""
    forms = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, name = (part.strip() for part in line.partition("|"))
        if not sep or not code or not name:
            raise DomainError(
                _("Line %(n)s: write a form as 'code | name', e.g. 'BM.01 | Phiếu tiếp nhận'.", n=n),
                field="forms_text",
            )
        forms.append({"code": code[:40], "name": name[:300]})
    return forms


MEDIUM_WORDS = {
    "paper": RecordMedium.PAPER,
    "giấy": RecordMedium.PAPER,
    "bản giấy": RecordMedium.PAPER,
    "electronic": RecordMedium.ELECTRONIC,
    "điện tử": RecordMedium.ELECTRONIC,
    "bản mềm": RecordMedium.ELECTRONIC,
    "both": RecordMedium.BOTH,
    "giấy và điện tử": RecordMedium.BOTH,
}


def parse_records(text: str) -> list[dict[str, str]]:
    """Section 7 from lines 'name | where kept / responsible | retention | paper/electronic'."""
    records = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 4 or not parts[0]:
            raise DomainError(
                _(
                    "Line %(n)s: write a record as 'name | where kept | retention | paper or electronic'.",
                    n=n,
                ),
                field="records_text",
            )
        medium = MEDIUM_WORDS.get(parts[3].lower())
        if medium is None:
            raise DomainError(
                _("Line %(n)s: the form of a record is paper, electronic or both.", n=n), field="records_text"
            )
        records.append({"name": parts[0], "keeper": parts[1], "retention": parts[2], "medium": medium.value})
    return records


def forms_text(process: Process) -> str:
    return "\n".join(f"{f['code']} | {f['name']}" for f in process.forms or [])


def records_text(process: Process) -> str:
    return "\n".join(
        f"{r['name']} | {r['keeper']} | {r['retention']} | {r['medium']}" for r in process.records or []
    )


def _parse_clauses(text: str) -> list[Clause]:
    numbers = [n.strip() for n in re.split(r"[,;\s]+", text or "") if n.strip()]
    clauses: list[Clause] = []
    for number in numbers:
        clause = db.session.scalar(
            select(Clause).where(Clause.edition == Edition.ISO_2015.value, Clause.number == number)
        )
        if clause is None:
            raise DomainError(_("ISO 9001:2015 has no clause %(number)s.", number=number), field="clauses")
        if clause not in clauses:
            clauses.append(clause)
    return clauses


def _set_clauses(process: Process, clauses: list[Clause]) -> None:
    wanted = {c.id for c in clauses}
    for link in list(process.clause_links):
        # a legacy 2008 reference stays until a person remaps it (the form edits 2015 ones only)
        if link.clause_id not in wanted and link.clause.edition == Edition.ISO_2015.value:
            process.clause_links.remove(link)
    have = {link.clause_id for link in process.clause_links}
    for clause in clauses:
        if clause.id not in have:
            process.clause_links.append(ProcessClause(clause=clause))


def _apply_fields(process: Process, fields: dict[str, Any]) -> None:
    title = (fields.get("title") or "").strip()
    if not title:
        raise DomainError(_("A title is required."), field="title")
    kind = fields.get("kind") or ProcessKind.ADMINISTRATIVE.value
    if kind not in set(ProcessKind):
        raise DomainError(_("Unknown kind of procedure: %(kind)s.", kind=kind), field="kind")
    limit = _parse_days(fields.get("time_limit_days"), "time_limit_days", required=False)
    process.title = title[:300]
    process.kind = kind
    process.purpose = (fields.get("purpose") or "").strip()
    process.scope = (fields.get("scope") or "").strip()
    process.references_text = (fields.get("references_text") or "").strip()
    process.definitions = (fields.get("definitions") or "").strip()
    process.time_limit_days = limit
    process.forms = parse_forms(fields.get("forms_text") or "")
    process.records = parse_records(fields.get("records_text") or "")
    _set_clauses(process, _parse_clauses(fields.get("clauses") or ""))


def _check_code(code: str, process: Process | None = None) -> str:
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise DomainError(_("A procedure code starts with QT-, e.g. QT-TNMT-01."), field="code")
    stmt = select(Process.id).where(Process.code == code)
    if process is not None and process.id is not None:
        stmt = stmt.where(Process.id != process.id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            _("The code %(code)s is already used by another procedure.", code=code), field="code"
        )
    return code


def create_process(*, actor: User | None, unit: Unit, code: str, **fields: Any) -> Process:
    """A new procedure, as a draft version 1 of the unit's."""
    if actor is not None:
        access.require_edit_unit_records(actor, unit)
    act_as(actor)
    process = Process(code=_check_code(code), version=1, unit=unit, status=ProcessStatus.DRAFT)
    _apply_fields(process, fields)
    db.session.add(process)
    db.session.flush()
    return process


def update_process(
    process: Process, *, actor: User | None, code: str | None = None, **fields: Any
) -> Process:
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    _require_draft(process)
    if code is not None and code.strip().upper() != process.code:
        if process.version != 1:
            raise DomainError(_("Every version of a procedure keeps its code."), field="code")
        process.code = _check_code(code, process)
    _apply_fields(process, fields)
    db.session.flush()
    return process


def delete_draft(process: Process, *, actor: User | None) -> None:
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    _require_draft(process)
    db.session.delete(process)
    db.session.flush()


# --- steps -----------------------------------------------------------------------------------


def _step_target(process: Process, step_id: Any, field: str) -> Step | None:
    if step_id in (None, "", 0, "0"):
        return None
    target = next((s for s in process.steps if str(s.id) == str(step_id)), None)
    if target is None:
        raise DomainError(_("Choose a step of this procedure."), field=field)
    return target


def _apply_step(step: Step, process: Process, fields: dict[str, Any]) -> None:
    kind = fields.get("kind") or StepKind.TASK.value
    if kind not in set(StepKind):
        raise DomainError(_("A step is a task or a decision."), field="kind")
    text = (fields.get("text") or "").strip()
    if not text:
        message = _("Write the condition, e.g. 'Dossier complete?'.") if kind == StepKind.DECISION else None
        raise DomainError(message or _("Say what is done in this step."), field="text")
    responsible = (fields.get("responsible") or "").strip()
    if not responsible:
        raise DomainError(_("Name who is responsible (a unit or a role)."), field="responsible")
    step.kind = kind
    step.text = text
    step.responsible = responsible[:200]
    step.days = _parse_days(fields.get("days"), "days", required=True) or Decimal("0")
    step.output = (fields.get("output") or "").strip()[:300]
    if kind == StepKind.DECISION:
        yes = _step_target(process, fields.get("yes_step_id"), "yes_step_id")
        no = _step_target(process, fields.get("no_step_id"), "no_step_id")
        if yes is None:
            raise DomainError(_("Choose the step that follows when the answer is yes."), field="yes_step_id")
        if no is None:
            raise DomainError(_("Choose the step that follows when the answer is no."), field="no_step_id")
        if step in (yes, no):
            raise DomainError(
                _("A decision cannot lead to itself."), field="yes_step_id" if yes is step else "no_step_id"
            )
        step.yes_step_id, step.no_step_id = yes.id, no.id
        step.next_step_id, step.ends = None, False
    else:
        nxt = fields.get("next_step_id")
        step.ends = nxt == "end"
        target = None if step.ends else _step_target(process, nxt, "next_step_id")
        if target is step:
            raise DomainError(_("A step cannot lead to itself."), field="next_step_id")
        step.next_step_id = target.id if target is not None else None
        step.yes_step_id = step.no_step_id = None


def add_step(process: Process, *, actor: User | None, **fields: Any) -> Step:
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    _require_draft(process)
    step = Step(position=len(process.steps) + 1, text="", kind=StepKind.TASK)
    _apply_step(step, process, fields)
    process.steps.append(step)
    db.session.flush()
    return step


def update_step(step: Step, *, actor: User | None, **fields: Any) -> Step:
    process = step.process
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    _require_draft(process)
    _apply_step(step, process, fields)
    db.session.flush()
    return step


def _renumber(process: Process) -> None:
    ordered = sorted(process.steps, key=lambda s: s.position)
    for n, step in enumerate(ordered, start=1):
        if step.position != n:
            step.position = n
    process.steps.sort(key=lambda s: s.position)


def delete_step(step: Step, *, actor: User | None) -> None:
    """Remove a step; branches that pointed to it then point nowhere (and the page says so)."""
    process = step.process
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    _require_draft(process)
    for other in process.steps:
        if other is step:
            continue
        if other.next_step_id == step.id:
            other.next_step_id = None
        if other.yes_step_id == step.id:
            other.yes_step_id = None
        if other.no_step_id == step.id:
            other.no_step_id = None
    process.steps.remove(step)
    db.session.flush()
    _renumber(process)
    db.session.flush()


def move_step(step: Step, *, actor: User | None, direction: str) -> None:
    process = step.process
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    _require_draft(process)
    ordered = sorted(process.steps, key=lambda s: s.position)
    index = ordered.index(step)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(ordered):
        raise DomainError(_("This step cannot move further."))
    other = ordered[other_index]
    step.position, other.position = other.position, step.position
    db.session.flush()
    process.steps.sort(key=lambda s: s.position)


# --- workflow --------------------------------------------------------------------------------


def _move(process: Process, target: ProcessStatus) -> None:
    if target not in PROCESS_TRANSITIONS[ProcessStatus(process.status)]:
        raise InvalidTransition(
            _(
                "A procedure cannot go from %(old)s to %(new)s.",
                old=labels.value("process", "status", process.status),
                new=labels.value("process", "status", target.value),
            )
        )
    process.status = target.value


def approve(process: Process, *, actor: User | None, effective_date: date | None = None) -> Process:
    """Approve a draft that has no problems; the version it replaces is superseded."""
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    found = problems(process)
    if process.status == ProcessStatus.DRAFT and found:
        raise InvalidTransition(
            _("The procedure cannot be approved: %(reasons)s", reasons=" ".join(p.message for p in found))
        )
    older_versions = [p for p in versions_of(process.code) if p is not process]
    process.effective_date = effective_date or date.today()
    _move(process, ProcessStatus.APPROVED)
    for older in older_versions:
        if older.status == ProcessStatus.APPROVED:
            _move(older, ProcessStatus.SUPERSEDED)
    process.approved_at = utcnow()
    process.approved_by_id = actor.id if actor is not None else None
    db.session.flush()
    return process


def new_version(process: Process, *, actor: User | None) -> Process:
    """A draft copy (steps, clauses, forms and records too) of an approved procedure, version + 1."""
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    if process.status != ProcessStatus.APPROVED:
        raise InvalidTransition(_("Only the approved version of a procedure can be revised."))
    draft = draft_of(process)
    if draft is not None:
        raise InvalidTransition(
            _("Version %(version)s of this procedure is already being drafted.", version=draft.version)
        )
    latest = db.session.scalar(select(func.max(Process.version)).where(Process.code == process.code)) or 0
    copy = Process(
        code=process.code,
        version=latest + 1,
        title=process.title,
        kind=process.kind,
        unit=process.unit,
        status=ProcessStatus.DRAFT,
        purpose=process.purpose,
        scope=process.scope,
        references_text=process.references_text,
        definitions=process.definitions,
        time_limit_days=process.time_limit_days,
        forms=[dict(f) for f in process.forms or []],
        records=[dict(r) for r in process.records or []],
        previous_id=process.id,
    )
    for link in process.clause_links:
        copy.clause_links.append(ProcessClause(clause=link.clause, remapped_from=link.remapped_from))
    db.session.add(copy)
    old_steps = list(process.steps)
    new_steps = {}
    for old in old_steps:
        step = Step(
            position=old.position,
            kind=old.kind,
            text=old.text,
            responsible=old.responsible,
            days=old.days,
            output=old.output,
            ends=old.ends,
        )
        copy.steps.append(step)
        new_steps[old.id] = step
    db.session.flush()
    for old in old_steps:
        step = new_steps[old.id]
        for attr in ("next_step_id", "yes_step_id", "no_step_id"):
            target = new_steps.get(getattr(old, attr))
            setattr(step, attr, target.id if target is not None else None)
    from qms.services import legal  # legal builds on this module

    legal.copy_citations(process, copy, actor=actor)
    db.session.flush()
    return copy


# --- interaction -----------------------------------------------------------------------------


def links_of(process: Process) -> tuple[list[ProcessLink], list[ProcessLink]]:
    """(outgoing, incoming) links of every version of this procedure."""
    chain = select(Process.id).where(Process.code == process.code)
    stmt = select(ProcessLink).where(or_(ProcessLink.source_id.in_(chain), ProcessLink.target_id.in_(chain)))
    links = list(db.session.scalars(stmt.order_by(ProcessLink.id)))
    outgoing = [link for link in links if link.source.code == process.code]
    incoming = [link for link in links if link.target.code == process.code]
    return outgoing, incoming


def all_links() -> list[ProcessLink]:
    return list(db.session.scalars(select(ProcessLink).order_by(ProcessLink.id)))


def add_link(source: Process, *, actor: User | None, target: Process | None, label: str) -> ProcessLink:
    """The output of `source` is an input of `target`; a manager of the source's unit records it."""
    if actor is not None:
        access.require_edit_unit_records(actor, source.unit)
    act_as(actor)
    if target is None:
        raise DomainError(_("Choose the procedure that receives this output."), field="target_id")
    if actor is not None and not can_link_to(actor, target):
        raise DomainError(
            _("Only an approved procedure of another unit can be linked; its drafts stay with that unit."),
            field="target_id",
        )
    if target.code == source.code:
        raise DomainError(_("A procedure cannot feed itself."), field="target_id")
    label = (label or "").strip()
    if not label:
        raise DomainError(_("Say what passes from one procedure to the other."), field="label")
    outgoing, _incoming = links_of(source)
    if any(link.target.code == target.code and link.label == label for link in outgoing):
        raise DomainError(_("This link is already recorded."), field="label")
    link = ProcessLink(source=source, target=target, label=label[:300])
    db.session.add(link)
    db.session.flush()
    return link


def delete_link(link: ProcessLink, *, actor: User | None) -> None:
    if actor is not None:
        access.require_edit_unit_records(actor, link.source.unit)
    act_as(actor)
    db.session.delete(link)
    db.session.flush()
