"""Remapping stored ISO 9001:2008 clause references to ISO 9001:2015, one person's decision at a time.

What the transition's pages and documents read from here, and the decisions themselves.

Each kind of record that stores clause references is a *source* (procedures and controlled
documents register here; audits register their scope, checklist items and findings at app start,
so that qms never imports them). A source gives the SQL of its stored 2008 references, one row per
(record, unit, 2008 clause), and knows how to write a decision on its record and take it back.

Counting: on a unit's row a reference counts once for each unit it belongs to (a multi-unit
audit's scope counts on every audited unit's row); the organisation's total counts each distinct
reference (kind, record, 2008 clause) once, so it can be smaller than the sum of the unit rows.

Nothing changes until a person accepts. A reference is *pending* while it still cites its 2008
clause and has no decision in force. Only one decision per reference is in force (a partial unique
index), so two people accepting the same reference at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.base import utcnow
from qms.models.clauses import Clause, ClauseMapping, Edition
from qms.models.documents import ControlledDocument, DocumentClause, DocumentStatus
from qms.models.org import Unit, User
from qms.models.processes import Process, ProcessClause, ProcessStatus
from qms.models.remapping import ClauseRemap, ClauseRemapTarget, RemapKind, RemapMode
from qms.services import access, reference
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as


@dataclass(frozen=True)
class AcceptedReference:
    """A stored 2008 reference a person remapped, as the transition report lists it."""

    kind_label: str  # what holds the reference: "Procedure", "Finding", … (translated)
    record_label: str  # "QT-01 Tiếp nhận hồ sơ", "NC-2018-007"
    clause_2008: str  # "4.2.3"
    clauses_2015: tuple[str, ...]  # ("7.5.2", "7.5.3")
    decided_by: str
    decided_at: datetime
    comment: str


# --- sources ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordInfo:
    """How a record holding references is shown and who owns it."""

    label: str
    link: Callable[[], str]  # its page's URL, built when a page asks (inside a request)
    unit_ids: tuple[int, ...]
    closed: bool = False  # keeps what was written (a closed audit's): a decision annotates it

    @property
    def url(self) -> str:
        return self.link()


@dataclass(frozen=True)
class RemapSource:
    kind: str
    label: Any  # a lazy string: "Procedure"
    # Rows (record_id, unit_id, clause_id) of every 2008 reference still stored, one per unit.
    references: Callable[[], Select[Any]]
    records: Callable[[Collection[int]], dict[int, RecordInfo]]
    # replace(record_id, old 2008 clause, chosen 2015 clauses); restore(record_id, old, keep) where
    # keep maps a 2015 clause id to the 2008 clause of another decision in force that also chose it.
    replace: Callable[[int, Clause, list[Clause]], None]
    restore: Callable[[int, Clause, dict[int, int]], None]
    several: bool  # a link record may cite several 2015 clauses; a finding or checklist item one
    steering_only: bool = False
    order: int = 0


SOURCES: dict[str, RemapSource] = {}


def register_source(source: RemapSource) -> None:
    SOURCES[source.kind] = source


def source_of(kind: str) -> RemapSource:
    source = SOURCES.get(kind)
    if source is None:
        raise NotFound(_("Unknown kind of reference: %(kind)s.", kind=kind))
    return source


def _sources() -> list[RemapSource]:
    return sorted(SOURCES.values(), key=lambda s: s.order)


# --- proposals -------------------------------------------------------------------------------


def proposals(clause_2008_id: int) -> list[ClauseMapping]:
    """The 2015 counterparts the correspondence proposes for a 2008 clause, in catalogue order."""
    return reference.proposals_for_2008(clause_2008_id)


def mapping_status(mapping: ClauseMapping) -> str:
    return mapping.status


def mapping_relation(mapping: ClauseMapping) -> str:
    return mapping.relation


def accepts_in_bulk(mappings: Sequence[ClauseMapping]) -> bool:
    """Equal or one-to-one and not disputed: a person may accept it with others, without a comment."""
    return bool(mappings) and reference.is_one_to_one(list(mappings))


# --- what is pending -------------------------------------------------------------------------


@dataclass
class PendingReference:
    key: str  # "procedure:12:345": kind, record id, 2008 clause id
    kind: str
    kind_label: str
    record_id: int
    record: RecordInfo
    clause_2008: Clause
    proposals: list[ClauseMapping]
    in_bulk: bool
    several: bool
    steering_only: bool
    units: list[Unit] = field(default_factory=list)
    may_decide: bool = False


def reference_key(kind: str, record_id: int, clause_id: int) -> str:
    return f"{kind}:{record_id}:{clause_id}"


def parse_key(key: str) -> tuple[str, int, int]:
    try:
        kind, record_id, clause_id = key.split(":")
        return kind, int(record_id), int(clause_id)
    except ValueError:
        raise NotFound(_("No such reference.")) from None


def _active_decision_for(kind: Any, record_id: Any, clause_id: Any) -> Any:
    return exists().where(
        ClauseRemap.kind == kind,
        ClauseRemap.record_id == record_id,
        ClauseRemap.clause_2008_id == clause_id,
        ClauseRemap.undone_at.is_(None),
    )


def _stored_references() -> Any:
    """Every stored 2008 reference of every source, one row per unit (kind, record, unit, clause)."""
    parts = []
    for source in _sources():
        sq = source.references().subquery()
        parts.append(
            select(
                literal(source.kind).label("kind"),
                sq.c.record_id,
                sq.c.unit_id,
                sq.c.clause_id,
            )
        )
    return union_all(*parts).subquery()


def _pending_rows(unit_ids: Collection[int] | None = None) -> Select[Any]:
    refs = _stored_references()
    stmt = select(refs.c.kind, refs.c.record_id, refs.c.unit_id, refs.c.clause_id).where(
        ~_active_decision_for(refs.c.kind, refs.c.record_id, refs.c.clause_id)
    )
    if unit_ids is not None:
        stmt = stmt.where(refs.c.unit_id.in_(list(unit_ids)))
    return stmt


def references_left(unit_ids: Collection[int] | None = None) -> dict[int, int]:
    """Stored 2008 clause references nobody has decided on yet, per unit id (all units when None).

    A multi-unit audit's scope counts once on each audited unit's row; units with none are left out.
    """
    if not SOURCES:
        return {}
    rows = _pending_rows(unit_ids).subquery()
    stmt = select(rows.c.unit_id, func.count()).group_by(rows.c.unit_id)
    return {unit_id: count for unit_id, count in db.session.execute(stmt) if unit_id is not None}


def references_left_total() -> int:
    """The organisation's total: each distinct reference once (not the sum of the unit rows)."""
    if not SOURCES:
        return 0
    rows = _pending_rows().subquery()
    distinct = select(rows.c.kind, rows.c.record_id, rows.c.clause_id).distinct().subquery()
    return db.session.scalar(select(func.count()).select_from(distinct)) or 0


