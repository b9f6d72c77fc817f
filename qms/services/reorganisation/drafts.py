"""Preparing a reorganisation: the record of the legal act and its moves, editable while a draft."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from qms.extensions import db
from qms.models.org import Unit, UnitKind, User
from qms.models.reorganisation import MoveKind, Reorganisation, ReorganisationMove, ReorganisationStatus
from qms.services import access, org
from qms.services.errors import DomainError, InvalidTransition
from qms.services.history import act_as
from qms.services.reorganisation.kinds import OWN_KINDS
from qms.services.reorganisation.planning import Plan, ReorganisationRefused, problems_of, unit_name


def _require_reorganiser(actor: User | None) -> None:
    """The acting user may reorganise (qms/services/access.py); None is the command line."""
    if actor is not None:
        access.require_reorganise(actor)
    act_as(actor)


def require_draft(reorg: Reorganisation) -> None:
    if reorg.status != ReorganisationStatus.DRAFT:
        raise InvalidTransition(
            _(
                "The reorganisation %(basis)s is %(status)s: only a draft changes.",
                basis=reorg.legal_basis,
                status=reorg.status,
            )
        )


def get(reorg_id: int) -> Reorganisation | None:
    return db.session.get(Reorganisation, reorg_id)


def all_reorganisations() -> list[Reorganisation]:
    return list(
        db.session.scalars(select(Reorganisation).order_by(Reorganisation.effective_on, Reorganisation.id))
    )


def _check_act(legal_basis: str, effective_on: date, legal_act_date: date | None) -> None:
    if not legal_basis.strip():
        raise DomainError(_("Name the legal act the reorganisation follows."), field="legal_basis")
    if legal_act_date is not None and legal_act_date > effective_on:
        raise DomainError(_("The legal act is dated after the day it takes effect."), field="legal_act_date")


def move_counts() -> dict[int, int]:
    """The number of moves of each reorganisation, counted in SQL."""
    rows = db.session.execute(
        select(ReorganisationMove.reorganisation_id, func.count(ReorganisationMove.id)).group_by(
            ReorganisationMove.reorganisation_id
        )
    )
    return {reorg_id: n for reorg_id, n in rows}


def create(
    *,
    actor: User | None,
    legal_basis: str,
    effective_on: date,
    legal_act_date: date | None = None,
    note: str = "",
) -> Reorganisation:
    """A draft reorganisation set by a legal act (e.g. Nghị quyết 1196/NQ-UBTVQH15) from its date."""
    _require_reorganiser(actor)
    _check_act(legal_basis, effective_on, legal_act_date)
    reorg = Reorganisation(
        legal_basis=legal_basis.strip(),
        legal_act_date=legal_act_date,
        effective_on=effective_on,
        note=note.strip(),
        status=ReorganisationStatus.DRAFT.value,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(reorg)
    db.session.flush()
    return reorg


def update(
    reorg: Reorganisation,
    *,
    actor: User | None,
    legal_basis: str,
    effective_on: date,
    legal_act_date: date | None = None,
    note: str = "",
) -> Reorganisation:
    """A draft's legal act, dates and note, changed."""
    _require_reorganiser(actor)
    require_draft(reorg)
    _check_act(legal_basis, effective_on, legal_act_date)
    reorg.legal_basis = legal_basis.strip()
    reorg.legal_act_date = legal_act_date
    reorg.effective_on = effective_on
    reorg.note = note.strip()
    db.session.flush()
    return reorg


def _clean_code(code: str | None) -> str | None:
    if code is None or not code.strip():
        return None
    code = code.strip().upper()
    if not org.CODE_RE.match(code):
        raise DomainError(
            _("A code is 1 to 40 capital letters, digits, '-', '_' or '.', e.g. P-TNMT."), field="new_code"
        )
    return code


