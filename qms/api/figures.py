"""Case statistics and satisfaction indices: read them, and the one-stop shop's monthly push.

A push is a batch of (unit, period) figures, checked whole with the checks of `qms import case-stats` /
`qms import satisfaction` before anything is written: one error and nothing is (422, every error
listed). Sending the same batch again changes nothing and answers the same.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import validate
from sqlalchemy import select

from qms.api.core import PageArgs, api_blueprint, current_actor, page_schema, paginate
from qms.api.registers import CODE, YEAR, unit_ids_for
from qms.extensions import db
from qms.models.objectives import CaseStatistics, SatisfactionIndex
from qms.models.org import Unit
from qms.services import access, org
from qms.services.case_stats import (
    COUNT_FIELDS,
    CaseFigures,
    case_statistics_of,
    check_case_figures,
    check_satisfaction,
    record_case_statistics,
    record_satisfaction,
    satisfaction_of,
)
from qms.services.errors import DomainError
from qms.services.periods import parse_period

bp = api_blueprint("api_figures", __name__, description="Case statistics and satisfaction (read and push)")

MAX_COUNT = 1_000_000_000
MAX_BATCH = 1000
PERIOD = validate.Length(min=4, max=7)
PERIOD_HELP = "`2018`, `2018-Q3` or `2018-07`"


class FigureArgs(PageArgs):
    unit = ma.fields.String(validate=CODE, metadata={"description": "A unit's code"})
    year = ma.fields.Integer(validate=YEAR)
    period = ma.fields.String(validate=PERIOD, metadata={"description": PERIOD_HELP})


def _filtered(model: Any, args: dict[str, Any]) -> list[Any]:
    stmt = select(model).where(model.unit_id.in_(unit_ids_for(args.get("unit"))))
    if args.get("period"):
        try:
            period = str(parse_period(args["period"]))
        except DomainError as exc:
            raise DomainError(exc.message, field="period") from None
        stmt = stmt.where(model.period == period)
    elif args.get("year"):
        stmt = stmt.where(model.period.like(f"{args['year']}%"))
    return list(db.session.scalars(stmt))


# --- case statistics ---------------------------------------------------------------------------


def _count(required: bool = True) -> ma.fields.Integer:
    extra: dict[str, Any] = {"required": True} if required else {"load_default": 0}
    return ma.fields.Integer(strict=True, validate=validate.Range(0, MAX_COUNT), **extra)


class CaseItem(ma.Schema):
    unit_code = ma.fields.String(required=True, validate=CODE)
    period = ma.fields.String(required=True, validate=PERIOD, metadata={"description": PERIOD_HELP})
    received = _count()
    resolved = _count()
    on_time = _count()
    late = _count()
    online_eligible = _count(required=False)
    online = _count(required=False)


class CaseOut(CaseItem):
    late_rate = ma.fields.Float(allow_none=True)
    on_time_rate = ma.fields.Float(allow_none=True)
    resolution_rate = ma.fields.Float(allow_none=True)
    online_rate = ma.fields.Float(allow_none=True)


def _rate(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _case_row(row: CaseStatistics) -> dict[str, Any]:
    figures = CaseFigures.of(row)
    return {
        "unit_code": row.unit.code,
        "period": row.period,
        **{name: getattr(row, name) for name in COUNT_FIELDS},
        "late_rate": _rate(figures.late_rate),
        "on_time_rate": _rate(figures.on_time_rate),
        "resolution_rate": _rate(figures.resolution_rate),
        "online_rate": _rate(figures.online_rate),
    }


@bp.route("/case-statistics")
@bp.arguments(FigureArgs, location="query")
@bp.response(200, page_schema(CaseOut, "CaseStatisticsPage"))
def case_statistics(args: dict[str, Any]) -> dict[str, Any]:
    """Dossier figures per unit and period, with the rates computed as on the statistics page"""
    return paginate(_filtered(CaseStatistics, args), args, _case_row)


class CaseBatch(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(CaseItem), required=True, validate=validate.Length(min=1, max=MAX_BATCH)
    )


class PushResult(ma.Schema):
    created = ma.fields.Integer(metadata={"description": "Unit-periods stored for the first time"})
    replaced = ma.fields.Integer(metadata={"description": "Unit-periods whose stored figures changed"})
    unchanged = ma.fields.Integer(metadata={"description": "Unit-periods already stored as sent"})


class _Batch:
    """Collects every item's errors (pointer `/items/<i>/<field>`) before anything is written."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []
        self.units = org.units_by_code()
        self.seen: dict[tuple[int, str], int] = {}

    def fail(self, index: int, field: str, detail: str) -> None:
        self.errors.append({"pointer": f"/items/{index}/{field}", "detail": detail})

    def target(self, index: int, item: dict[str, Any]) -> tuple[Unit, str] | None:
        """The item's unit and normalised period, if it names a unit the caller may change and a
        period not already in the batch."""
        unit = self.units.get(item["unit_code"].strip().upper())
        if unit is None:
            self.fail(index, "unit_code", _("No unit has the code %(code)s.", code=item["unit_code"]))
            return None
        if not access.can_edit_unit_records(current_actor(), unit):
            self.fail(index, "unit_code", _("you may not change the records of %(code)s", code=unit.code))
            return None
        try:
            period = str(parse_period(item["period"]))
        except DomainError as exc:
            self.fail(index, "period", exc.message)
            return None
        if (unit.id, period) in self.seen:
            first = self.seen[(unit.id, period)]
            message = _("%(unit)s %(period)s already appears in item %(row)s", unit=unit.code, period=period,
                        row=first)  # fmt: skip
            self.fail(index, "period", message)
            return None
        self.seen[(unit.id, period)] = index
        return unit, period

    def check(self, index: int, checker: Callable[[], Any]) -> Any:
        try:
            return checker()
        except DomainError as exc:
            self.fail(index, exc.field or "", exc.message)
            return None

    def refuse_if_wrong(self) -> None:
        if self.errors:
            raise BatchRefused(self.errors)