def pending_references(
    *, actor: User, unit: Unit | None = None, kind: str | None = None
) -> list[PendingReference]:
    """The references still to decide on a unit's screen (or, without a unit, the organisation's)."""
    if unit is None:
        access.require_read_remapping_overview(actor)
    else:
        access.require_read_unit(actor, unit)
    if not SOURCES:
        return []
    rows = db.session.execute(_pending_rows([unit.id] if unit is not None else None)).all()
    grouped: dict[tuple[str, int, int], set[int]] = {}
    for row_kind, record_id, unit_id, clause_id in rows:
        if kind and row_kind != kind:
            continue
        grouped.setdefault((row_kind, record_id, clause_id), set()).add(unit_id)
    by_kind: dict[str, set[int]] = {}
    for row_kind, record_id, _clause_id in grouped:
        by_kind.setdefault(row_kind, set()).add(record_id)
    infos = {k: SOURCES[k].records(ids) for k, ids in by_kind.items()}
    clause_ids = {clause_id for _k, _r, clause_id in grouped}
    clauses = {c.id: c for c in db.session.scalars(select(Clause).where(Clause.id.in_(clause_ids)))}
    proposals_of = {clause_id: proposals(clause_id) for clause_id in clause_ids}
    all_unit_ids = {uid for uids in grouped.values() for uid in uids if uid is not None}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(all_unit_ids)))}
    result = []
    for (row_kind, record_id, clause_id), unit_ids in grouped.items():
        info = infos[row_kind].get(record_id)
        if info is None:
            continue
        source = SOURCES[row_kind]
        mappings = proposals_of[clause_id]
        result.append(
            PendingReference(
                key=reference_key(row_kind, record_id, clause_id),
                kind=row_kind,
                kind_label=str(source.label),
                record_id=record_id,
                record=info,
                clause_2008=clauses[clause_id],
                proposals=mappings,
                in_bulk=accepts_in_bulk(mappings),
                several=source.several,
                steering_only=source.steering_only,
                units=sorted((units[uid] for uid in unit_ids if uid in units), key=lambda u: u.code),
                may_decide=access.can_remap(actor, set(info.unit_ids), steering_only=source.steering_only),
            )
        )
    order = {s.kind: s.order for s in SOURCES.values()}
    result.sort(key=lambda r: (order[r.kind], r.record.label, r.clause_2008.sort_key))
    return result