def add_move(
    reorg: Reorganisation,
    *,
    actor: User | None,
    kind: str,
    source: Unit | None = None,
    target: Unit | None = None,
    new_code: str | None = None,
    new_name: str | None = None,
    new_kind: str | None = None,
    new_parent: Unit | None = None,
    record_kinds: Iterable[str] = (),
) -> ReorganisationMove:
    """One move of a draft.

    - merge: `source` ends; its open records go to `target` or to a new unit (`new_code`, `new_name`,
      `new_kind`, `new_parent`);
    - split: one move per successor, `record_kinds` naming the kinds of record that successor receives;
    - rename: `source` ends and a new unit with `new_code` and/or `new_name` (other attributes as the
      source's unless given) continues it;
    - move: `source` goes under `new_parent`;
    - end: `source` ends with nothing open;
    - create: a new unit (`new_code`, `new_name`, `new_kind`, `new_parent`).
    """
    _require_reorganiser(actor)
    require_draft(reorg)
    if kind not in set(MoveKind):
        raise DomainError(_("Unknown kind of move: %(kind)s.", kind=kind), field="kind")
    code = _clean_code(new_code)
    name = new_name.strip() if new_name and new_name.strip() else None
    if new_kind is not None and new_kind not in set(UnitKind):
        raise DomainError(_("Unknown kind of unit: %(kind)s.", kind=new_kind), field="new_kind")
    if (kind == MoveKind.CREATE) != (source is None):
        raise DomainError(_("A new unit has no source; every other move starts from a unit."), field="source")
    if target is not None and code is not None:
        raise DomainError(_("Choose an existing successor or describe a new one, not both."), field="target")
    if source is not None and target is not None and source.id == target.id:
        raise DomainError(_("A unit cannot be its own successor."), field="target")
    wants_new = kind == MoveKind.CREATE or (kind in (MoveKind.MERGE, MoveKind.SPLIT) and target is None)
    if wants_new and not (code and name and new_kind):
        raise DomainError(
            _("Give the successor, or the code, name and kind of the new unit."), field="new_code"
        )
    if kind == MoveKind.RENAME and source is not None:
        if target is not None or not (code or name):
            raise DomainError(_("A rename gives a new code or a new name."), field="new_code")
        if (code or source.code) == source.code and (name or source.name) == source.name:
            raise DomainError(_("The new code and name are those of %(unit)s.", unit=unit_name(source)))
    if kind == MoveKind.MOVE:
        if new_parent is None or target is not None or code is not None:
            raise DomainError(_("A move names the new parent only."), field="new_parent")
        if source is not None and new_parent.id == source.parent_id:
            raise DomainError(_("%(unit)s is already there.", unit=unit_name(source)), field="new_parent")
    if kind == MoveKind.END and (target is not None or code is not None):
        raise DomainError(_("A unit that ends has no successor: merge it instead."), field="target")
    kinds = list(dict.fromkeys(record_kinds))
    known = {k.key for k in OWN_KINDS}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise DomainError(
            _("Unknown kind of record: %(kind)s.", kind=", ".join(unknown)), field="record_kinds"
        )
    if kinds and kind != MoveKind.SPLIT:
        raise DomainError(_("Only a split gives kinds of record to a successor."), field="record_kinds")
    if kind == MoveKind.SPLIT and not kinds:
        raise DomainError(_("Name the kinds of record this successor receives."), field="record_kinds")
    move = ReorganisationMove(
        reorganisation=reorg,
        kind=kind,
        source_unit=source,
        target_unit=target,
        new_code=code,
        new_name=name,
        new_kind=new_kind,
        new_parent=new_parent,
        record_kinds=kinds,
    )
    db.session.add(move)
    db.session.flush()
    return move


def remove_move(move: ReorganisationMove, *, actor: User | None) -> None:
    _require_reorganiser(actor)
    reorg = move.reorganisation
    require_draft(reorg)
    reorg.moves.remove(move)
    db.session.flush()


def validate(reorg: Reorganisation) -> Plan:
    """Refuses, naming the unit and date, a reorganisation that cannot be applied: a move from a unit
    that had ended, a successor or parent that does not exist on the effective date, open records with
    no successor, a cycle in the new tree, a unit moved twice on one date (in this reorganisation or an
    applied one), an effective date not after a unit's start, a code another unit holds on that date.
    Returns the plan when nothing stands in the way."""
    plan, _tally, problems = problems_of(reorg)
    if problems:
        raise ReorganisationRefused(problems)
    return plan
