"""Quality policy and quality objectives (ISO 9001 5.2, 6.2, 9.1): what a unit aims for in a year,
how it plans to get there, and whether it did.

An objective's value for a period is a manual measurement, or computed from case statistics or
the satisfaction index (qms/services/case_stats.py). Attainment (met / not met / no data) and the
trend against the previous period are computed here, never typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from qms import labels
from qms.extensions import db
from qms.models.objectives import Direction, Measurement, Objective, QualityPolicy, Source
from qms.models.org import Unit, User
from qms.numbers import whole_number
from qms.services import access, org
from qms.services.case_stats import HUNDREDTH, FigureBook, parse_decimal
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as
from qms.services.periods import Period, check_year, parse_period
from qms.services.tabular import Row, read_table
from qms.text import limit_of

OBJECTIVE_COLUMNS = [
    "unit_code", "year", "statement", "indicator", "direction", "target", "unit_of_measure", "source",
]  # fmt: skip
PERCENT = "%"


class Attainment(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NO_DATA = "no_data"


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    STABLE = "stable"


DIRECTION_SIGNS = {Direction.AT_MOST: "≤", Direction.AT_LEAST: "≥"}
SOURCE_LABELS = {
    Source.MANUAL: _l("Measured by the unit"),
    Source.LATE_RATE: _l("Late rate (case statistics)"),
    Source.ON_TIME_RATE: _l("On-time rate (case statistics)"),
    Source.RESOLUTION_RATE: _l("Resolution rate (case statistics)"),
    Source.ONLINE_RATE: _l("Online rate (case statistics)"),
    Source.SATISFACTION: _l("Satisfaction index"),
}
ATTAINMENT_LABELS = {
    Attainment.MET: _l("Met"),
    Attainment.NOT_MET: _l("Not met"),
    Attainment.NO_DATA: _l("No data"),
}
TREND_LABELS = {
    Trend.IMPROVING: _l("Improving"),
    Trend.WORSENING: _l("Worsening"),
    Trend.STABLE: _l("Stable"),
}

labels.register(
    "quality_policy",
    label=_l("Quality policy"),
    fields={"year": _l("Year"), "text": _l("Policy"), "approved_by": _l("Approved by"),
            "approved_on": _l("Approved on")},
)  # fmt: skip
labels.register(
    "quality_objective",
    label=_l("Quality objective"),
    fields={
        "year": _l("Year"), "statement": _l("Objective"), "indicator": _l("Indicator"),
        "direction": _l("Direction"), "target": _l("Target"), "unit_of_measure": _l("Unit of measure"),
        "include_sub_units": _l("Include sub-units"), "owner_id": _l("Owner"),
        "process_code": _l("Process"), "plan_actions": _l("What will be done"),
        "plan_resources": _l("Resources"), "plan_responsible": _l("Who is responsible"),
        "plan_due": _l("By when"), "plan_evaluation": _l("How results are evaluated"),
    },
    values={"direction": {"<=": "≤", ">=": "≥"}, "source": {s.value: w for s, w in SOURCE_LABELS.items()}},
)  # fmt: skip
labels.register(
    "quality_measurement",
    label=_l("Measurement"),
    fields={"period": _l("Period"), "value": _l("Value"), "objective_id": _l("Objective")},
)
labels.register(
    "case_statistics",
    label=_l("Case statistics"),
    fields={
        "period": _l("Period"), "received": _l("Received"), "resolved": _l("Resolved"),
        "on_time": _l("Resolved on time"), "late": _l("Resolved late"),
        "online_eligible": _l("Online-eligible"), "online": _l("Received online"),
    },
)  # fmt: skip
labels.register(
    "satisfaction_index",
    label=_l("Satisfaction index"),
    fields={
        "period": _l("Period"),
        "index_percent": _l("Satisfaction index"),
        "respondents": _l("Respondents"),
    },
)


# --- computing attainment and trend ----------------------------------------------------------


def attainment(direction: str, target: Decimal, value: Decimal | None) -> Attainment:
    if value is None:
        return Attainment.NO_DATA
    met = value <= target if direction == Direction.AT_MOST else value >= target
    return Attainment.MET if met else Attainment.NOT_MET


def trend(direction: str, previous: Decimal | None, current: Decimal | None) -> Trend | None:
    """Improving when the value moved the way the objective wants; stable when equal to two decimals."""
    if previous is None or current is None:
        return None
    difference = (current - previous).quantize(HUNDREDTH)
    if difference == 0:
        return Trend.STABLE
    better = difference < 0 if direction == Direction.AT_MOST else difference > 0
    return Trend.IMPROVING if better else Trend.WORSENING


@dataclass
class Evaluation:
    objective: Objective
    period: str | None  # the period the headline value is for: the year, else the latest measured
    value: Decimal | None
    attainment: Attainment
    previous_period: str | None = None
    previous_value: Decimal | None = None
    trend: Trend | None = None
    series: list[tuple[str, Decimal | None, Attainment]] = field(default_factory=list)

    @property
    def attainment_label(self) -> str:
        return str(ATTAINMENT_LABELS[self.attainment])

    @property
    def trend_label(self) -> str:
        return str(TREND_LABELS[self.trend]) if self.trend else ""


def _manual_value(objective: Objective, period: Period) -> Decimal | None:
    """A manual objective's measurement; a period of an earlier year is read from the unit's
    objective of that year with the same indicator."""
    text = str(period)
    if period.year == objective.year:
        found = next((m for m in objective.measurements if m.period == text), None)
        return Decimal(found.value) if found else None
    earlier = db.session.scalars(
        select(Objective).where(
            Objective.unit_id == objective.unit_id,
            Objective.year == period.year,
            func.lower(Objective.indicator) == func.lower(objective.indicator),
            Objective.source == Source.MANUAL,
        )
    ).first()
    if earlier is None:
        return None
    return _manual_value(earlier, period)


def value_for(objective: Objective, period: str | Period, book: FigureBook) -> Decimal | None:
    p = period if isinstance(period, Period) else parse_period(period)
    if objective.source == Source.MANUAL:
        return _manual_value(objective, p)
    if objective.source == Source.SATISFACTION:
        return book.satisfaction(objective.unit_id, str(p), objective.include_sub_units)
    figures = book.case(objective.unit_id, str(p), objective.include_sub_units)
    return figures.rate(objective.source) if figures else None


def _periods_measured(objective: Objective, book: FigureBook) -> list[str]:
    if objective.source == Source.MANUAL:
        return [m.period for m in objective.measurements]
    return book.periods(
        objective.unit_id,
        objective.year,
        objective.include_sub_units,
        satisfaction=objective.source == Source.SATISFACTION,
    )


def evaluate(objective: Objective, book: FigureBook | None = None) -> Evaluation:
    book = book or FigureBook()
    periods = sorted(_periods_measured(objective, book), key=lambda p: parse_period(p).sort_key())
    series = []
    for p in periods:
        v = value_for(objective, p, book)
        series.append((p, v, attainment(objective.direction, objective.target, v)))
    if not periods:
        return Evaluation(objective, None, None, Attainment.NO_DATA, series=series)
    headline = str(objective.year) if str(objective.year) in periods else periods[-1]
    value = value_for(objective, headline, book)
    previous = parse_period(headline).previous()
    previous_value = value_for(objective, previous, book)
    return Evaluation(
        objective,
        headline,
        value,
        attainment(objective.direction, objective.target, value),
        previous_period=str(previous),
        previous_value=previous_value,
        trend=trend(objective.direction, previous_value, value),
        series=series,
    )


# --- policy ----------------------------------------------------------------------------------


def policy_of(unit: Unit, year: int) -> QualityPolicy | None:
    return db.session.scalar(
        select(QualityPolicy).where(QualityPolicy.unit_id == unit.id, QualityPolicy.year == year)
    )


def save_policy(
    unit: Unit,
    year: int,
    *,
    actor: User | None,
    text: str,
    approved_by: str = "",
    approved_on: date | None = None,
) -> QualityPolicy:
    if actor is not None:
        access.require_edit_unit_records(actor, unit)
    act_as(actor)
    year = check_year(year)
    if not (text or "").strip():
        raise DomainError(_("The policy text is required."), field="text")
    policy = policy_of(unit, year)
    if policy is None:
        policy = QualityPolicy(unit_id=unit.id, unit=unit, year=year)
        db.session.add(policy)
    policy.text, policy.approved_by, policy.approved_on = (
        text.strip(),
        (approved_by or "").strip(),
        approved_on,
    )
    db.session.flush()
    return policy


# --- objectives ------------------------------------------------------------------------------


def objectives_of(unit: Unit, year: int) -> list[Objective]:
    return list(
        db.session.scalars(
            select(Objective)
            .where(Objective.unit_id == unit.id, Objective.year == year)
            .order_by(Objective.id)
        )
    )


def get_objective(objective_id: int) -> Objective:
    objective = db.session.get(Objective, objective_id)
    if objective is None:
        raise NotFound(_("No such quality objective."))
    return objective


def years_of(unit: Unit) -> list[int]:
    """Years with objectives, a policy or figures for the unit, newest first."""
    years = set(db.session.scalars(select(Objective.year).where(Objective.unit_id == unit.id).distinct()))
    years |= set(db.session.scalars(select(QualityPolicy.year).where(QualityPolicy.unit_id == unit.id)))
    return sorted(years, reverse=True)


def default_year(unit: Unit | None = None) -> int:
    """The latest year with objectives (of the unit, or of anyone), else this year."""
    stmt = select(func.max(Objective.year))
    if unit is not None:
        stmt = stmt.where(Objective.unit_id == unit.id)
    return db.session.scalar(stmt) or date.today().year


@dataclass
class ObjectiveFields:
    year: int | None
    statement: str
    indicator: str
    direction: str
    target: Decimal | None
    unit_of_measure: str = PERCENT
    source: str = Source.MANUAL.value
    include_sub_units: bool = False
    owner: User | None = None
    process_code: str | None = None
    plan_actions: str = ""
    plan_resources: str = ""
    plan_responsible: str = ""
    plan_due: date | None = None
    plan_evaluation: str = ""


def check_objective(f: ObjectiveFields) -> ObjectiveFields:
    """Clean and check an objective's fields; a DomainError names the field at fault."""
    f.year = check_year(f.year)
    f.statement, f.indicator = (f.statement or "").strip(), (f.indicator or "").strip()
    if not f.statement:
        raise DomainError(_("The objective's statement is required."), field="statement")
    if not f.indicator:
        raise DomainError(_("An indicator is required."), field="indicator")
    if len(f.indicator) > 255:
        raise DomainError(_("At most 255 characters."), field="indicator")
    direction = {"≤": "<=", "≥": ">="}.get((f.direction or "").strip(), (f.direction or "").strip())
    if direction not in set(Direction):
        raise DomainError(_("The direction is <= or >=."), field="direction")
    f.direction = direction
    if f.target is None:
        raise DomainError(_("A target is required."), field="target")
    f.target = Decimal(f.target)
    if not f.target.is_finite() or abs(f.target) >= Decimal("1e10"):
        raise DomainError(_("The target is not a usable number."), field="target")
    source = (f.source or "").strip().lower()
    if source not in set(Source):
        raise DomainError(
            _("Unknown source '%(value)s': use one of %(allowed)s.", value=source, allowed=", ".join(Source)),
            field="source",
        )
    f.source = source
    f.unit_of_measure = (f.unit_of_measure or "").strip()
    if source != Source.MANUAL:
        if f.unit_of_measure not in ("", PERCENT):
            raise DomainError(_("A computed rate or index is measured in %."), field="unit_of_measure")
        f.unit_of_measure = PERCENT
        if not Decimal(0) <= f.target <= Decimal(100):
            raise DomainError(_("A percentage target lies between 0 and 100."), field="target")
    elif not f.unit_of_measure:
        raise DomainError(_("A unit of measure is required (%, days, dossiers …)."), field="unit_of_measure")
    if len(f.unit_of_measure) > 40:
        raise DomainError(_("At most 40 characters."), field="unit_of_measure")
    f.process_code = (f.process_code or "").strip() or None
    f.plan_responsible = (f.plan_responsible or "").strip()
    return f