def pending_reference(key: str, *, actor: User) -> PendingReference:
    """One reference to decide on, with its proposals."""
    kind, record_id, clause_id = parse_key(key)
    source = source_of(kind)
    info = source.records([record_id]).get(record_id)
    clause = db.session.get(Clause, clause_id)
    if info is None or clause is None or clause.edition != Edition.ISO_2008:
        raise NotFound(_("No such reference."))
    access.require_remap(actor, set(info.unit_ids), steering_only=source.steering_only)
    mappings = proposals(clause_id)
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(info.unit_ids)).order_by(Unit.code)))
    return PendingReference(
        key=key,
        kind=kind,
        kind_label=str(source.label),
        record_id=record_id,
        record=info,
        clause_2008=clause,
        proposals=mappings,
        in_bulk=accepts_in_bulk(mappings),
        several=source.several,
        steering_only=source.steering_only,
        units=units,
        may_decide=True,
    )


# --- decisions -------------------------------------------------------------------------------


def _already_remapped(kind: str, record_id: int, clause_id: int) -> DomainError:
    winner = db.session.scalar(
        select(ClauseRemap).where(
            ClauseRemap.kind == kind,
            ClauseRemap.record_id == record_id,
            ClauseRemap.clause_2008_id == clause_id,
            ClauseRemap.undone_at.is_(None),
        )
    )
    if winner is None:
        return DomainError(_("The record no longer cites this clause."))
    return DomainError(
        _(
            "Already remapped by %(name)s on %(date)s.",
            name=winner.decided_by.full_name if winner.decided_by else "",
            date=fmt_date(winner.decided_at),
        )
    )


def _is_stored(source: RemapSource, record_id: int, clause_id: int) -> bool:
    sq = source.references().subquery()
    stmt = select(exists().where(sq.c.record_id == record_id, sq.c.clause_id == clause_id))
    return bool(db.session.scalar(stmt))


