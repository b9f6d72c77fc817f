"""Case statistics (administrative-procedure dossiers) and the satisfaction index, per unit and period.

Rates are percentages with two decimals, computed here and nowhere else:
late = late / resolved, on time = on time / resolved, resolution = resolved / received,
online = online / online-eligible. A unit's figures "with sub-units" are its own plus every
descendant's (the roll-up of the unit tree).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from qms.extensions import db
from qms.models.objectives import CaseStatistics, SatisfactionIndex, Source
from qms.models.org import Unit, User
from qms.services import access, org
from qms.services.errors import DomainError
from qms.services.history import act_as
from qms.services.periods import MIN_YEAR, parse_period, sort_periods
from qms.services.tabular import Row, read_table

CASE_COLUMNS = ["unit_code", "period", "received", "resolved", "on_time", "late", "online_eligible", "online"]
SATISFACTION_COLUMNS = ["unit_code", "period", "index_percent", "respondents"]
COUNT_FIELDS = ("received", "resolved", "on_time", "late", "online_eligible", "online")
HUNDREDTH = Decimal("0.01")


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator / denominator in percent, rounded half up to two decimals; None when nothing to divide."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CaseFigures:
    received: int = 0
    resolved: int = 0
    on_time: int = 0
    late: int = 0
    online_eligible: int = 0
    online: int = 0

    @classmethod
    def of(cls, row: CaseStatistics) -> CaseFigures:
        return cls(**{name: getattr(row, name) for name in COUNT_FIELDS})

    def __add__(self, other: CaseFigures) -> CaseFigures:
        return CaseFigures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def late_rate(self) -> Decimal | None:
        return percent(self.late, self.resolved)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.resolved)

    @property
    def resolution_rate(self) -> Decimal | None:
        return percent(self.resolved, self.received)

    @property
    def online_rate(self) -> Decimal | None:
        return percent(self.online, self.online_eligible)

    def rate(self, source: str) -> Decimal | None:
        return {
            Source.LATE_RATE: self.late_rate,
            Source.ON_TIME_RATE: self.on_time_rate,
            Source.RESOLUTION_RATE: self.resolution_rate,
            Source.ONLINE_RATE: self.online_rate,
        }[Source(source)]


def total(figures: Iterable[CaseFigures]) -> CaseFigures:
    result = CaseFigures()
    for f in figures:
        result = result + f
    return result


def check_case_figures(
    *, received: int | None, resolved: int | None, on_time: int | None, late: int | None,
    online_eligible: int | None, online: int | None,
) -> CaseFigures:  # fmt: skip
    """The invariants of a period's figures; a DomainError names the field at fault."""
    values = {
        "received": received,
        "resolved": resolved,
        "on_time": on_time,
        "late": late,
        "online_eligible": online_eligible,
        "online": online,
    }
    for name, value in values.items():
        if value is None:
            raise DomainError(_("A whole number is required."), field=name)
        if isinstance(value, bool) or int(value) != value:
            raise DomainError(_("A whole number is required."), field=name)
        if value < 0:
            raise DomainError(_("A count cannot be negative."), field=name)
    figures = CaseFigures(**{k: int(v) for k, v in values.items()})  # type: ignore[arg-type]
    if figures.resolved > figures.received:
        raise DomainError(
            _("Resolved (%(resolved)s) cannot exceed received (%(received)s).",
              resolved=figures.resolved, received=figures.received),
            field="resolved",
        )  # fmt: skip
    if figures.late > figures.resolved:
        raise DomainError(
            _("Late (%(late)s) cannot exceed resolved (%(resolved)s).", late=figures.late,
              resolved=figures.resolved),
            field="late",
        )  # fmt: skip
    if figures.on_time + figures.late != figures.resolved:
        raise DomainError(
            _("On time (%(on_time)s) plus late (%(late)s) must equal resolved (%(resolved)s).",
              on_time=figures.on_time, late=figures.late, resolved=figures.resolved),
            field="on_time",
        )  # fmt: skip
    if figures.online > figures.online_eligible:
        raise DomainError(
            _("Received online (%(online)s) cannot exceed online-eligible (%(eligible)s).",
              online=figures.online, eligible=figures.online_eligible),
            field="online",
        )  # fmt: skip
    return figures


def check_satisfaction(index_percent: Decimal | None, respondents: int | None) -> tuple[Decimal, int | None]:
    if index_percent is None:
        raise DomainError(_("A percentage is required."), field="index_percent")
    index_percent = Decimal(index_percent)
    if not Decimal(0) <= index_percent <= Decimal(100):
        raise DomainError(_("A percentage lies between 0 and 100."), field="index_percent")
    if index_percent != index_percent.quantize(HUNDREDTH):
        raise DomainError(_("At most two decimals."), field="index_percent")
    if respondents is not None and respondents < 0:
        raise DomainError(_("A count cannot be negative."), field="respondents")
    return index_percent, respondents


