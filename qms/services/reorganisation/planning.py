"""What a reorganisation will do, worked out from its moves: the successor of each kind of record of each
old unit, the units to create, the counts (in SQL) and every reason to refuse it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, func, select

from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.org import Unit
from qms.models.reorganisation import (
    ENDING_KINDS,
    MoveKind,
    Reorganisation,
    ReorganisationMove,
    ReorganisationStatus,
)
from qms.services import org
from qms.services.errors import DomainError
from qms.services.reorganisation.kinds import BY_KEY, OWN_KINDS, RecordKind, Scope, present, table_of


class ReorganisationRefused(DomainError):
    """The reorganisation cannot be applied as it stands; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Successor:
    """Where records go: an existing unit, or the unit of that code the apply creates."""

    unit_id: int | None = None
    new_code: str | None = None

    @property
    def node(self) -> int | str:
        return self.unit_id if self.unit_id is not None else f"new:{self.new_code}"


@dataclass
class NewUnit:
    code: str
    name: str
    kind: str
    parent_id: int | None


@dataclass
class SourcePlan:
    unit: Unit
    kind: str  # the move kind (every move of a split source is a split)
    moves: list[ReorganisationMove]
    successors: dict[str, Successor]  # own record kind → its successor; absent: the records stay
    demote_managers: bool

    @property
    def ends(self) -> bool:
        return self.kind in ENDING_KINDS


@dataclass
class Plan:
    reorganisation: Reorganisation
    scope: Scope
    sources: list[SourcePlan]
    new_units: dict[str, NewUnit]
    problems: list[str] = field(default_factory=list)

    def successor_for(self, source: SourcePlan, kind: RecordKind) -> Successor | None:
        own = BY_KEY[kind.follows] if kind.follows else kind
        return source.successors.get(own.key)


def unit_name(unit: Unit) -> str:
    return f"{unit.code} — {unit.name}"


def day_before(day: date) -> date:
    return day - timedelta(days=1)


def _new_unit_of(move: ReorganisationMove) -> NewUnit | None:
    source = move.source_unit
    if move.kind == MoveKind.RENAME and source is not None:
        return NewUnit(
            code=(move.new_code or source.code),
            name=(move.new_name or source.name),
            kind=(move.new_kind or source.kind),
            parent_id=move.new_parent_id if move.new_parent_id is not None else source.parent_id,
        )
    if move.new_code and move.kind in (MoveKind.MERGE, MoveKind.SPLIT, MoveKind.CREATE):
        return NewUnit(
            code=move.new_code,
            name=move.new_name or "",
            kind=move.new_kind or "",
            parent_id=move.new_parent_id,
        )
    return None


def _successor_of(move: ReorganisationMove, new: NewUnit | None) -> Successor | None:
    if move.target_unit_id is not None:
        return Successor(unit_id=move.target_unit_id)
    if new is not None:
        return Successor(new_code=new.code)
    return None