def accept(
    key: str,
    *,
    actor: User,
    clause_ids: Sequence[int] | None = None,
    comment: str = "",
    bulk: bool = False,
) -> ClauseRemap:
    """Remap one stored 2008 reference to the chosen 2015 clauses (or, for an equal or one-to-one
    proposal chosen without a choice, to the proposal).

    One-to-many, disputed or missing counterparts need a choice and a comment. A closed audit's
    record keeps its 2008 clause and gains the 2015 equivalent (mode annotate).
    """
    ref = pending_reference(key, actor=actor)
    source = SOURCES[ref.kind]
    comment = (comment or "").strip()
    proposed = [m.clause_2015 for m in ref.proposals if m.clause_2015 is not None]
    chosen_ids = [int(c) for c in (clause_ids or []) if c]
    if chosen_ids:
        chosen = list(db.session.scalars(select(Clause).where(Clause.id.in_(chosen_ids))))
        if len(chosen) != len(set(chosen_ids)) or any(c.edition != Edition.ISO_2015 for c in chosen):
            raise DomainError(_("Choose clauses of ISO 9001:2015 only."), field="clauses")
        if not source.several and len(chosen) != 1:
            raise DomainError(_("Choose exactly one ISO 9001:2015 clause."), field="clauses")
    elif ref.in_bulk:
        chosen = proposed
    else:
        if bulk:
            raise DomainError(
                _(
                    "%(record)s, %(clause)s: this reference needs a person's choice and a comment.",
                    record=ref.record.label,
                    clause=ref.clause_2008.label,
                )
            )
        raise DomainError(_("Choose the ISO 9001:2015 clause(s) this reference becomes."), field="clauses")
    chosen.sort(key=lambda c: c.sort_key)
    as_proposed = ref.in_bulk and {c.id for c in chosen} == {c.id for c in proposed}
    if not as_proposed and not comment:
        raise DomainError(_("Say why you chose these clauses."), field="comment")

    if not _is_stored(source, ref.record_id, ref.clause_2008.id):
        raise _already_remapped(ref.kind, ref.record_id, ref.clause_2008.id)
    act_as(actor)
    decision = ClauseRemap(
        kind=ref.kind,
        record_id=ref.record_id,
        unit_id=ref.record.unit_ids[0]
        if len(ref.record.unit_ids) == 1 and not source.steering_only
        else None,
        clause_2008_id=ref.clause_2008.id,
        mode=RemapMode.ANNOTATE.value if ref.record.closed else RemapMode.REPLACE.value,
        comment=comment,
        decided_by_id=actor.id,
        decided_at=utcnow(),
        targets=[ClauseRemapTarget(clause=c) for c in chosen],
    )
    try:
        with db.session.begin_nested():
            db.session.add(decision)
            db.session.flush()
    except IntegrityError:
        raise _already_remapped(ref.kind, ref.record_id, ref.clause_2008.id) from None
    if decision.mode == RemapMode.REPLACE:
        source.replace(ref.record_id, ref.clause_2008, chosen)
    db.session.flush()
    return decision


def accept_all(keys: Sequence[str], *, actor: User) -> list[ClauseRemap]:
    """Accept equal or one-to-one proposals together: all of them or, on the first refusal, none."""
    keys = list(dict.fromkeys(k for k in keys if k))
    if not keys:
        raise DomainError(_("Select the references to accept."), field="refs")
    decisions = []
    with db.session.begin_nested():
        for key in keys:
            decisions.append(accept(key, actor=actor, bulk=True))
    return decisions


def get_decision(decision_id: int) -> ClauseRemap:
    decision = db.session.get(ClauseRemap, decision_id)
    if decision is None:
        raise NotFound(_("No such decision."))
    return decision


def _decider_units(decision: ClauseRemap, source: RemapSource) -> set[int]:
    info = source.records([decision.record_id]).get(decision.record_id)
    if info is not None:
        return set(info.unit_ids)
    return {decision.unit_id} if decision.unit_id is not None else set()


def may_undo(actor: User | None, decision: ClauseRemap) -> bool:
    source = SOURCES.get(decision.kind)
    if source is None or not decision.is_active:
        return False
    return access.can_remap(actor, _decider_units(decision, source), steering_only=source.steering_only)