def _require_edit(actor: User | None, unit: Unit) -> None:
    if actor is not None:
        access.require_edit_unit_records(actor, unit)
    act_as(actor)


def case_statistics_of(unit: Unit, period: str) -> CaseStatistics | None:
    return db.session.scalar(
        select(CaseStatistics).where(CaseStatistics.unit_id == unit.id, CaseStatistics.period == period)
    )


def satisfaction_of(unit: Unit, period: str) -> SatisfactionIndex | None:
    return db.session.scalar(
        select(SatisfactionIndex).where(
            SatisfactionIndex.unit_id == unit.id, SatisfactionIndex.period == period
        )
    )


def record_case_statistics(
    unit: Unit, *, actor: User | None, period: str, received: int | None, resolved: int | None,
    on_time: int | None, late: int | None, online_eligible: int | None = 0, online: int | None = 0,
) -> CaseStatistics:  # fmt: skip
    """Enter a unit's figures for a period; figures already there for that period are replaced."""
    _require_edit(actor, unit)
    period = str(parse_period(period))
    figures = check_case_figures(
        received=received, resolved=resolved, on_time=on_time, late=late,
        online_eligible=online_eligible, online=online,
    )  # fmt: skip
    row = case_statistics_of(unit, period)
    if row is None:
        row = CaseStatistics(unit_id=unit.id, unit=unit, period=period)
        db.session.add(row)
    for name in COUNT_FIELDS:
        setattr(row, name, getattr(figures, name))
    db.session.flush()
    return row


def record_satisfaction(
    unit: Unit, *, actor: User | None, period: str, index_percent: Decimal | None, respondents: int | None
) -> SatisfactionIndex:
    """Enter a unit's satisfaction index for a period; an index already there is replaced."""
    _require_edit(actor, unit)
    period = str(parse_period(period))
    index_percent, respondents = check_satisfaction(index_percent, respondents)
    row = satisfaction_of(unit, period)
    if row is None:
        row = SatisfactionIndex(unit_id=unit.id, unit=unit, period=period)
        db.session.add(row)
    row.index_percent, row.respondents = index_percent, respondents
    db.session.flush()
    return row


# --- imports ---------------------------------------------------------------------------------


@dataclass
class FiguresImportResult:
    created: int = 0
    replaced: int = 0


_INT_RE = re.compile(r"^[+-]?\d+$")


def parse_count(row: Row, column: str, *, required: bool = True) -> int | None:
    text = row.get(column)
    if not text:
        if required:
            raise row.fail(column, _("a whole number is required"))
        return None
    if text.endswith(".0"):
        text = text[:-2]
    if not _INT_RE.match(text):
        raise row.fail(column, _("'%(value)s' is not a whole number", value=row.get(column)))
    value = int(text)
    if value < 0:
        raise row.fail(column, _("a count cannot be negative"))
    return value


def parse_decimal(row: Row, column: str) -> Decimal:
    text = row.get(column).replace("%", "").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not text:
        raise row.fail(column, _("a number is required"))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise row.fail(column, _("'%(value)s' is not a number", value=row.get(column))) from None
    if not value.is_finite():
        raise row.fail(column, _("'%(value)s' is not a number", value=row.get(column)))
    return value


def _units_by_code() -> dict[str, Unit]:
    return org.units_by_code()


def _row_unit(row: Row, units: dict[str, Unit]) -> Unit:
    code = row.get("unit_code").upper()
    if not code:
        raise row.fail("unit_code", _("a unit code is required"))
    unit = units.get(code)
    if unit is None:
        raise row.fail("unit_code", _("no unit has the code %(code)s", code=code))
    return unit


def _row_period(row: Row, seen: dict[tuple[int, str], int], unit: Unit) -> str:
    try:
        period = str(parse_period(row.get("period")))
    except DomainError as exc:
        raise row.fail("period", exc.message) from None
    key = (unit.id, period)
    if key in seen:
        raise row.fail(
            "period",
            _(
                "%(unit)s %(period)s already appears in row %(row)s",
                unit=unit.code,
                period=period,
                row=seen[key],
            ),
        )
    seen[key] = row.number
    return period