def _apply(objective: Objective, f: ObjectiveFields) -> None:
    objective.year = f.year  # type: ignore[assignment]
    objective.statement, objective.indicator = f.statement, f.indicator
    objective.direction, objective.target = f.direction, f.target  # type: ignore[assignment]
    objective.unit_of_measure, objective.source = f.unit_of_measure, f.source
    objective.include_sub_units = bool(f.include_sub_units) and f.source != Source.MANUAL
    objective.owner = f.owner
    objective.process_code = f.process_code
    objective.plan_actions = (f.plan_actions or "").strip()
    objective.plan_resources = (f.plan_resources or "").strip()
    objective.plan_responsible = f.plan_responsible
    objective.plan_due = f.plan_due
    objective.plan_evaluation = (f.plan_evaluation or "").strip()


def create_objective(unit: Unit, fields: ObjectiveFields, *, actor: User | None) -> Objective:
    if actor is not None:
        access.require_edit_unit_records(actor, unit)
    act_as(actor)
    check_objective(fields)
    objective = Objective(unit_id=unit.id, unit=unit)
    _apply(objective, fields)
    db.session.add(objective)
    db.session.flush()
    return objective


def update_objective(objective: Objective, fields: ObjectiveFields, *, actor: User | None) -> Objective:
    if actor is not None:
        access.require_edit_unit_records(actor, objective.unit)
    act_as(actor)
    check_objective(fields)
    if fields.source != Source.MANUAL and objective.measurements:
        raise DomainError(
            _("This objective has measurements: delete them before computing it from figures."),
            field="source",
        )
    if fields.year != objective.year and objective.measurements:
        raise DomainError(
            _("This objective has measurements of %(year)s.", year=objective.year), field="year"
        )
    _apply(objective, fields)
    db.session.flush()
    return objective


