"""Kinds of evidence a gap item links to, as a registry: qms registers its own registers and records;
another package (audits) registers its kinds at app start; a management review can be added the same way.

A *register* kind (context issues, interested parties, risks, objectives of a year) attaches the
unit's register with its count at that moment; a *record* kind (procedure, document, audit) attaches a
record chosen from the unit's records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from qms.extensions import db
from qms.models.documents import ControlledDocument, DocumentStatus
from qms.models.objectives import Objective
from qms.models.org import Unit
from qms.models.risks import ContextIssue, InterestedParty, Risk
from qms.models.transition import TransitionEvidence

FILE = "file"


@dataclass(frozen=True)
class EvidenceKind:
    """`current(unit)` → (count, record id or None) for a register; `describe(count, record_id)` says it
    ("6 risks and opportunities recorded"); `choices(unit)` → [(record id, label)] for a record kind;
    `url(record_id, unit)` → where the evidence is shown, or None."""

    key: str
    label: Any
    current: Callable[[Unit], tuple[int, int | None]] | None = None
    describe: Callable[[int, int | None], str] | None = None
    choices: Callable[[Unit], list[tuple[int, str]]] | None = None
    url: Callable[[int | None, Unit], str | None] | None = None

    @property
    def is_register(self) -> bool:
        return self.current is not None


_KINDS: dict[str, EvidenceKind] = {}


def register_evidence_kind(kind: EvidenceKind) -> None:
    """Add (or replace) a kind of evidence; called at app start by the packages that own the records."""
    _KINDS[kind.key] = kind


def evidence_kind(key: str) -> EvidenceKind | None:
    return _KINDS.get(key)


def evidence_kinds() -> list[EvidenceKind]:
    return list(_KINDS.values())


def kind_label(key: str) -> str:
    if key == FILE:
        return _("Uploaded file")
    kind = _KINDS.get(key)
    return str(kind.label) if kind is not None else key


def evidence_text(evidence: TransitionEvidence) -> str:
    """What the evidence is, in the reader's language: a register with its count when attached, the
    record's label, or the file's name."""
    kind = _KINDS.get(evidence.kind)
    if kind is not None and kind.describe is not None and evidence.record_count is not None:
        return kind.describe(evidence.record_count, evidence.record_id)
    return evidence.label or evidence.file_name


def evidence_url(evidence: TransitionEvidence, unit: Unit) -> str | None:
    if evidence.kind == FILE:
        return url_for("transition.evidence_file", evidence_id=evidence.id)
    kind = _KINDS.get(evidence.kind)
    if kind is None or kind.url is None:
        return None
    return kind.url(evidence.record_id, unit)


# --- the kinds qms owns ---------------------------------------------------------------------------


def _count(model: type, unit: Unit) -> tuple[int, int | None]:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.unit_id == unit.id)
    ) or 0, None


def _objectives_now(unit: Unit) -> tuple[int, int | None]:
    year = db.session.scalar(select(func.max(Objective.year)).where(Objective.unit_id == unit.id))
    if year is None:
        return 0, None
    count = db.session.scalar(
        select(func.count(Objective.id)).where(Objective.unit_id == unit.id, Objective.year == year)
    )
    return count or 0, year


def _procedures(unit: Unit) -> list[tuple[int, str]]:
    from qms.services import processes

    return [(p.id, f"{p.code} v{p.version} — {p.title}") for p in processes.current_processes({unit.id})]


def _documents(unit: Unit) -> list[tuple[int, str]]:
    stmt = (
        select(ControlledDocument)
        .where(
            ControlledDocument.unit_id == unit.id,
            ControlledDocument.status.in_([DocumentStatus.DRAFT.value, DocumentStatus.IN_FORCE.value]),
        )
        .order_by(ControlledDocument.code, ControlledDocument.revision.desc())
    )
    return [(d.id, f"{d.code} rev. {d.revision} — {d.title}") for d in db.session.scalars(stmt)]


def _context_url(_record_id: int | None, unit: Unit) -> str:
    return url_for("risks.show", unit_id=unit.id)


def register_builtin_kinds() -> None:
    register_evidence_kind(
        EvidenceKind(
            "context",
            _l("Context issues"),
            current=lambda unit: _count(ContextIssue, unit),
            describe=lambda n, _r: _("%(count)s context issues recorded", count=n),
            url=_context_url,
        )
    )
    register_evidence_kind(
        EvidenceKind(
            "parties",
            _l("Interested parties"),
            current=lambda unit: _count(InterestedParty, unit),
            describe=lambda n, _r: _("%(count)s interested parties recorded", count=n),
            url=_context_url,
        )
    )
    register_evidence_kind(
        EvidenceKind(
            "risks",
            _l("Risks and opportunities"),
            current=lambda unit: _count(Risk, unit),
            describe=lambda n, _r: _("%(count)s risks and opportunities recorded", count=n),
            url=_context_url,
        )
    )
    register_evidence_kind(
        EvidenceKind(
            "objectives",
            _l("Quality objectives"),
            current=_objectives_now,
            describe=lambda n, year: _(
                "%(count)s quality objectives of %(year)s with their plans", count=n, year=year
            ),
            url=lambda year, unit: url_for("objectives.index", unit_id=unit.id, year=year),
        )
    )
    register_evidence_kind(
        EvidenceKind(
            "procedure",
            _l("Procedure"),
            choices=_procedures,
            url=lambda record_id, _unit: url_for("processes.show", process_id=record_id),
        )
    )
    register_evidence_kind(
        EvidenceKind(
            "document",
            _l("Controlled document"),
            choices=_documents,
            url=lambda record_id, _unit: url_for("documents.show", document_id=record_id),
        )
    )


register_builtin_kinds()


@dataclass(frozen=True)
class Proposal:
    """Evidence the unit already holds for an item: a register with its count, or records to choose."""

    kind: EvidenceKind
    text: str = ""
    choices: tuple[tuple[int, str], ...] = ()


def proposals_for(
    evidence_keys: tuple[str, ...], unit: Unit, attached: set[tuple[str, int | None]]
) -> list[Proposal]:
    """What can be attached in one click: registers with at least one record not attached yet with that
    count, and record kinds with records of the unit not attached yet."""
    found: list[Proposal] = []
    for key in evidence_keys:
        kind = _KINDS.get(key)
        if kind is None:
            continue
        if kind.current is not None and kind.describe is not None:
            count, record_id = kind.current(unit)
            if count > 0:
                found.append(Proposal(kind, text=kind.describe(count, record_id)))
        elif kind.choices is not None:
            options = tuple(c for c in kind.choices(unit) if (key, c[0]) not in attached)
            if options:
                found.append(Proposal(kind, choices=options))
    return found