def import_case_statistics(path: str | Path, *, actor: User | None) -> FiguresImportResult:
    """Case statistics from CSV/XLSX (unit_code,period,received,resolved,on_time,late,online_eligible,online).

    Every row is checked before anything is written; a unit and period already stored is replaced.
    """
    rows = read_table(path, CASE_COLUMNS)
    units = _units_by_code()
    seen: dict[tuple[int, str], int] = {}
    parsed: list[tuple[Unit, str, CaseFigures]] = []
    for row in rows:
        unit = _row_unit(row, units)
        period = _row_period(row, seen, unit)
        counts = {name: parse_count(row, name) for name in COUNT_FIELDS}
        try:
            figures = check_case_figures(**counts)
        except DomainError as exc:
            raise row.fail(exc.field or "", exc.message) from None
        if actor is not None and not access.can_edit_unit_records(actor, unit):
            raise row.fail("unit_code", _("you may not change the records of %(code)s", code=unit.code))
        parsed.append((unit, period, figures))
    result = FiguresImportResult()
    for unit, period, figures in parsed:
        existed = case_statistics_of(unit, period) is not None
        record_case_statistics(
            unit, actor=actor, period=period, **{n: getattr(figures, n) for n in COUNT_FIELDS}
        )
        if existed:
            result.replaced += 1
        else:
            result.created += 1
    return result


def import_satisfaction(path: str | Path, *, actor: User | None) -> FiguresImportResult:
    """Satisfaction indices from CSV/XLSX (unit_code,period,index_percent,respondents); all or nothing."""
    rows = read_table(path, SATISFACTION_COLUMNS)
    units = _units_by_code()
    seen: dict[tuple[int, str], int] = {}
    parsed: list[tuple[Unit, str, Decimal, int | None]] = []
    for row in rows:
        unit = _row_unit(row, units)
        period = _row_period(row, seen, unit)
        index_percent = parse_decimal(row, "index_percent")
        respondents = parse_count(row, "respondents", required=False)
        try:
            check_satisfaction(index_percent, respondents)
        except DomainError as exc:
            raise row.fail(exc.field or "", exc.message) from None
        if actor is not None and not access.can_edit_unit_records(actor, unit):
            raise row.fail("unit_code", _("you may not change the records of %(code)s", code=unit.code))
        parsed.append((unit, period, index_percent, respondents))
    result = FiguresImportResult()
    for unit, period, index_percent, respondents in parsed:
        existed = satisfaction_of(unit, period) is not None
        record_satisfaction(
            unit, actor=actor, period=period, index_percent=index_percent, respondents=respondents
        )
        if existed:
            result.replaced += 1
        else:
            result.created += 1
    return result


# --- reading figures, with the roll-up of the unit tree --------------------------------------


def _children_map() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    return children


def subtree(unit_id: int, children: dict[int | None, list[int]]) -> list[int]:
    """The unit and all its descendants."""
    found, stack, seen = [], [unit_id], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        found.append(current)
        stack.extend(children.get(current, []))
    return found


class FigureBook:
    """Case statistics and satisfaction indices, read a year at a time and kept for one computation."""

    def __init__(self) -> None:
        self._children: dict[int | None, list[int]] | None = None
        self._years: set[int] = set()
        self._case: dict[str, dict[int, CaseFigures]] = {}
        self._satisfaction: dict[str, dict[int, SatisfactionIndex]] = {}

    def units_of(self, unit_id: int, include_sub_units: bool) -> list[int]:
        if not include_sub_units:
            return [unit_id]
        if self._children is None:
            self._children = _children_map()
        return subtree(unit_id, self._children)

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        self._years.add(year)
        prefix = f"{year}%"
        for row in db.session.scalars(select(CaseStatistics).where(CaseStatistics.period.like(prefix))):
            self._case.setdefault(row.period, {})[row.unit_id] = CaseFigures.of(row)
        for srow in db.session.scalars(
            select(SatisfactionIndex).where(SatisfactionIndex.period.like(prefix))
        ):
            self._satisfaction.setdefault(srow.period, {})[srow.unit_id] = srow

    def case(self, unit_id: int, period: str, include_sub_units: bool = False) -> CaseFigures | None:
        """The unit's figures for the period (plus its sub-units'), or None when nobody reported any."""
        self._load(parse_period(period).year)
        by_unit = self._case.get(period, {})
        found = [by_unit[u] for u in self.units_of(unit_id, include_sub_units) if u in by_unit]
        return total(found) if found else None

    def satisfaction(self, unit_id: int, period: str, include_sub_units: bool = False) -> Decimal | None:
        """The unit's index; with sub-units, the mean weighted by respondents (plain mean if any unknown)."""
        self._load(parse_period(period).year)
        by_unit = self._satisfaction.get(period, {})
        found = [by_unit[u] for u in self.units_of(unit_id, include_sub_units) if u in by_unit]
        if not found:
            return None
        if len(found) == 1:
            return Decimal(found[0].index_percent).quantize(HUNDREDTH)
        weights = [r.respondents for r in found]
        if all(w for w in weights):
            weighted = sum(Decimal(r.index_percent) * r.respondents for r in found)  # type: ignore[misc]
            return (weighted / sum(weights)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)  # type: ignore[arg-type]
        mean = sum(Decimal(r.index_percent) for r in found) / len(found)
        return mean.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)

    def periods(
        self, unit_id: int, year: int, include_sub_units: bool, *, satisfaction: bool = False
    ) -> list[str]:
        """Periods of the year with figures for the unit (or its sub-units), in time order."""
        self._load(year)
        units = set(self.units_of(unit_id, include_sub_units))
        table = self._satisfaction if satisfaction else self._case
        found = [p for p, by_unit in table.items() if parse_period(p).year == year and units & by_unit.keys()]
        return sort_periods(found)