def undo(decision: ClauseRemap, *, actor: User) -> ClauseRemap:
    """Take a decision back: the record cites its 2008 clause again, without the 2015 clauses the
    decision added (a clause another decision in force also chose stays, as that decision's)."""
    source = source_of(decision.kind)
    access.require_remap(actor, _decider_units(decision, source), steering_only=source.steering_only)
    if not decision.is_active:
        raise DomainError(_("This decision was already undone."))
    act_as(actor)
    if decision.mode == RemapMode.REPLACE:
        keep: dict[int, int] = {}
        others = db.session.scalars(
            select(ClauseRemap).where(
                ClauseRemap.kind == decision.kind,
                ClauseRemap.record_id == decision.record_id,
                ClauseRemap.id != decision.id,
                ClauseRemap.undone_at.is_(None),
                ClauseRemap.mode == RemapMode.REPLACE.value,
            )
        )
        for other in others:
            for target in other.targets:
                keep.setdefault(target.clause_id, other.clause_2008_id)
        source.restore(decision.record_id, decision.clause_2008, keep)
    decision.undone_by_id = actor.id
    decision.undone_at = utcnow()
    db.session.flush()
    return decision


def decisions_in_force(
    *, actor: User, unit: Unit | None = None, kind: str | None = None, record_id: int | None = None
) -> list[ClauseRemap]:
    """Decisions in force, oldest first: a unit's (with those on the scope and checklists of the
    audits of the unit), or all."""
    if unit is None:
        access.require_read_remapping_overview(actor)
    else:
        access.require_read_unit(actor, unit)
    stmt = select(ClauseRemap).where(ClauseRemap.undone_at.is_(None))
    if kind is not None:
        stmt = stmt.where(ClauseRemap.kind == kind)
    if record_id is not None:
        stmt = stmt.where(ClauseRemap.record_id == record_id)
    if unit is not None:
        return _of_unit(stmt, unit.id)
    return list(db.session.scalars(stmt.order_by(ClauseRemap.decided_at, ClauseRemap.id)))


def _of_unit(stmt: Select[Any], unit_id: int) -> list[ClauseRemap]:
    """A unit's decisions: its own records', and those on the scope or checklist of an audit of the
    unit (stored without a unit: an audit may cover several)."""
    own = stmt.where(or_(ClauseRemap.unit_id == unit_id, ClauseRemap.unit_id.is_(None)))
    decisions = list(db.session.scalars(own.order_by(ClauseRemap.decided_at, ClauseRemap.id)))
    shared: dict[str, set[int]] = {}
    for decision in decisions:
        if decision.unit_id is None:
            shared.setdefault(decision.kind, set()).add(decision.record_id)
    infos = {kind: SOURCES[kind].records(ids) for kind, ids in shared.items() if kind in SOURCES}
    return [
        d
        for d in decisions
        if d.unit_id == unit_id
        or (d.kind in infos and unit_id in getattr(infos[d.kind].get(d.record_id), "unit_ids", ()))
    ]


def record_info(decision: ClauseRemap) -> RecordInfo | None:
    source = SOURCES.get(decision.kind)
    return source.records([decision.record_id]).get(decision.record_id) if source else None


def kind_label(kind: str) -> str:
    source = SOURCES.get(kind)
    return str(source.label) if source else kind


def accepted_for_unit(unit_id: int) -> list[AcceptedReference]:
    """The unit's remapped references in force (undone ones left out), oldest decision first; with
    those on the scope and checklists of the unit's audits."""
    decisions = _of_unit(select(ClauseRemap).where(ClauseRemap.undone_at.is_(None)), unit_id)
    result = []
    for decision in decisions:
        info = record_info(decision)
        result.append(
            AcceptedReference(
                kind_label=kind_label(decision.kind),
                record_label=info.label if info else f"#{decision.record_id}",
                clause_2008=decision.clause_2008.number,
                clauses_2015=tuple(c.number for c in decision.clauses_2015),
                decided_by=decision.decided_by.full_name if decision.decided_by else "",
                decided_at=decision.decided_at,
                comment=decision.comment,
            )
        )
    return result


