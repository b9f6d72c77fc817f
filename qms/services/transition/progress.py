"""Progress across the city: per unit items done, applicable, overdue and 2008 references left, counted
in SQL; the organisation's figure; the dashboard's card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select

from qms.extensions import db
from qms.models.org import Unit, User
from qms.models.transition import ItemStatus, Transition, TransitionItem
from qms.services import access, remapping
from qms.services.transition.core import current_transition

FINISHED = (ItemStatus.DONE.value, ItemStatus.NOT_APPLICABLE.value)
SORT_KEYS = ("unit", "done", "overdue", "left", "owner")


@dataclass
class UnitProgress:
    unit: Unit
    owner: User | None
    total: int = 0
    done: int = 0
    applicable: int = 0
    overdue: int = 0
    left: int = 0  # stored 2008 references nobody has decided on yet
    remap_url: str | None = None

    @property
    def percent(self) -> float:
        """Items done out of the applicable ones; a unit where nothing applies has nothing left to do."""
        return 100.0 * self.done / self.applicable if self.applicable else 100.0

    @property
    def behind(self) -> bool:
        return self.overdue > 0


@dataclass
class Progress:
    transition: Transition
    rows: list[UnitProgress] = field(default_factory=list)
    done: int = 0
    applicable: int = 0
    overdue: int = 0
    left: int = 0
    remap_url: str | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.applicable if self.applicable else 100.0

    @property
    def units_behind(self) -> list[UnitProgress]:
        return [r for r in self.rows if r.behind]


def _counts(transition: Transition, today: date, unit_ids: set[int] | None) -> dict[int, tuple[int, ...]]:
    """(total, done, applicable, overdue) per unit id, in one GROUP BY query."""
    done = func.sum(case((TransitionItem.status == ItemStatus.DONE.value, 1), else_=0))
    applicable = func.sum(case((TransitionItem.status != ItemStatus.NOT_APPLICABLE.value, 1), else_=0))
    late = and_(TransitionItem.due < today, TransitionItem.status.notin_(FINISHED))
    overdue = func.sum(case((late, 1), else_=0))
    stmt = (
        select(TransitionItem.unit_id, func.count(TransitionItem.id), done, applicable, overdue)
        .where(TransitionItem.transition_id == transition.id)
        .group_by(TransitionItem.unit_id)
    )
    if unit_ids is not None:
        stmt = stmt.where(TransitionItem.unit_id.in_(unit_ids or {-1}))
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in db.session.execute(stmt)}


def unit_progress(unit: Unit, *, today: date | None = None) -> UnitProgress | None:
    """The unit's row of the open transition; None when none is open or the unit is outside its scope."""
    transition = current_transition()
    if transition is None or all(s.unit_id != unit.id for s in transition.scope):
        return None
    rows = progress(transition, today=today, unit_ids=[unit.id]).rows
    return rows[0] if rows else None


def progress(
    transition: Transition,
    *,
    today: date | None = None,
    unit_ids: set[int] | None = None,
    sort: str = "unit",
    descending: bool = False,
) -> Progress:
    """Every unit in scope (or those of `unit_ids`) with its figures, sorted by `sort`."""
    today = today or date.today()
    counts = _counts(transition, today, unit_ids)
    entries = [s for s in transition.scope if unit_ids is None or s.unit_id in unit_ids]
    ids = {s.unit_id for s in entries}
    left = remapping.references_left(ids) if ids else {}
    result = Progress(transition, remap_url=remapping.remap_url(None))
    for entry in entries:
        total, done, applicable, overdue = counts.get(entry.unit_id, (0, 0, 0, 0))
        row = UnitProgress(
            unit=entry.unit,
            owner=entry.owner,
            total=total,
            done=done,
            applicable=applicable,
            overdue=overdue,
            left=int(left.get(entry.unit_id, 0)),
            remap_url=remapping.remap_url(entry.unit.code),
        )
        result.rows.append(row)
        result.done += done
        result.applicable += applicable
        result.overdue += overdue
    if unit_ids is None:
        result.left = remapping.references_left_total()  # a multi-unit audit's reference counts once
    else:
        result.left = sum(r.left for r in result.rows)
    sort_rows(result.rows, sort, descending)
    return result


def sort_rows(rows: list[UnitProgress], sort: str, descending: bool) -> None:
    keys = {
        "unit": lambda r: r.unit.code,
        "done": lambda r: (r.percent, r.unit.code),
        "overdue": lambda r: (r.overdue, r.unit.code),
        "left": lambda r: (r.left, r.unit.code),
        "owner": lambda r: ((r.owner.full_name if r.owner else "").casefold(), r.unit.code),
    }
    rows.sort(key=keys.get(sort, keys["unit"]), reverse=descending)


@dataclass
class DashboardCard:
    transition: Transition
    organisation: Progress | None = None  # steering, leaders and other org-wide readers
    own_units: list[UnitProgress] = field(default_factory=list)  # a unit's manager: their units


def dashboard_card(user: User, *, today: date | None = None) -> DashboardCard | None:
    transition = current_transition()
    if transition is None:
        return None
    card = DashboardCard(transition)
    if access.can_follow_transition(user):
        card.organisation = progress(transition, today=today)
        return card
    managed = access.managed_unit_ids(user) & {s.unit_id for s in transition.scope}
    if not managed:
        return None
    card.own_units = progress(transition, today=today, unit_ids=managed).rows
    return card