@dataclass
class StatisticsLine:
    period: str
    own: CaseStatistics | None
    own_figures: CaseFigures | None
    with_sub_units: CaseFigures | None
    # Before a reorganisation: the units that then were what this unit is now, and their figures added
    # up, so that a rate compares across the change (Phường Nha Trang's late rate of 2018).
    predecessors: list[str] = field(default_factory=list)
    from_predecessors: CaseFigures | None = None


def _predecessors_in(unit: Unit, period: str) -> list[Unit]:
    """The units whose records `unit` holds now and that reported for the period: those that existed
    at its start or its end (a reorganisation may fall inside it); just the unit when nothing merged."""
    from qms.services.reorganisation.lineage import predecessors

    parsed = parse_period(period)
    first_month = parsed.last_month - parsed.months + 1
    start, end = date(parsed.year, first_month, 1), date(parsed.year, parsed.last_month, 1)
    found = {u.id: u for day in (start, end) for u in predecessors(unit, day)}
    return sorted(found.values(), key=lambda u: u.code)


def unit_statistics(unit: Unit, year: int | None = None) -> list[StatisticsLine]:
    """The unit's case statistics per period, its own and rolled up with its sub-units, and for the
    periods before a reorganisation merged units into it, its predecessors' figures added up; newest
    first."""
    from qms.services.reorganisation.lineage import predecessors

    book = FigureBook()
    units = book.units_of(unit.id, True)
    lineage = [u.id for u in predecessors(unit, date(MIN_YEAR, 1, 1))]  # every unit ever merged into it
    stmt = (
        select(CaseStatistics.period).where(CaseStatistics.unit_id.in_(set(units) | set(lineage))).distinct()
    )
    if year is not None:
        stmt = stmt.where(CaseStatistics.period.like(f"{year}%"))
    periods = sort_periods(list(db.session.scalars(stmt)))
    own_rows = {
        r.period: r
        for r in db.session.scalars(select(CaseStatistics).where(CaseStatistics.unit_id == unit.id))
    }
    lines = []
    for period in reversed(periods):
        own = own_rows.get(period)
        line = StatisticsLine(
            period=period,
            own=own,
            own_figures=CaseFigures.of(own) if own else None,
            with_sub_units=book.case(unit.id, period, True) if len(units) > 1 else None,
        )
        if set(lineage) - {unit.id}:
            then = [u for u in _predecessors_in(unit, period) if u.id != unit.id]
            figures = [f for u in then if (f := book.case(u.id, period)) is not None]
            if figures:
                line.predecessors = [u.code for u in then]
                line.from_predecessors = total(figures + ([line.own_figures] if line.own_figures else []))
        if line.own_figures or line.with_sub_units or line.from_predecessors:
            lines.append(line)
    return lines


@dataclass
class SatisfactionLine:
    period: str
    own: SatisfactionIndex | None
    with_sub_units: Decimal | None


def unit_satisfaction(unit: Unit, year: int | None = None) -> list[SatisfactionLine]:
    book = FigureBook()
    units = book.units_of(unit.id, True)
    stmt = select(SatisfactionIndex.period).where(SatisfactionIndex.unit_id.in_(units)).distinct()
    if year is not None:
        stmt = stmt.where(SatisfactionIndex.period.like(f"{year}%"))
    periods = sort_periods(list(db.session.scalars(stmt)))
    own_rows = {
        r.period: r
        for r in db.session.scalars(select(SatisfactionIndex).where(SatisfactionIndex.unit_id == unit.id))
    }
    return [
        SatisfactionLine(
            period=p,
            own=own_rows.get(p),
            with_sub_units=book.satisfaction(unit.id, p, True) if len(units) > 1 else None,
        )
        for p in reversed(periods)
    ]
