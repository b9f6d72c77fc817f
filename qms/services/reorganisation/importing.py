"""Reorganisations from a CSV or XLSX file, all or nothing (`qms import reorganisation`, `qms reorganise`).

One row a move, with the columns

    old_code,old_valid_until,new_code,new_name,new_kind,new_parent_code,move,effective_on,legal_basis

and, for a split, `record_kinds` (the kinds of record that row's successor receives, separated by spaces
or semicolons; see kinds.py). Rows with the same effective date and legal basis are one reorganisation;
the reorganisations are applied in date order, each seeing the units the earlier ones left. A code names
a unit on a date: the old unit is the one with that code on the day before the effective date; the
successor is the unit with `new_code` on the effective date, unless the same file ends that unit on that
day (an official code reused by a new unit, as 22366 was), in which case a new unit is made from
`new_name`, `new_kind` and `new_parent_code`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask_babel import gettext as _

from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.org import Unit, UnitKind, User
from qms.models.reorganisation import ENDING_KINDS, MoveKind, Reorganisation
from qms.services import org
from qms.services.errors import DomainError, ImportFailed
from qms.services.reorganisation.applying import apply
from qms.services.reorganisation.drafts import add_move, create
from qms.services.reorganisation.planning import ReorganisationRefused
from qms.services.reorganisation.preview import Preview, preview
from qms.services.tabular import Row, read_table
from qms.text import limit_of

COLUMNS = (
    "old_code",
    "old_valid_until",
    "new_code",
    "new_name",
    "new_kind",
    "new_parent_code",
    "move",
    "effective_on",
    "legal_basis",
)
# Where a refusal of the services (its `field`) is shown in the file.
FIELD_COLUMN = {
    "source": "old_code",
    "target": "new_code",
    "new_code": "new_code",
    "new_name": "new_name",
    "new_kind": "new_kind",
    "new_parent": "new_parent_code",
    "kind": "move",
    "record_kinds": "record_kinds",
    "legal_basis": "legal_basis",
    "effective_on": "effective_on",
}


@dataclass
class Outcome:
    """What a file did (or, on a dry run, would do): each reorganisation's preview and result."""

    previews: list[Preview] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    reorganisations: list[Reorganisation] = field(default_factory=list)


def _record_kinds(row: Row) -> list[str]:
    return [k for k in re.split(r"[\s;,]+", row.get("record_kinds")) if k]


@dataclass
class _Line:
    row: Row
    move: str
    effective_on: date
    legal_basis: str
    old_code: str
    new_code: str


def _lines(rows: Iterable[Row]) -> list[_Line]:
    """Every row checked on its own: the move, the dates and the codes it needs."""
    lines = []
    for row in rows:
        move = row.get("move").lower()
        if move not in set(MoveKind):
            raise row.fail(
                "move", _("'%(value)s' is not one of %(allowed)s", value=move, allowed=", ".join(MoveKind))
            )
        effective_on = row.date("effective_on", required=True)
        assert effective_on is not None
        legal_basis = row.get("legal_basis")
        if not legal_basis:
            raise row.fail("legal_basis", _("Name the legal act the reorganisation follows."))
        old_code, new_code = row.get("old_code").upper(), row.get("new_code").upper()
        if move == MoveKind.CREATE and old_code:
            raise row.fail("old_code", _("a new unit has no old code"))
        if move != MoveKind.CREATE and not old_code:
            raise row.fail("old_code", _("the code of the unit that changes is required"))
        if move in (MoveKind.MERGE, MoveKind.SPLIT, MoveKind.CREATE) and not new_code:
            raise row.fail("new_code", _("the successor's code is required"))
        valid_until = row.date("old_valid_until", required=False)
        if valid_until is not None and valid_until != effective_on - timedelta(days=1):
            raise row.fail(
                "old_valid_until",
                _(
                    "the old unit's last day is the day before the effective date: %(date)s",
                    date=fmt_date(effective_on - timedelta(days=1)),
                ),
            )
        if (new_kind := row.get("new_kind").lower()) and new_kind not in set(UnitKind):
            raise row.fail(
                "new_kind",
                _("'%(value)s' is not one of %(allowed)s", value=new_kind, allowed=", ".join(UnitKind)),
            )
        lines.append(_Line(row, move, effective_on, legal_basis, old_code, new_code))
    return lines


