"""The figures of the yearly report's section on the quality system: what was issued, the units that
apply the system, the internal audit round, the management reviews held, the transition's status, the
dossier figures of the city level and of the ward/commune level, and the satisfaction index.

Everything is counted in SQL; the exporter (audits/exports/annual_report.py) only writes sentences.
A unit given (`unit`) narrows every figure to that unit and its sub-units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, case, distinct, func, select

from audits.models import NC_KINDS, Audit, AuditProgramme, AuditStatus, AuditUnit, Finding, FindingStatus
from audits.services import review_summary
from qms.extensions import db
from qms.models.objectives import CaseStatistics, Objective, QualityPolicy, SatisfactionIndex, Source
from qms.models.org import Unit, UnitKind
from qms.numbers import whole_number
from qms.services import case_stats
from qms.services.access import top_level_condition
from qms.services.case_stats import HUNDREDTH, CaseFigures
from qms.services.errors import DomainError
from qms.services.periods import check_year, parse_period
from qms.services.transition import current_transition, progress

# An audit counts as held once it has started; cancelled and planned ones have not been held.
HELD_STATUSES = (
    AuditStatus.IN_PROGRESS.value,
    AuditStatus.REPORT_SUBMITTED.value,
    AuditStatus.REPORTED.value,
    AuditStatus.CLOSED.value,
)
CITY_LEVEL_KINDS = (UnitKind.CITY.value, UnitKind.DEPARTMENT.value)
COMMUNE_LEVEL_KINDS = (UnitKind.COMMUNE.value,)
_GRANULARITY_ORDER = ("year", "quarter", "month")


def parse_report_year(text: str | int | None) -> int:
    """The year asked for on the command line or in a URL; a DomainError names what is wrong."""
    raw = str(text if text is not None else "").strip()
    year = whole_number(raw)
    if year is None:
        raise DomainError(_("'%(value)s' is not a year.", value=raw), field="year")
    return check_year(year)


# --- case statistics and satisfaction of a year, per unit ------------------------------------


def _granularity() -> object:
    return case(
        (func.length(CaseStatistics.period) == 4, "year"),
        (CaseStatistics.period.like("%Q%"), "quarter"),
        else_="month",
    )


def year_case_figures(year: int, unit_ids: set[int] | None = None) -> dict[int, CaseFigures]:
    """Each unit's own dossier figures of `year`: its yearly figures, else the sum of its quarters, else
    of its months (never two of them added up), summed in SQL."""
    granularity = _granularity().label("granularity")  # type: ignore[attr-defined]
    stmt = (
        select(
            CaseStatistics.unit_id,
            granularity,
            *(func.sum(getattr(CaseStatistics, name)) for name in case_stats.COUNT_FIELDS),
        )
        .where(CaseStatistics.period.like(f"{year}%"))
        .group_by(CaseStatistics.unit_id, granularity)
    )
    if unit_ids is not None:
        stmt = stmt.where(CaseStatistics.unit_id.in_(unit_ids or {-1}))
    found: dict[int, dict[str, CaseFigures]] = {}
    for unit_id, kind, *counts in db.session.execute(stmt):
        found.setdefault(unit_id, {})[kind] = CaseFigures(*(int(c or 0) for c in counts))
    return {
        unit_id: next(by_kind[k] for k in _GRANULARITY_ORDER if k in by_kind)
        for unit_id, by_kind in found.items()
    }


def year_satisfaction(year: int, unit_ids: set[int] | None = None) -> dict[int, tuple[Decimal, int | None]]:
    """Each unit's satisfaction index of `year` (its yearly index, else its latest of the year), with
    the number of respondents."""
    stmt = select(SatisfactionIndex).where(SatisfactionIndex.period.like(f"{year}%"))
    if unit_ids is not None:
        stmt = stmt.where(SatisfactionIndex.unit_id.in_(unit_ids or {-1}))
    best: dict[int, SatisfactionIndex] = {}

    def rank(row: SatisfactionIndex) -> tuple[bool, tuple[int, int, int]]:
        return len(row.period) == 4, parse_period(row.period).sort_key()

    for row in db.session.scalars(stmt):
        current = best.get(row.unit_id)
        if current is None or rank(row) > rank(current):
            best[row.unit_id] = row
    return {uid: (Decimal(r.index_percent), r.respondents) for uid, r in best.items()}


def mean_index(values: list[tuple[Decimal, int | None]]) -> Decimal | None:
    """One index, weighted by respondents when every unit gave them, else the plain mean."""
    if not values:
        return None
    if len(values) == 1:
        return values[0][0].quantize(HUNDREDTH)
    if all(n for _v, n in values):
        total = sum(Decimal(v) * n for v, n in values)  # type: ignore[operator]
        mean = total / sum(n for _v, n in values)  # type: ignore[misc]
    else:
        mean = sum(v for v, _n in values) / len(values)
    return Decimal(mean).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _targets(year: int, unit_ids: set[int], source: Source) -> Decimal | None:
    """The target most of the units' objectives of `source` set for the year."""
    rows = db.session.execute(
        select(Objective.target, func.count())
        .where(
            Objective.year == year, Objective.source == source.value, Objective.unit_id.in_(unit_ids or {-1})
        )
        .group_by(Objective.target)
        .order_by(func.count().desc(), Objective.target.desc())
    ).first()
    return Decimal(rows[0]) if rows else None


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """The dossier figures and satisfaction of one level: the city (its People's Committee and its
    departments), the wards and communes, or the unit asked for."""

    key: str  # "city", "communes" or "unit"
    name: str
    units: int
    cases: CaseFigures | None
    online_target: Decimal | None
    satisfaction: Decimal | None
    satisfaction_target: Decimal | None