def delete_objective(objective: Objective, *, actor: User | None) -> None:
    if actor is not None:
        access.require_edit_unit_records(actor, objective.unit)
    act_as(actor)
    db.session.delete(objective)
    db.session.flush()


def record_measurement(
    objective: Objective, *, actor: User | None, period: str, value: Decimal | None, note: str = ""
) -> Measurement:
    """Record (or correct) the value of a manual objective for a period of its year."""
    if actor is not None:
        access.require_record_measurements(actor, objective.unit)
    act_as(actor)
    if objective.source != Source.MANUAL:
        raise DomainError(_("This objective is computed from figures: enter the figures instead."))
    p = parse_period(period)
    if p.year != objective.year:
        raise DomainError(
            _("The period must fall in %(year)s, the objective's year.", year=objective.year), field="period"
        )
    if value is None:
        raise DomainError(_("A value is required."), field="value")
    value = Decimal(value)
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise DomainError(_("The value is not a usable number."), field="value")
    measurement = next((m for m in objective.measurements if m.period == str(p)), None)
    if measurement is None:
        measurement = Measurement(period=str(p))
        objective.measurements.append(measurement)
    measurement.value, measurement.note = value, (note or "").strip()
    db.session.flush()
    return measurement


def delete_measurement(measurement: Measurement, *, actor: User | None) -> None:
    objective = measurement.objective
    if actor is not None:
        access.require_record_measurements(actor, objective.unit)
    act_as(actor)
    objective.measurements.remove(measurement)
    db.session.flush()


