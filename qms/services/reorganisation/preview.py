"""What applying a reorganisation would do, as plain data: for each old unit, each kind of record, how
many there are, how many move and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from qms.extensions import db
from qms.models.org import Unit
from qms.models.reorganisation import Reorganisation
from qms.services.reorganisation.kinds import present
from qms.services.reorganisation.planning import Count, Plan, Successor, problems_of, unit_name


@dataclass
class KindFlow:
    kind: str
    label: str
    total: int  # records of this kind at the old unit
    open: int  # those the rule would move
    moving: int  # those that move
    to: str | None  # the successor, "code — name"
    to_unit_id: int | None  # None for a unit the apply creates

    @property
    def staying(self) -> int:
        return self.total - self.moving


@dataclass
class UnitFlow:
    unit_id: int
    unit: str
    move: str  # the move kind
    ends: bool
    last_day: date | None
    flows: list[KindFlow] = field(default_factory=list)


@dataclass
class Preview:
    reorganisation_id: int
    legal_basis: str
    effective_on: date
    units: list[UnitFlow]
    new_units: list[str]
    problems: list[str]

    def flow(self, unit_id: int, kind: str) -> KindFlow:
        unit = next(u for u in self.units if u.unit_id == unit_id)
        return next(f for f in unit.flows if f.kind == kind)


def _successor_label(plan: Plan, successor: Successor | None) -> str | None:
    if successor is None:
        return None
    if successor.unit_id is not None:
        unit = db.session.get(Unit, successor.unit_id)
        return unit_name(unit) if unit is not None else None
    new = plan.new_units.get(successor.new_code or "")
    return f"{new.code} — {new.name}" if new is not None else successor.new_code


def preview(reorg: Reorganisation) -> Preview:
    """Counts by SQL (GROUP BY), not by loading records; `problems` says what would refuse the apply."""
    plan, tally, problems = problems_of(reorg)
    units: list[UnitFlow] = []
    for source in plan.sources:
        flow = UnitFlow(
            unit_id=source.unit.id,
            unit=unit_name(source.unit),
            move=source.kind,
            ends=source.ends,
            last_day=plan.scope.effective_on.fromordinal(plan.scope.effective_on.toordinal() - 1)
            if source.ends
            else None,
        )
        for kind in present():
            count = tally.get((source.unit.id, kind.key), Count())
            successor = plan.successor_for(source, kind) if source.ends else None
            flow.flows.append(
                KindFlow(
                    kind=kind.key,
                    label=str(kind.label),
                    total=count.total,
                    open=count.open,
                    moving=count.moving,
                    to=_successor_label(plan, successor) if count.moving else None,
                    to_unit_id=successor.unit_id if successor is not None and count.moving else None,
                )
            )
        units.append(flow)
    return Preview(
        reorganisation_id=reorg.id,
        legal_basis=reorg.legal_basis,
        effective_on=reorg.effective_on,
        units=units,
        new_units=[f"{n.code} — {n.name}" for n in plan.new_units.values()],
        problems=problems,
    )