@dataclass(frozen=True)
class AuditRound:
    start: date
    end: date
    edition: str
    audits: int
    units_by_kind: dict[str, int]
    unit_names: list[str]  # when a single unit is reported on
    major: int
    minor: int
    corrected: int  # closed after an effective verification

    @property
    def nonconformities(self) -> int:
        return self.major + self.minor


@dataclass(frozen=True)
class TransitionStatus:
    target_date: date
    as_of: date
    units: int
    done: int
    applicable: int
    units_behind: int

    @property
    def percent(self) -> Decimal:
        if not self.applicable:
            return Decimal(100).quantize(HUNDREDTH)
        return case_stats.percent(self.done, self.applicable) or Decimal(0)


@dataclass(frozen=True)
class CommuneActivity:
    """What the wards and communes did: out of `total`, how many set objectives, a quality plan, were
    audited, measured satisfaction."""

    total: int
    with_objectives: int
    with_plan: int
    audited: int
    surveyed: int


@dataclass
class AnnualReport:
    year: int
    top: Unit  # the issuing People's Committee: the top unit, or the unit asked for
    unit: Unit | None  # None: the whole organisation
    edition: str | None
    policy: bool
    objectives: bool
    plan: bool
    applying: dict[str, int]  # unit kind → units with objectives of the year
    audit_round: AuditRound | None
    audits_planned: int
    reviews: list[review_summary.HeldReview]
    transition: TransitionStatus | None
    communes: CommuneActivity | None
    levels: list[Level] = field(default_factory=list)


def _top_unit() -> Unit:
    top = db.session.scalar(select(Unit).where(top_level_condition()).order_by(Unit.id).limit(1))
    if top is None:
        raise DomainError(_("The organisation has no top-level unit (the city People's Committee)."))
    return top


def _unit_kinds(unit: Unit | None) -> dict[int, str]:
    """Every unit reported on (id → kind): the unit and its sub-units, or every unit."""
    rows = dict(db.session.execute(select(Unit.id, Unit.kind)).all())
    if unit is None:
        return rows
    children: dict[int | None, list[int]] = {}
    for uid, parent in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(uid)
    return {uid: rows[uid] for uid in case_stats.subtree(unit.id, children)}