def remap_url(unit_code: str | None = None) -> str | None:
    """The page listing a unit's (or, with None, the whole organisation's) 2008 references; None outside a
    request (a document or a command has no page to link to)."""
    if not has_request_context():
        return None
    if unit_code is None:
        return url_for("remapping.overview")
    return url_for("remapping.unit_screen", code=unit_code)


# --- how a remapped reference reads ----------------------------------------------------------


def reference_text(
    clause: Clause | None, remapped_from: Clause | None = None, equivalents: Sequence[Clause] = ()
) -> str:
    """ "ISO 9001:2015 6.1 (was 2008 8.5.3)" for a remapped reference; "ISO 9001:2008 8.5.3 (2015: 6.1)"
    for a kept 2008 one with its equivalent; the clause's label otherwise."""
    if clause is None:
        return ""
    if remapped_from is not None:
        return _("%(clause)s (was 2008 %(number)s)", clause=clause.label, number=remapped_from.number)
    if equivalents:
        numbers = ", ".join(c.number for c in sorted(equivalents, key=lambda c: c.sort_key))
        return _("%(clause)s (2015: %(numbers)s)", clause=clause.label, numbers=numbers)
    return clause.label


def equivalents(kind: str, record_ids: Collection[int]) -> dict[tuple[int, int], list[Clause]]:
    """The 2015 equivalents that decisions in force gave to kept 2008 references, by (record, 2008 clause)."""
    if not record_ids:
        return {}
    rows = db.session.execute(
        select(ClauseRemap.record_id, ClauseRemap.clause_2008_id, Clause)
        .join(ClauseRemapTarget, ClauseRemapTarget.remap_id == ClauseRemap.id)
        .join(Clause, Clause.id == ClauseRemapTarget.clause_id)
        .where(
            ClauseRemap.kind == kind,
            ClauseRemap.record_id.in_(list(record_ids)),
            ClauseRemap.undone_at.is_(None),
            ClauseRemap.mode == RemapMode.ANNOTATE.value,
        )
    )
    result: dict[tuple[int, int], list[Clause]] = {}
    for record_id, clause_id, clause in rows:
        result.setdefault((record_id, clause_id), []).append(clause)
    return result


def equivalents_of(
    kind: str, references: Iterable[tuple[int, Clause | None]]
) -> dict[tuple[int, int], list[Clause]]:
    """`equivalents()` of those (record id, clause) references still citing a 2008 clause — only a 2008
    clause can carry a 2015 equivalent beside it; no query when none does."""
    ids = {
        record_id
        for record_id, clause in references
        if clause is not None and clause.edition == Edition.ISO_2008
    }
    return equivalents(kind, ids) if ids else {}


def clause_ref(
    row: Any,
    kind: str | None = None,
    record_id: int | None = None,
    known: dict[tuple[int, int], list[Clause]] | None = None,
) -> str:
    """A stored reference (a clause link, checklist item or finding) as the record shows it. A list of
    many passes `known`, the `equivalents()` of all its records read at once."""
    clause = getattr(row, "clause", None)
    remapped_from = getattr(row, "remapped_from", None)
    if clause is None:
        return ""
    found: list[Clause] = []
    if (
        remapped_from is None
        and kind is not None
        and record_id is not None
        and clause.edition == Edition.ISO_2008
    ):
        lookup = known if known is not None else equivalents(kind, [record_id])
        found = lookup.get((record_id, clause.id), [])
    return reference_text(clause, remapped_from, found)


# --- the quality system's own sources: procedures and controlled documents --------------------


def _replace_links(model: Any, owner: str, record_id: int, old: Clause, new: list[Clause]) -> None:
    row = db.session.get(model, {owner: record_id, "clause_id": old.id})
    if row is not None:
        db.session.delete(row)
    db.session.flush()
    for clause in new:
        if db.session.get(model, {owner: record_id, "clause_id": clause.id}) is None:
            db.session.add(model(**{owner: record_id}, clause_id=clause.id, remapped_from_id=old.id))
    db.session.flush()


