"""Applying a reorganisation in one transaction, and undoing it exactly from its ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from qms.extensions import db
from qms.formatting import fmt_date, fmt_datetime
from qms.models.base import utcnow
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.org import MemberRole, Unit, User
from qms.models.reorganisation import (
    ChangeAction,
    MoveKind,
    Reorganisation,
    ReorganisationChange,
    ReorganisationMove,
    ReorganisationStatus,
)
from qms.services.errors import DomainError, InvalidTransition
from qms.services.history import recorded_as
from qms.services.reorganisation.drafts import _require_reorganiser, validate
from qms.services.reorganisation.kinds import BY_KEY, OWN_KINDS, RecordKind, mapped_class, present, table_of
from qms.services.reorganisation.planning import (
    Plan,
    SourcePlan,
    Successor,
    day_before,
    moving_condition,
)


@dataclass
class ApplyResult:
    changed: bool
    message: str
    moved: int = 0  # records moved
    created: int = 0  # units created
    ended: int = 0  # units ended


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _ledger(reorg: Reorganisation, move: ReorganisationMove | None, **values: Any) -> None:
    db.session.add(
        ReorganisationChange(reorganisation=reorg, move_id=move.id if move is not None else None, **values)
    )


def _set(
    reorg: Reorganisation, move: ReorganisationMove | None, obj: Any, table: str, column: str, value: Any
) -> None:
    old = getattr(obj, column)
    if old == value:
        return
    _ledger(
        reorg,
        move,
        action=ChangeAction.SET.value,
        record_type=table,
        record_id=obj.id,
        column=column,
        old_value=_json(old),
        new_value=_json(value),
    )
    setattr(obj, column, value)


def _move_records(
    plan: Plan, source: SourcePlan, kind: RecordKind, to_unit: int, move: ReorganisationMove
) -> int:
    model = mapped_class(kind)
    t = table_of(kind)
    reorg = plan.reorganisation
    key_col = t.c[kind.key_column]
    ids = list(
        db.session.scalars(select(key_col).where(moving_condition(plan, source, kind)).order_by(key_col))
    )
    if not ids:
        return 0
    column = getattr(model, kind.unit_column)
    key_attr = getattr(model, kind.key_column)
    records = list(db.session.scalars(select(model).where(key_attr.in_(ids), column == source.unit.id)))
    for record in records:
        record_id = getattr(record, kind.key_column)
        _ledger(
            reorg,
            move,
            action=ChangeAction.MOVE.value,
            record_type=kind.table,
            record_id=record_id,
            column=kind.unit_column,
            from_unit_id=source.unit.id,
            to_unit_id=to_unit,
        )
        setattr(record, kind.unit_column, to_unit)
        if kind.key == "membership" and source.demote_managers and record.role == MemberRole.MANAGER:
            _ledger(
                reorg,
                move,
                action=ChangeAction.SET.value,
                record_type=kind.table,
                record_id=record_id,
                column="role",
                from_unit_id=source.unit.id,
                to_unit_id=to_unit,
                old_value=MemberRole.MANAGER.value,
                new_value=MemberRole.MEMBER.value,
            )
            record.role = MemberRole.MEMBER.value
    db.session.flush()
    for record in records:
        db.session.expire(record)
    return len(records)


def apply(reorg: Reorganisation, *, actor: User | None, today: date | None = None) -> ApplyResult:
    """Applies the reorganisation on or after its effective date, all or nothing: open records go to
    the successors, ended units get their last day (the day before) and become inactive, new units start
    on the effective date; the managers of merged or split units become members of the successor. Every
    changed record's history names the reorganisation. An applied one is left as it is."""
    _require_reorganiser(actor)
    if reorg.status == ReorganisationStatus.APPLIED:
        return ApplyResult(
            changed=False,
            message=_(
                "The reorganisation %(basis)s was already applied on %(when)s; nothing changed.",
                basis=reorg.legal_basis,
                when=fmt_datetime(reorg.applied_at),
            ),
        )
    if reorg.status != ReorganisationStatus.DRAFT:
        raise InvalidTransition(
            _("The reorganisation %(basis)s was undone; prepare a new one.", basis=reorg.legal_basis)
        )
    today = today or date.today()
    day = reorg.effective_on
    if day > today:
        raise DomainError(
            _(
                "The reorganisation %(basis)s takes effect on %(date)s: apply it from that day.",
                basis=reorg.legal_basis,
                date=fmt_date(day),
            )
        )
    plan = validate(reorg)
    result = ApplyResult(changed=True, message="")
    with db.session.begin_nested(), recorded_as(reorg.history_context):
        # 1. the new units, from the effective date
        created: dict[str, Unit] = {}
        for code, new in plan.new_units.items():
            unit = Unit(
                code=code, name=new.name, kind=new.kind, parent_id=new.parent_id, active=True, valid_from=day
            )
            db.session.add(unit)
            db.session.flush()
            created[code] = unit
            _ledger(
                reorg,
                None,
                action=ChangeAction.CREATE.value,
                record_type="unit",
                record_id=unit.id,
                to_unit_id=unit.id,
            )
            result.created += 1

        def unit_id_of(successor: Successor) -> int:
            return (
                successor.unit_id if successor.unit_id is not None else created[successor.new_code or ""].id
            )

        # 2. each old unit: its records, then its own end or new parent
        for source in plan.sources:
            move = source.moves[0]
            if source.ends:
                for kind in present(OWN_KINDS):
                    successor = source.successors.get(kind.key)
                    if successor is None or kind.moves is None:
                        continue
                    target_move = next((m for m in source.moves if kind.key in (m.record_kinds or [])), move)
                    result.moved += _move_records(plan, source, kind, unit_id_of(successor), target_move)
                unit = source.unit
                _set(reorg, move, unit, "unit", "valid_until", day_before(day))
                _set(reorg, move, unit, "unit", "active", False)
                result.ended += 1
            elif source.kind == MoveKind.MOVE:
                _set(reorg, move, source.unit, "unit", "parent_id", move.new_parent_id)
            for m in source.moves:
                if m.kind == MoveKind.MOVE:
                    m.result_unit_id = source.unit.id
                elif m.target_unit_id is not None:
                    m.result_unit_id = m.target_unit_id
                elif m.kind == MoveKind.RENAME:
                    m.result_unit_id = created[(m.new_code or source.unit.code)].id
                elif m.new_code:
                    m.result_unit_id = created[m.new_code].id
        for m in reorg.moves:
            if m.kind == MoveKind.CREATE and m.new_code:
                m.result_unit_id = created[m.new_code].id
        reorg.status = ReorganisationStatus.APPLIED.value
        reorg.applied_by_id = actor.id if actor is not None else None  # None: the command line
        reorg.applied_at = utcnow()
        db.session.flush()
    for unit in [s.unit for s in plan.sources] + list(created.values()):
        db.session.expire(unit)
    result.message = _(
        "%(basis)s applied: %(moved)s record(s) moved, %(ended)s unit(s) ended, %(created)s created.",
        basis=reorg.legal_basis,
        moved=result.moved,
        ended=result.ended,
        created=result.created,
    )
    return result