def _issued(year: int, unit_ids: set[int]) -> tuple[bool, bool, bool]:
    policy = db.session.scalar(
        select(func.count(QualityPolicy.id)).where(
            QualityPolicy.year == year, QualityPolicy.unit_id.in_(unit_ids)
        )
    )
    objectives, planned = db.session.execute(
        select(
            func.count(Objective.id),
            func.sum(case((func.coalesce(Objective.plan_actions, "") != "", 1), else_=0)),
        ).where(Objective.year == year, Objective.unit_id.in_(unit_ids))
    ).one()
    return bool(policy), bool(objectives), bool(planned)


def _applying(year: int, kinds: dict[int, str]) -> dict[str, int]:
    rows = db.session.execute(
        select(Unit.kind, func.count(distinct(Objective.unit_id)))
        .join(Unit, Unit.id == Objective.unit_id)
        .where(Objective.year == year, Objective.unit_id.in_(set(kinds)))
        .group_by(Unit.kind)
    )
    return {kind: int(n) for kind, n in rows}


def _held_audits(year: int, unit_ids: set[int]) -> Select:
    return (
        select(Audit.id)
        .join(AuditUnit, AuditUnit.audit_id == Audit.id)
        .where(Audit.year == year, Audit.status.in_(HELD_STATUSES), AuditUnit.unit_id.in_(unit_ids))
    )


def _audit_round(year: int, kinds: dict[int, str], unit: Unit | None) -> AuditRound | None:
    unit_ids = set(kinds)
    held = _held_audits(year, unit_ids).scalar_subquery()
    start, end, count = db.session.execute(
        select(func.min(Audit.planned_start), func.max(Audit.planned_end), func.count(Audit.id)).where(
            Audit.id.in_(held)
        )
    ).one()
    if not count:
        return None
    audited = db.session.execute(
        select(Unit.kind, func.count(distinct(AuditUnit.unit_id)))
        .join(Unit, Unit.id == AuditUnit.unit_id)
        .where(AuditUnit.audit_id.in_(held), AuditUnit.unit_id.in_(unit_ids))
        .group_by(Unit.kind)
    )
    counts = db.session.execute(
        select(
            Finding.kind,
            func.count(Finding.id),
            func.sum(case((Finding.status == FindingStatus.CLOSED.value, 1), else_=0)),
        )
        .where(
            Finding.audit_id.in_(held),
            Finding.unit_id.in_(unit_ids),
            Finding.kind.in_([k.value for k in NC_KINDS]),
            Finding.status != FindingStatus.WITHDRAWN.value,
        )
        .group_by(Finding.kind)
    )
    by_kind = {kind: (int(n), int(closed or 0)) for kind, n, closed in counts}
    edition = db.session.scalar(select(AuditProgramme.edition).where(AuditProgramme.year == year)) or ""
    return AuditRound(
        start=start,
        end=end,
        edition=edition,
        audits=int(count),
        units_by_kind={kind: int(n) for kind, n in audited},
        unit_names=[unit.name] if unit is not None and unit.kind != UnitKind.CITY else [],
        major=by_kind.get("major", (0, 0))[0],
        minor=by_kind.get("minor", (0, 0))[0],
        corrected=sum(closed for _n, closed in by_kind.values()),
    )


def _audits_planned(year: int, unit_ids: set[int]) -> int:
    return (
        db.session.scalar(
            select(func.count(distinct(Audit.id)))
            .join(AuditUnit, AuditUnit.audit_id == Audit.id)
            .where(
                Audit.year == year,
                Audit.status != AuditStatus.CANCELLED.value,
                AuditUnit.unit_id.in_(unit_ids),
            )
        )
        or 0
    )