def build(reorg: Reorganisation) -> Plan:
    """The plan of a reorganisation; what cannot be planned is listed in `problems`."""
    day = reorg.effective_on
    problems: list[str] = []
    new_units: dict[str, NewUnit] = {}
    by_source: dict[int, list[ReorganisationMove]] = defaultdict(list)
    order: list[int] = []
    for move in reorg.moves:
        new = _new_unit_of(move)
        if new is not None:
            known = new_units.setdefault(new.code, new)
            if known != new:
                problems.append(
                    _(
                        "The new unit %(code)s is described differently by two moves: give it the same "
                        "name, kind and parent in each.",
                        code=new.code,
                    )
                )
        if move.source_unit_id is not None:
            if move.source_unit_id not in by_source:
                order.append(move.source_unit_id)
            by_source[move.source_unit_id].append(move)

    sources: list[SourcePlan] = []
    for unit_id in order:
        moves = by_source[unit_id]
        unit = moves[0].source_unit
        assert unit is not None
        kinds = {m.kind for m in moves}
        if len(moves) > 1 and kinds != {MoveKind.SPLIT}:
            problems.append(
                _(
                    "%(unit)s is moved more than once on %(date)s.",
                    unit=unit_name(unit),
                    date=fmt_date(day),
                )
            )
        kind = moves[0].kind
        successors: dict[str, Successor] = {}
        if kind in (MoveKind.MERGE, MoveKind.RENAME):
            successor = _successor_of(moves[0], _new_unit_of(moves[0]))
            if successor is not None:
                successors = {k.key: successor for k in OWN_KINDS}
        elif kind == MoveKind.SPLIT:
            for move in moves:
                successor = _successor_of(move, _new_unit_of(move))
                for key in move.record_kinds or []:
                    if key in successors:
                        problems.append(
                            _(
                                "%(unit)s: %(kind)s are given to two successors.",
                                unit=unit_name(unit),
                                kind=BY_KEY[key].label,
                            )
                        )
                    elif successor is not None:
                        successors[key] = successor
        sources.append(
            SourcePlan(
                unit=unit,
                kind=kind,
                moves=moves,
                successors=successors,
                demote_managers=kind in (MoveKind.MERGE, MoveKind.SPLIT),
            )
        )
    ending = frozenset(s.unit.id for s in sources if s.ends)
    return Plan(
        reorganisation=reorg,
        scope=Scope(effective_on=day, ending_unit_ids=ending),
        sources=sources,
        new_units=new_units,
        problems=problems,
    )


# --- counting, in SQL --------------------------------------------------------------------------


@dataclass
class Count:
    total: int = 0  # records of the kind at the old unit
    open: int = 0  # those the rule moves
    moving: int = 0  # those that do move (to a successor, not already there)


def already_at(plan: Plan, source: SourcePlan, kind: RecordKind) -> list[int]:
    """Units where a record the successor would receive twice already is: the successor and the
    sources before this one going to the same successor."""
    successor = plan.successor_for(source, kind)
    if successor is None:
        return []
    ids = [successor.unit_id] if successor.unit_id is not None else []
    for earlier in plan.sources:
        if earlier is source:
            break
        if plan.successor_for(earlier, kind) == successor:
            ids.append(earlier.unit.id)
    return ids


def moving_condition(plan: Plan, source: SourcePlan, kind: RecordKind) -> ColumnElement[bool]:
    """The records of an own kind that move from the source: the kind's rule, less the records the
    successor already has (for the kinds that keep those where they are)."""
    assert kind.moves is not None and kind.follows is None
    t = table_of(kind)
    condition = and_(t.c[kind.unit_column] == source.unit.id, kind.moves(t, plan.scope))
    blocking = already_at(plan, source, kind) if kind.on_clash == "stay" and kind.unique_with else []
    if blocking:
        other = t.alias()
        condition = and_(
            condition,
            ~exists().where(
                other.c[kind.unit_column].in_(blocking), *[other.c[c] == t.c[c] for c in kind.unique_with]
            ),
        )
    return condition


def _grouped(stmt: Any) -> dict[int, int]:
    return {unit_id: n for unit_id, n in db.session.execute(stmt)}


def counts(plan: Plan) -> dict[tuple[int, str], Count]:
    """For each old unit and record kind: how many records, how many the rule moves, how many move.
    GROUP BY queries; nothing is loaded."""
    ids = [s.unit.id for s in plan.sources]
    result: dict[tuple[int, str], Count] = {}
    if not ids:
        return result
    for kind in present():
        own = BY_KEY[kind.follows] if kind.follows else kind
        owner = table_of(own)
        unit_col = owner.c[own.unit_column]
        base = select(unit_col, func.count()).select_from(owner)
        if kind.follows:
            t = table_of(kind)
            base = select(unit_col, func.count()).select_from(
                t.join(owner, t.c[kind.via] == owner.c[own.key_column])
            )
        totals = _grouped(base.where(unit_col.in_(ids)).group_by(unit_col))
        opens: dict[int, int] = {}
        if own.moves is not None:
            opens = _grouped(base.where(unit_col.in_(ids), own.moves(owner, plan.scope)).group_by(unit_col))
        for source in plan.sources:
            uid = source.unit.id
            count = Count(total=totals.get(uid, 0), open=opens.get(uid, 0))
            if count.open and source.ends and plan.successor_for(source, kind) is not None:
                if own.on_clash == "stay" and own.unique_with and not kind.follows:
                    count.moving = (
                        db.session.scalar(
                            select(func.count()).select_from(owner).where(moving_condition(plan, source, own))
                        )
                        or 0
                    )
                else:
                    count.moving = count.open
            result[(uid, kind.key)] = count
    return result