class BatchRefused(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("batch refused")
        self.errors = errors


@bp.errorhandler(BatchRefused)
def _refused(exc: BatchRefused) -> Any:
    from qms.api.problems import problem

    db.session.rollback()
    return problem(
        422, "Unprocessable Content", _("Nothing was written: %(n)s error(s).", n=len(exc.errors)), exc.errors
    )


@bp.route("/case-statistics", methods=["POST"])
@bp.arguments(CaseBatch)
@bp.response(200, PushResult)
@bp.alt_response(422, description="Nothing written; every error listed")
def push_case_statistics(batch: dict[str, Any]) -> dict[str, int]:
    """Push dossier figures (idempotent per unit and period; all or nothing)"""
    check = _Batch()
    planned: list[tuple[Unit, str, CaseFigures]] = []
    for index, item in enumerate(batch["items"]):
        target = check.target(index, item)
        figures = check.check(
            index, lambda item=item: check_case_figures(**{n: item[n] for n in COUNT_FIELDS})
        )
        if target and figures:
            planned.append((*target, figures))
    check.refuse_if_wrong()
    result = {"created": 0, "replaced": 0, "unchanged": 0}
    for unit, period, figures in planned:
        stored = case_statistics_of(unit, period)
        if stored is not None and CaseFigures.of(stored) == figures:
            result["unchanged"] += 1
            continue
        record_case_statistics(unit, actor=current_actor(), period=period,
                               **{n: getattr(figures, n) for n in COUNT_FIELDS})  # fmt: skip
        result["created" if stored is None else "replaced"] += 1
    db.session.commit()
    return result


# --- satisfaction ------------------------------------------------------------------------------


class SatisfactionItem(ma.Schema):
    unit_code = ma.fields.String(required=True, validate=CODE)
    period = ma.fields.String(required=True, validate=PERIOD, metadata={"description": PERIOD_HELP})
    index_percent = ma.fields.Float(  # a JSON number, read as its decimal text (78.5 → Decimal("78.5"))
        required=True,
        allow_nan=False,
        validate=validate.Range(0, 100),
        metadata={"description": "0–100, two decimals"},
    )
    respondents = ma.fields.Integer(strict=True, allow_none=True, load_default=None,
                                    validate=validate.Range(0, MAX_COUNT))  # fmt: skip


class SatisfactionOut(ma.Schema):
    unit_code = ma.fields.String()
    period = ma.fields.String()
    index_percent = ma.fields.Float()
    respondents = ma.fields.Integer(allow_none=True)


class SatisfactionBatch(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(SatisfactionItem), required=True, validate=validate.Length(min=1, max=MAX_BATCH)
    )


@bp.route("/satisfaction")
@bp.arguments(FigureArgs, location="query")
@bp.response(200, page_schema(SatisfactionOut, "SatisfactionPage"))
def satisfaction(args: dict[str, Any]) -> dict[str, Any]:
    """Satisfaction indices per unit and period"""
    return paginate(
        _filtered(SatisfactionIndex, args),
        args,
        lambda r: {"unit_code": r.unit.code, "period": r.period, "index_percent": float(r.index_percent),
                   "respondents": r.respondents},
    )  # fmt: skip


@bp.route("/satisfaction", methods=["POST"])
@bp.arguments(SatisfactionBatch)
@bp.response(200, PushResult)
@bp.alt_response(422, description="Nothing written; every error listed")
def push_satisfaction(batch: dict[str, Any]) -> dict[str, int]:
    """Push satisfaction indices (idempotent per unit and period; all or nothing)"""
    check = _Batch()
    planned: list[tuple[Unit, str, Decimal, int | None]] = []
    for index, item in enumerate(batch["items"]):
        target = check.target(index, item)
        checked = check.check(
            index,
            lambda item=item: check_satisfaction(Decimal(str(item["index_percent"])), item["respondents"]),
        )
        if target and checked:
            planned.append((*target, *checked))
    check.refuse_if_wrong()
    result = {"created": 0, "replaced": 0, "unchanged": 0}
    for unit, period, index_percent, respondents in planned:
        stored = satisfaction_of(unit, period)
        if stored is not None and (Decimal(stored.index_percent), stored.respondents) == (
            index_percent,
            respondents,
        ):
            result["unchanged"] += 1
            continue
        record_satisfaction(unit, actor=current_actor(), period=period, index_percent=index_percent,
                            respondents=respondents)  # fmt: skip
        result["created" if stored is None else "replaced"] += 1
    db.session.commit()
    return result