# --- what pages show -------------------------------------------------------------------------


@dataclass
class QualityOverview:
    unit: Unit
    year: int
    years: list[int]
    policy: QualityPolicy | None
    evaluations: list[Evaluation]

    def count(self, value: Attainment) -> int:
        return sum(1 for e in self.evaluations if e.attainment == value)


def overview(unit: Unit, year: int | None = None) -> QualityOverview:
    year = year or default_year(unit)
    book = FigureBook()
    years = sorted({*years_of(unit), year}, reverse=True)
    return QualityOverview(
        unit, year, years, policy_of(unit, year), [evaluate(o, book) for o in objectives_of(unit, year)]
    )


@dataclass
class UnitAttainment:
    unit: Unit
    met: int = 0
    not_met: int = 0
    no_data: int = 0

    @property
    def total(self) -> int:
        return self.met + self.not_met + self.no_data


def attainment_by_unit(user: User, year: int | None = None) -> tuple[int, list[UnitAttainment]]:
    """Per unit the user may read: how many of the year's objectives are met, not met, without data."""
    unit_filter = None if access.reads_everything(user) else {m.unit_id for m in user.memberships}
    year_stmt = select(func.max(Objective.year))
    if unit_filter is not None:
        year_stmt = year_stmt.where(Objective.unit_id.in_(unit_filter))
    year = year or db.session.scalar(year_stmt) or date.today().year
    stmt = select(Objective).where(Objective.year == year).order_by(Objective.unit_id, Objective.id)
    if unit_filter is not None:
        stmt = stmt.where(Objective.unit_id.in_(unit_filter))
    book = FigureBook()
    rows: dict[int, UnitAttainment] = {}
    for objective in db.session.scalars(stmt):
        line = rows.setdefault(objective.unit_id, UnitAttainment(objective.unit))
        result = evaluate(objective, book).attainment
        if result == Attainment.MET:
            line.met += 1
        elif result == Attainment.NOT_MET:
            line.not_met += 1
        else:
            line.no_data += 1
    ordered = sorted(rows.values(), key=lambda r: (r.unit.kind != "city", r.unit.kind, r.unit.code))
    return year, ordered