def _transition(unit: Unit | None, year: int, today: date) -> TransitionStatus | None:
    """The open transition's status, in the report of a year it had started by."""
    transition = current_transition()
    if transition is None or transition.started_on.year > year:
        return None
    unit_ids = None if unit is None or unit.kind == UnitKind.CITY else {unit.id}
    result = progress(transition, today=today, unit_ids=unit_ids)
    if not result.rows:
        return None
    return TransitionStatus(
        target_date=transition.target_date,
        as_of=today,
        units=len(result.rows),
        done=result.done,
        applicable=result.applicable,
        units_behind=len(result.units_behind),
    )


def _communes(year: int, kinds: dict[int, str]) -> CommuneActivity | None:
    ids = {uid for uid, kind in kinds.items() if kind in COMMUNE_LEVEL_KINDS}
    if not ids:
        return None
    with_objectives, with_plan = db.session.execute(
        select(
            func.count(distinct(Objective.unit_id)),
            func.count(distinct(case((func.coalesce(Objective.plan_actions, "") != "", Objective.unit_id)))),
        ).where(Objective.year == year, Objective.unit_id.in_(ids))
    ).one()
    audited = db.session.scalar(
        select(func.count(distinct(AuditUnit.unit_id))).where(
            AuditUnit.audit_id.in_(_held_audits(year, ids).scalar_subquery()), AuditUnit.unit_id.in_(ids)
        )
    )
    surveyed = len(year_satisfaction(year, ids))
    return CommuneActivity(len(ids), int(with_objectives), int(with_plan), int(audited or 0), surveyed)


def _level(key: str, name: str, year: int, ids: set[int], top_id: int | None = None) -> Level:
    figures = year_case_figures(year, ids)
    satisfaction = year_satisfaction(year, ids)
    index = satisfaction[top_id][0].quantize(HUNDREDTH) if top_id in satisfaction else None
    if index is None:
        index = mean_index(list(satisfaction.values()))
    return Level(
        key=key,
        name=name,
        units=len(ids),
        cases=case_stats.total(figures.values()) if figures else None,
        online_target=_targets(year, ids, Source.ONLINE_RATE),
        satisfaction=index,
        satisfaction_target=_targets(year, ids, Source.SATISFACTION),
    )


def annual_report(year: int, unit: Unit | None = None, *, today: date | None = None) -> AnnualReport:
    """The figures of the section for `year`: of the whole organisation, or of `unit` and its sub-units
    (the top unit is the whole organisation)."""
    year = check_year(year)
    today = today or date.today()
    top = _top_unit()
    if unit is not None and unit.id == top.id:
        unit = None
    kinds = _unit_kinds(unit)
    unit_ids = set(kinds)
    issuer = unit or top
    city_ids = {uid for uid, kind in kinds.items() if kind in CITY_LEVEL_KINDS}
    commune_ids = {uid for uid, kind in kinds.items() if kind in COMMUNE_LEVEL_KINDS}
    # The city's policy is its own; its objectives and plan are those of the city level as a whole.
    policy = _issued(year, {top.id})[0] if unit is None else _issued(year, unit_ids)[0]
    _policy, objectives, plan = _issued(year, city_ids if unit is None else unit_ids)
    audit_round = _audit_round(year, kinds, unit)
    programme_edition = db.session.scalar(select(AuditProgramme.edition).where(AuditProgramme.year == year))
    report = AnnualReport(
        year=year,
        top=issuer,
        unit=unit,
        edition=programme_edition,
        policy=policy,
        objectives=objectives,
        plan=plan,
        applying=_applying(year, kinds),
        audit_round=audit_round,
        audits_planned=_audits_planned(year, unit_ids),
        reviews=review_summary.held_reviews(year, None if unit is None else unit.id),
        transition=_transition(unit, year, today),
        communes=_communes(year, kinds) if unit is None else None,
    )
    if unit is None:
        report.levels.append(_level("city", top.name, year, city_ids, top.id))
        if commune_ids:
            report.levels.append(
                _level("communes", _("the ward and commune People's Committees"), year, commune_ids)
            )
    else:
        report.levels.append(_level("unit", unit.name, year, unit_ids, unit.id))
    return report