# --- undo ------------------------------------------------------------------------------------------


def _history_key(change: ReorganisationChange) -> str:
    """The record id the history names the moved record by (its primary key as it is after the move)."""
    if change.record_type == "audit_unit":
        return f"{change.record_id}:{change.to_unit_id}"
    return str(change.record_id)


def _changed_since(reorg: Reorganisation) -> str | None:
    """A record the apply changed that has changed since (itself, or a record shown on its page: a
    measurement of a moved objective, an action of a moved finding), named for the message."""
    last = db.session.scalar(
        select(func.max(HistoryEntry.id)).where(HistoryEntry.context == reorg.history_context)
    )
    if last is None:
        return None
    keys: dict[str, set[str]] = {}
    for change in reorg.changes:
        if change.action != ChangeAction.CREATE:
            keys.setdefault(change.record_type, set()).add(_history_key(change))
    for change in reorg.changes:
        if change.action == ChangeAction.CREATE:
            keys.setdefault("unit", set()).add(str(change.record_id))
    for record_type, ids in keys.items():
        if record_type == "unit":  # a unit's own entries only: its records stay with it and may change
            stmt = select(HistoryEntry).where(
                HistoryEntry.id > last, HistoryEntry.record_type == "unit", HistoryEntry.record_id.in_(ids)
            )
        else:
            stmt = (
                select(HistoryEntry)
                .join(HistoryLink, HistoryLink.entry_id == HistoryEntry.id)
                .where(
                    HistoryEntry.id > last,
                    HistoryLink.record_type == record_type,
                    HistoryLink.record_id.in_(ids),
                )
            )
        entry = db.session.scalar(stmt.order_by(HistoryEntry.id).limit(1))
        if entry is not None:
            return f"{entry.record_type} {entry.record_label}".strip()
    return None


