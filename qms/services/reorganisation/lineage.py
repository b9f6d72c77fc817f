"""Which units continue which, following applied reorganisations: for "now part of …" labels and for
sums of a year over the units that were, then, what a unit is now."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qms.extensions import db
from qms.models.org import Unit
from qms.models.reorganisation import MoveKind, Reorganisation, ReorganisationMove, ReorganisationStatus

_CONTINUING = (MoveKind.MERGE.value, MoveKind.SPLIT.value, MoveKind.RENAME.value)


def _applied_moves():  # type: ignore[no-untyped-def]
    return (
        select(
            ReorganisationMove.source_unit_id, ReorganisationMove.result_unit_id, Reorganisation.effective_on
        )
        .join(Reorganisation, Reorganisation.id == ReorganisationMove.reorganisation_id)
        .where(
            Reorganisation.status == ReorganisationStatus.APPLIED.value,
            ReorganisationMove.kind.in_(_CONTINUING),
            ReorganisationMove.result_unit_id.is_not(None),
        )
    )


def _ordered(ids: set[int]) -> list[Unit]:
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code, Unit.id)))


def successors(unit: Unit, on: date | None = None) -> list[Unit]:
    """The units that continue `unit` on that day (default today): itself while it exists; after a
    merge, rename or split, the units its records went to, and theirs in turn. Empty when it ended
    without a successor."""
    on = on or date.today()
    found: set[int] = set()
    seen: set[int] = set()
    frontier = [unit]
    while frontier:
        current = frontier.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        if current.valid_on(on) or (current.valid_from is not None and current.valid_from > on):
            if current.valid_on(on):
                found.add(current.id)
            continue
        rows = db.session.execute(
            _applied_moves().where(
                ReorganisationMove.source_unit_id == current.id, Reorganisation.effective_on <= on
            )
        ).all()
        for _source, result, _day in rows:
            successor = db.session.get(Unit, result)
            if successor is not None:
                frontier.append(successor)
    return _ordered(found)


def predecessors(unit: Unit, on: date) -> list[Unit]:
    """The units that, on that earlier day, were what `unit` continues: for Phường Nha Trang on
    30/06/2018 the wards merged into it over the reorganisations since; the unit itself, when it
    existed then, with the units merged into it after that day."""
    found: set[int] = set()
    seen: set[int] = set()
    frontier = [unit]
    while frontier:
        current = frontier.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        if current.valid_on(on):
            found.add(current.id)  # and the units merged into it since
        rows = db.session.execute(
            _applied_moves().where(
                ReorganisationMove.result_unit_id == current.id, Reorganisation.effective_on > on
            )
        ).all()
        for source, _result, _day in rows:
            predecessor = db.session.get(Unit, source)
            if predecessor is not None:
                frontier.append(predecessor)
    return _ordered(found)


def merged_into(unit: Unit) -> list[Unit]:
    """The units an applied reorganisation ended into this one (merged, split or renamed into it): what
    its page lists as its predecessors."""
    rows = db.session.execute(_applied_moves().where(ReorganisationMove.result_unit_id == unit.id)).all()
    return _ordered({source for source, _result, _day in rows if source is not None and source != unit.id})


def now_part_of(units: list[Unit], on: date | None = None) -> dict[int, list[Unit]]:
    """For each unit of the list that had ended by that day (default today), the units that continue
    it (empty when it ended without a successor): the "now part of …" of a unit list."""
    return {unit.id: successors(unit, on) for unit in units if unit.is_historical(on)}