# --- import ----------------------------------------------------------------------------------


@dataclass
class ObjectivesImportResult:
    created: int = 0
    updated: int = 0


def _flag(row: Row, column: str) -> bool:
    text = row.get(column).lower()
    if text in ("", "0", "no", "false", "n", "không"):
        return False
    if text in ("1", "yes", "true", "y", "có"):
        return True
    raise row.fail(column, _("'%(value)s' is not yes or no", value=row.get(column)))


def _same_objective(unit: Unit, fields: ObjectiveFields) -> Objective | None:
    return db.session.scalars(
        select(Objective).where(
            Objective.unit_id == unit.id,
            Objective.year == fields.year,
            func.lower(Objective.statement) == func.lower(fields.statement),
        )
    ).first()


def import_objectives(path: str | Path, *, actor: User | None) -> ObjectivesImportResult:
    """Objectives from CSV/XLSX (unit_code,year,statement,indicator,direction,target,unit_of_measure,source;
    optional include_sub_units, owner_email, process_code). An objective with the same unit, year and
    statement is updated. All or nothing."""
    from qms.services.org import user_by_email

    limits = {
        "unit_code": limit_of(Unit.code),
        "statement": limit_of(Objective.statement),
        "indicator": limit_of(Objective.indicator),
        "unit_of_measure": limit_of(Objective.unit_of_measure),
        "process_code": limit_of(Objective.process_code),
    }
    rows = read_table(path, OBJECTIVE_COLUMNS, limits=limits)
    units = org.units_by_code()
    seen: dict[tuple[int, int, str], int] = {}
    parsed: list[tuple[Unit, ObjectiveFields, Objective | None]] = []
    for row in rows:
        code = row.get("unit_code").upper()
        unit = units.get(code)
        if not code:
            raise row.fail("unit_code", _("a unit code is required"))
        if unit is None:
            raise row.fail("unit_code", _("no unit has the code %(code)s", code=code))
        if actor is not None and not access.can_edit_unit_records(actor, unit):
            raise row.fail("unit_code", _("you may not change the records of %(code)s", code=unit.code))
        year_text = row.get("year")
        if whole_number(year_text) is None:
            raise row.fail("year", _("'%(value)s' is not a year", value=year_text))
        if not row.get("target"):
            raise row.fail("target", _("a target is required"))
        owner = None
        if row.get("owner_email"):
            owner = user_by_email(row.get("owner_email"))
            if owner is None:
                raise row.fail("owner_email", _("no user has this e-mail address"))
        fields = ObjectiveFields(
            year=int(year_text),
            statement=row.get("statement"),
            indicator=row.get("indicator"),
            direction=row.get("direction"),
            target=parse_decimal(row, "target"),
            unit_of_measure=row.get("unit_of_measure"),
            source=row.get("source").lower() or Source.MANUAL.value,
            include_sub_units=_flag(row, "include_sub_units"),
            owner=owner,
            process_code=row.get("process_code"),
        )
        try:
            check_objective(fields)
        except DomainError as exc:
            raise row.fail(exc.field or "", exc.message) from None
        key = (unit.id, fields.year, fields.statement.lower())  # type: ignore[arg-type]
        if key in seen:
            raise row.fail("statement", _("the same objective already appears in row %(row)s", row=seen[key]))
        seen[key] = row.number
        existing = _same_objective(unit, fields)
        if existing is not None and existing.measurements and fields.source != Source.MANUAL:
            raise row.fail("source", _("the objective has measurements and cannot become computed"))
        parsed.append((unit, fields, existing))
    act_as(actor)
    result = ObjectivesImportResult()
    for unit, fields, existing in parsed:
        if existing is None:
            objective = Objective(unit_id=unit.id, unit=unit)
            _apply(objective, fields)
            db.session.add(objective)
            result.created += 1
        else:
            # The file carries no plan: an updated objective keeps its plan, owner and process.
            for name in ("plan_actions", "plan_resources", "plan_responsible", "plan_due", "plan_evaluation"):
                setattr(fields, name, getattr(existing, name))
            fields.owner = fields.owner or existing.owner
            fields.process_code = fields.process_code or existing.process_code
            _apply(existing, fields)
            result.updated += 1
    db.session.flush()
    return result