# --- the reasons to refuse -----------------------------------------------------------------------


def _unit_label(unit_id: int) -> str:
    unit = db.session.get(Unit, unit_id)
    return unit_name(unit) if unit is not None else f"#{unit_id}"


def _check_dates(plan: Plan, problems: list[str]) -> None:
    day = plan.scope.effective_on
    for source in plan.sources:
        unit = source.unit
        if unit.valid_until is not None and unit.valid_until < day:
            problems.append(
                _(
                    "%(unit)s ended on %(ended)s, before the effective date %(date)s.",
                    unit=unit_name(unit),
                    ended=fmt_date(unit.valid_until),
                    date=fmt_date(day),
                )
            )
        if unit.valid_from is not None and day <= unit.valid_from:
            problems.append(
                _(
                    "The effective date %(date)s is not after the day %(unit)s started (%(start)s).",
                    unit=unit_name(unit),
                    date=fmt_date(day),
                    start=fmt_date(unit.valid_from),
                )
            )
    for move in plan.reorganisation.moves:
        for unit, parent in ((move.target_unit, False), (move.new_parent, True)):
            if unit is None:
                continue
            if not unit.valid_on(day) or unit.id in plan.scope.ending_unit_ids:
                where = {"unit": unit_name(unit), "date": fmt_date(day)}
                if parent:
                    problems.append(_("The new parent %(unit)s does not exist on %(date)s.", **where))
                else:
                    problems.append(_("The successor %(unit)s does not exist on %(date)s.", **where))


def _check_other_reorganisations(plan: Plan, problems: list[str]) -> None:
    reorg = plan.reorganisation
    ids = [s.unit.id for s in plan.sources]
    if not ids:
        return
    rows = db.session.execute(
        select(ReorganisationMove.source_unit_id, Reorganisation.legal_basis)
        .join(Reorganisation, Reorganisation.id == ReorganisationMove.reorganisation_id)
        .where(
            ReorganisationMove.source_unit_id.in_(ids),
            Reorganisation.id != reorg.id,
            Reorganisation.status == ReorganisationStatus.APPLIED.value,
            Reorganisation.effective_on == reorg.effective_on,
        )
    )
    for unit_id, basis in rows:
        problems.append(
            _(
                "%(unit)s is already moved on %(date)s by %(basis)s.",
                unit=_unit_label(unit_id),
                date=fmt_date(reorg.effective_on),
                basis=basis,
            )
        )


def _check_successors(plan: Plan, tally: dict[tuple[int, str], Count], problems: list[str]) -> None:
    day = plan.scope.effective_on
    for source in plan.sources:
        if not source.ends:
            continue
        for kind in present(OWN_KINDS):
            count = tally.get((source.unit.id, kind.key), Count())
            if kind.needs_successor and count.open and kind.key not in source.successors:
                problems.append(
                    _(
                        "%(unit)s ends on %(date)s with %(n)s open record(s) of %(kind)s and no successor "
                        "for them.",
                        unit=unit_name(source.unit),
                        date=fmt_date(day_before(day)),
                        n=count.open,
                        kind=kind.label,
                    )
                )