def _unit_on(row: Row, column: str, code: str, day: date) -> Unit:
    unit = org.find_unit(code, on=day)
    if unit is None:
        raise row.fail(column, _("No unit had the code %(code)s on %(date)s.", code=code, date=fmt_date(day)))
    return unit


def _add(reorg: Reorganisation, line: _Line, ending: set[str], actor: User | None) -> None:
    row, day = line.row, line.effective_on
    source = _unit_on(row, "old_code", line.old_code, day - timedelta(days=1)) if line.old_code else None
    target = None
    new_code = line.new_code or None
    if new_code and line.move != MoveKind.RENAME and new_code not in ending:
        target = org.find_unit(new_code, on=day)  # an existing successor; else a new unit of that code
    parent_code = row.get("new_parent_code").upper()
    parent = None
    if parent_code:
        # a parent made by this same reorganisation does not exist yet: it comes from an earlier one
        parent = _unit_on(row, "new_parent_code", parent_code, day) if parent_code not in ending else None
        if parent is None:
            raise row.fail(
                "new_parent_code",
                _("No unit had the code %(code)s on %(date)s.", code=parent_code, date=fmt_date(day)),
            )
    try:
        add_move(
            reorg,
            actor=actor,
            kind=line.move,
            source=source,
            target=target,
            new_code=None if target is not None else new_code,
            new_name=None if target is not None else row.get("new_name") or None,
            new_kind=None if target is not None else row.get("new_kind").lower() or None,
            new_parent=parent,
            record_kinds=_record_kinds(row),
        )
    except DomainError as exc:
        raise ImportFailed(
            str(exc), row=row.number, column=FIELD_COLUMN.get(exc.field or "", "move")
        ) from exc


def run(path: str | Path, *, actor: User | None, today: date | None = None) -> Outcome:
    """Records and applies the file's reorganisations in date order; raises `ImportFailed` (with its
    row and column) or `ReorganisationRefused` and leaves the caller to roll back."""
    limits = {
        "old_code": limit_of(Unit.code),
        "new_code": limit_of(Unit.code),
        "new_parent_code": limit_of(Unit.code),
        "new_name": limit_of(Unit.name),
        "legal_basis": limit_of(Reorganisation.legal_basis),
    }
    lines = _lines(read_table(path, COLUMNS, limits=limits))
    groups: dict[tuple[date, str], list[_Line]] = {}
    for line in lines:
        groups.setdefault((line.effective_on, line.legal_basis), []).append(line)
    outcome = Outcome()
    # in date order; on one date, in the order of the file (a province made before the wards under it)
    for (day, basis), group in sorted(groups.items(), key=lambda item: (item[0][0], item[1][0].row.number)):
        reorg = create(actor=actor, legal_basis=basis, effective_on=day)
        ending = {line.old_code for line in group if line.move in ENDING_KINDS}
        for line in group:
            _add(reorg, line, ending, actor)
        shown = preview(reorg)
        if shown.problems:
            first, last = group[0].row.number, group[-1].row.number
            where = _("rows %(first)s–%(last)s (%(basis)s):", first=first, last=last, basis=basis)
            raise ReorganisationRefused([where, *shown.problems])
        outcome.previews.append(shown)
        result = apply(reorg, actor=actor, today=today)
        outcome.messages.append(result.message)
        outcome.reorganisations.append(reorg)
    return outcome


def dry_run(path: str | Path, *, today: date | None = None) -> Outcome:
    """What `run` would do, written nowhere: the file is applied inside a savepoint rolled back at once
    (each reorganisation's preview sees the units the earlier ones leave)."""
    savepoint = db.session.begin_nested()
    try:
        return run(path, actor=None, today=today)
    finally:
        savepoint.rollback()