def _restore_links(model: Any, owner: str, record_id: int, old: Clause, keep: dict[int, int]) -> None:
    rows = db.session.scalars(
        select(model).where(getattr(model, owner) == record_id, model.remapped_from_id == old.id)
    )
    for row in rows:
        if row.clause_id in keep:
            row.remapped_from_id = keep[row.clause_id]
        else:
            db.session.delete(row)
    db.session.flush()
    if db.session.get(model, {owner: record_id, "clause_id": old.id}) is None:
        db.session.add(model(**{owner: record_id}, clause_id=old.id))
    db.session.flush()


def _expire(model: Any, record_id: int) -> None:
    record = db.session.get(model, record_id)
    if record is not None:
        db.session.expire(record, ["clause_links"])


def _procedure_references() -> Select[Any]:
    return (
        select(
            ProcessClause.process_id.label("record_id"),
            Process.unit_id.label("unit_id"),
            ProcessClause.clause_id.label("clause_id"),
        )
        .join(Process, Process.id == ProcessClause.process_id)
        .join(Clause, Clause.id == ProcessClause.clause_id)
        .where(Clause.edition == Edition.ISO_2008.value, Process.status != ProcessStatus.SUPERSEDED.value)
    )


def _procedure_records(ids: Collection[int]) -> dict[int, RecordInfo]:
    rows = db.session.scalars(select(Process).where(Process.id.in_(list(ids))))
    return {
        p.id: RecordInfo(
            label=f"{p.code} {p.title} (v{p.version})",
            link=partial(url_for, "processes.show", process_id=p.id),
            unit_ids=(p.unit_id,),
        )
        for p in rows
    }


def _procedure_replace(record_id: int, old: Clause, new: list[Clause]) -> None:
    _replace_links(ProcessClause, "process_id", record_id, old, new)
    _expire(Process, record_id)


def _procedure_restore(record_id: int, old: Clause, keep: dict[int, int]) -> None:
    _restore_links(ProcessClause, "process_id", record_id, old, keep)
    _expire(Process, record_id)


def _document_references() -> Select[Any]:
    return (
        select(
            DocumentClause.document_id.label("record_id"),
            ControlledDocument.unit_id.label("unit_id"),
            DocumentClause.clause_id.label("clause_id"),
        )
        .join(ControlledDocument, ControlledDocument.id == DocumentClause.document_id)
        .join(Clause, Clause.id == DocumentClause.clause_id)
        .where(
            Clause.edition == Edition.ISO_2008.value,
            ControlledDocument.status.in_([DocumentStatus.DRAFT.value, DocumentStatus.IN_FORCE.value]),
        )
    )


def _document_records(ids: Collection[int]) -> dict[int, RecordInfo]:
    rows = db.session.scalars(select(ControlledDocument).where(ControlledDocument.id.in_(list(ids))))
    return {
        d.id: RecordInfo(
            label=f"{d.code} {d.title}",
            link=partial(url_for, "documents.show", document_id=d.id),
            unit_ids=(d.unit_id,),
        )
        for d in rows
    }


def _document_replace(record_id: int, old: Clause, new: list[Clause]) -> None:
    _replace_links(DocumentClause, "document_id", record_id, old, new)
    _expire(ControlledDocument, record_id)


def _document_restore(record_id: int, old: Clause, keep: dict[int, int]) -> None:
    _restore_links(DocumentClause, "document_id", record_id, old, keep)
    _expire(ControlledDocument, record_id)


register_source(
    RemapSource(
        kind=RemapKind.PROCEDURE.value,
        label=_l("Procedure"),
        references=_procedure_references,
        records=_procedure_records,
        replace=_procedure_replace,
        restore=_procedure_restore,
        several=True,
        order=10,
    )
)
register_source(
    RemapSource(
        kind=RemapKind.DOCUMENT.value,
        label=_l("Controlled document"),
        references=_document_references,
        records=_document_records,
        replace=_document_replace,
        restore=_document_restore,
        several=True,
        order=20,
    )
)