def _check_new_codes(plan: Plan, problems: list[str]) -> None:
    day = plan.scope.effective_on
    for new in plan.new_units.values():
        if not org.CODE_RE.match(new.code) or not new.name.strip() or not new.kind:
            problems.append(_("The new unit %(code)s needs a valid code, a name and a kind.", code=new.code))
            continue
        clash = db.session.scalar(
            select(Unit)
            .where(
                Unit.code == new.code,
                Unit.id.not_in(plan.scope.ending_unit_ids) if plan.scope.ending_unit_ids else True,
                (Unit.valid_until.is_(None)) | (Unit.valid_until >= day),
            )
            .limit(1)
        )
        if clash is not None:
            problems.append(
                _(
                    "The code %(code)s is used by %(unit)s on %(date)s.",
                    code=new.code,
                    unit=unit_name(clash),
                    date=fmt_date(day),
                )
            )


def _check_tree(plan: Plan, problems: list[str]) -> None:
    """No cycle in the tree as it will be on the effective date."""
    day = plan.scope.effective_on
    ending = plan.scope.ending_unit_ids
    parent: dict[int | str, int | str | None] = {
        uid: pid for uid, pid in db.session.execute(select(Unit.id, Unit.parent_id).where(Unit.valid_on(day)))
    }
    for uid in ending:
        parent.pop(uid, None)
    for code, new in plan.new_units.items():
        parent[f"new:{code}"] = new.parent_id
    for source in plan.sources:
        if source.kind == MoveKind.MOVE:
            parent[source.unit.id] = source.moves[0].new_parent_id
    for source in plan.sources:
        successor = source.successors.get("sub_unit")
        if source.ends and successor is not None:
            for node, above in list(parent.items()):
                if above == source.unit.id:
                    parent[node] = successor.node
    for start in parent:
        seen = {start}
        node = parent.get(start)
        while node is not None:
            if node in seen:
                label = _unit_label(start) if isinstance(start, int) else str(start)[4:]
                problems.append(
                    _("On %(date)s %(unit)s would sit below itself.", unit=label, date=fmt_date(day))
                )
                return
            seen.add(node)
            node = parent.get(node)


def _check_documents(plan: Plan, problems: list[str]) -> None:
    """Kinds that refuse a clash (a document code met twice in one unit)."""
    for kind in present(OWN_KINDS):
        if kind.on_clash != "refuse" or kind.moves is None:
            continue
        t = table_of(kind)
        groups: dict[Successor, list[SourcePlan]] = defaultdict(list)
        for source in plan.sources:
            successor = source.successors.get(kind.key)
            if source.ends and successor is not None:
                groups[successor].append(source)
        for successor, sources in groups.items():
            seen: dict[tuple[Any, ...], int] = {}
            if successor.unit_id is not None:
                for row in db.session.execute(
                    select(*[t.c[c] for c in kind.unique_with])
                    .where(t.c[kind.unit_column] == successor.unit_id)
                    .distinct()
                ):
                    seen[tuple(row)] = successor.unit_id
            for source in sources:
                rows = db.session.execute(
                    select(*[t.c[c] for c in kind.unique_with])
                    .where(t.c[kind.unit_column] == source.unit.id, kind.moves(t, plan.scope))
                    .distinct()
                )
                for row in rows:
                    key = tuple(row)
                    if key in seen:
                        problems.append(
                            _(
                                "%(kind)s %(value)s exist in both %(a)s and %(b)s: rename one before "
                                "they meet in one unit.",
                                kind=kind.label,
                                value=", ".join(str(v) for v in key),
                                a=_unit_label(seen[key]),
                                b=unit_name(source.unit),
                            )
                        )
                    else:
                        seen[key] = source.unit.id


def problems_of(reorg: Reorganisation) -> tuple[Plan, dict[tuple[int, str], Count], list[str]]:
    plan = build(reorg)
    problems = list(plan.problems)
    if not reorg.moves:
        problems.append(_("The reorganisation has no moves."))
    _check_dates(plan, problems)
    _check_other_reorganisations(plan, problems)
    tally = counts(plan)
    _check_successors(plan, tally, problems)
    _check_new_codes(plan, problems)
    _check_tree(plan, problems)
    _check_documents(plan, problems)
    return plan, tally, problems