def _records_added_to_new_units(reorg: Reorganisation) -> str | None:
    """A record given to a unit the apply created, other than those the apply moved there."""
    created = {c.record_id for c in reorg.changes if c.action == ChangeAction.CREATE}
    if not created:
        return None
    moved_in: dict[str, int] = {}
    for change in reorg.changes:
        if change.action == ChangeAction.MOVE and change.to_unit_id in created:
            moved_in[change.record_type + "." + change.column] = (
                moved_in.get(change.record_type + "." + change.column, 0) + 1
            )
    for kind in present(OWN_KINDS):
        t = table_of(kind)
        there = (
            db.session.scalar(select(func.count()).select_from(t).where(t.c[kind.unit_column].in_(created)))
            or 0
        )
        if there > moved_in.get(kind.table + "." + kind.unit_column, 0):
            return str(kind.label)
    later = db.session.scalar(
        select(Reorganisation.legal_basis)
        .join(ReorganisationMove, ReorganisationMove.reorganisation_id == Reorganisation.id)
        .where(
            Reorganisation.id != reorg.id,
            Reorganisation.status != ReorganisationStatus.UNDONE.value,
            or_(
                ReorganisationMove.source_unit_id.in_(created),
                ReorganisationMove.target_unit_id.in_(created),
                ReorganisationMove.new_parent_id.in_(created),
            ),
        )
        .limit(1)
    )
    return later


def _restore(change: ReorganisationChange) -> Any:
    if change.column in ("valid_until", "valid_from") and isinstance(change.old_value, str):
        return date.fromisoformat(change.old_value)
    return change.old_value


def undo(reorg: Reorganisation, *, actor: User | None) -> Reorganisation:
    """Puts everything back as the ledger says, while nothing the apply changed has changed since;
    units it created are removed. The history of each record names the reorganisation again."""
    _require_reorganiser(actor)
    if reorg.status != ReorganisationStatus.APPLIED:
        raise InvalidTransition(
            _(
                "Only an applied reorganisation can be undone; %(basis)s is %(status)s.",
                basis=reorg.legal_basis,
                status=reorg.status,
            )
        )
    changed = _changed_since(reorg)
    if changed:
        raise DomainError(
            _(
                "%(basis)s cannot be undone: %(record)s has changed since it was applied on %(when)s.",
                basis=reorg.legal_basis,
                record=changed,
                when=fmt_datetime(reorg.applied_at),
            )
        )
    added = _records_added_to_new_units(reorg)
    if added:
        raise DomainError(
            _(
                "%(basis)s cannot be undone: a unit it created now has records of its own (%(what)s).",
                basis=reorg.legal_basis,
                what=added,
            )
        )
    models = {k.table: (k, mapped_class(k)) for k in present()}
    models.setdefault("unit", (BY_KEY["sub_unit"], Unit))
    with db.session.begin_nested(), recorded_as(reorg.history_context):
        creations: list[ReorganisationChange] = []
        for change in sorted(reorg.changes, key=lambda c: c.id, reverse=True):
            if change.action == ChangeAction.CREATE:
                creations.append(change)
                continue
            if change.action == ChangeAction.MOVE:
                kind, model = next(
                    (k, mapped_class(k))
                    for k in present()
                    if k.table == change.record_type and k.unit_column == change.column
                )
                record = db.session.scalar(
                    select(model).where(
                        getattr(model, kind.key_column) == change.record_id,
                        getattr(model, kind.unit_column) == change.to_unit_id,
                    )
                )
                if record is None:
                    raise DomainError(_("A record the reorganisation moved is gone: it cannot be undone."))
                setattr(record, change.column, change.from_unit_id)
            else:
                _kind, model = models[change.record_type]
                record = db.session.get(model, change.record_id)
                if record is None:
                    raise DomainError(_("A record the reorganisation changed is gone: it cannot be undone."))
                setattr(record, change.column, _restore(change))
            db.session.flush()
        for move in reorg.moves:
            move.result_unit_id = None
        db.session.flush()
        for change in creations:
            unit = db.session.get(Unit, change.record_id)
            if unit is not None:
                db.session.delete(unit)
        reorg.status = ReorganisationStatus.UNDONE.value
        reorg.undone_by_id = actor.id if actor is not None else None
        reorg.undone_at = utcnow()
        db.session.flush()
    db.session.expire_all()
    return reorg
