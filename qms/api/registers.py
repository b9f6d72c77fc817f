"""Read endpoints of the quality system's registers: units, objectives with attainment, procedures and
controlled documents. Each asks the same service functions and access rules as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate
from sqlalchemy import select

from qms.api.core import PageArgs, api_blueprint, current_actor, page_schema, paginate
from qms.extensions import db
from qms.models.documents import DocumentStatus
from qms.models.objectives import Objective
from qms.models.org import Unit
from qms.services import access, documents, org, processes
from qms.services import objectives as objective_service
from qms.services.periods import MAX_YEAR, MIN_YEAR

bp = api_blueprint("api_registers", __name__, description="Units, objectives, procedures and documents")

CODE = validate.Length(min=1, max=40)
YEAR = validate.Range(MIN_YEAR, MAX_YEAR)


def readable_units(on: date | None = None) -> list[Unit]:
    """The units the caller may read (as the unit tree page shows them); `on` keeps those in force that
    day: by validity dates where the unit records them, else the units active now."""
    user = current_actor()
    units = [u for u, _depth in org.units_tree() if access.can_read_unit(user, u)]
    if on is None:
        return units
    kept = []
    for unit in units:
        valid_from = getattr(unit, "valid_from", None)
        valid_until = getattr(unit, "valid_until", None)
        if valid_from is None and valid_until is None:
            if unit.active:
                kept.append(unit)
        elif (valid_from is None or valid_from <= on) and (valid_until is None or on <= valid_until):
            kept.append(unit)
    return kept


def unit_ids_for(code: str | None) -> set[int]:
    """The readable units, or the one named by `code` (404 if unknown, 403 if not readable)."""
    if code is None:
        return {u.id for u in readable_units()}
    unit = org.unit_by_code(code)
    access.require_read_unit(current_actor(), unit)
    return {unit.id}


# --- units -------------------------------------------------------------------------------------


class UnitArgs(PageArgs):
    on = ma.fields.Date(metadata={"description": "Units in force on this day (YYYY-MM-DD)"})


class UnitOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    parent_code = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()


def _unit_row(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": unit.parent.code if unit.parent else None,
        "active": unit.active,
    }


@bp.route("/units")
@bp.arguments(UnitArgs, location="query")
@bp.response(200, page_schema(UnitOut, "UnitPage"))
def units(args: dict[str, Any]) -> dict[str, Any]:
    """The units the caller may read"""
    return paginate(readable_units(args.get("on")), args, _unit_row)


# --- quality objectives ------------------------------------------------------------------------


class ObjectiveArgs(PageArgs):
    unit = ma.fields.String(validate=CODE, metadata={"description": "A unit's code"})
    year = ma.fields.Integer(validate=YEAR)


class ObjectiveOut(ma.Schema):
    id = ma.fields.Integer()
    unit_code = ma.fields.String()
    year = ma.fields.Integer()
    statement = ma.fields.String()
    indicator = ma.fields.String()
    direction = ma.fields.String(metadata={"description": "`<=` or `>=`"})
    target = ma.fields.Float()
    unit_of_measure = ma.fields.String()
    source = ma.fields.String()
    period = ma.fields.String(allow_none=True, metadata={"description": "The period the value is for"})
    value = ma.fields.Float(allow_none=True)
    attainment = ma.fields.String(metadata={"description": "met, not_met or no_data"})


def _objective_row(objective: Objective) -> dict[str, Any]:
    evaluation = objective_service.evaluate(objective)
    return {
        "id": objective.id,
        "unit_code": objective.unit.code,
        "year": objective.year,
        "statement": objective.statement,
        "indicator": objective.indicator,
        "direction": objective.direction,
        "target": float(objective.target),
        "unit_of_measure": objective.unit_of_measure,
        "source": objective.source,
        "period": evaluation.period,
        "value": float(evaluation.value) if evaluation.value is not None else None,
        "attainment": str(evaluation.attainment),
    }


@bp.route("/objectives")
@bp.arguments(ObjectiveArgs, location="query")
@bp.response(200, page_schema(ObjectiveOut, "ObjectivePage"))
def objectives(args: dict[str, Any]) -> dict[str, Any]:
    """Quality objectives with their attainment (computed as on the objectives page)"""
    stmt = select(Objective).where(Objective.unit_id.in_(unit_ids_for(args.get("unit"))))
    if args.get("year"):
        stmt = stmt.where(Objective.year == args["year"])
    return paginate(list(db.session.scalars(stmt)), args, _objective_row)


# --- procedures and documents ------------------------------------------------------------------


class ProcedureArgs(PageArgs):
    unit = ma.fields.String(validate=CODE, metadata={"description": "A unit's code"})
    status = ma.fields.String(validate=validate.OneOf(["draft", "approved", "superseded"]))


class ProcedureOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    version = ma.fields.Integer()
    title = ma.fields.String()
    kind = ma.fields.String()
    unit_code = ma.fields.String()
    status = ma.fields.String()
    time_limit_days = ma.fields.Float(allow_none=True)
    effective_date = ma.fields.Date(allow_none=True)


@bp.route("/procedures")
@bp.arguments(ProcedureArgs, location="query")
@bp.response(200, page_schema(ProcedureOut, "ProcedurePage"))
def procedures(args: dict[str, Any]) -> dict[str, Any]:
    """The current procedures the caller may read (as the procedures page lists them)"""
    found = processes.readable_processes(current_actor())
    if args.get("unit"):
        found = [p for p in found if p.unit.code == args["unit"].upper()]
    if args.get("status"):
        found = [p for p in found if p.status == args["status"]]
    return paginate(
        found,
        args,
        lambda p: {
            "id": p.id, "code": p.code, "version": p.version, "title": p.title, "kind": p.kind,
            "unit_code": p.unit.code, "status": p.status,
            "time_limit_days": float(p.time_limit_days) if p.time_limit_days is not None else None,
            "effective_date": p.effective_date,
        },
    )  # fmt: skip


class DocumentArgs(PageArgs):
    unit = ma.fields.String(validate=CODE, metadata={"description": "A unit's code"})
    status = ma.fields.String(validate=validate.OneOf([s.value for s in DocumentStatus]))


class DocumentOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    kind = ma.fields.String()
    revision = ma.fields.Integer()
    unit_code = ma.fields.String()
    status = ma.fields.String()
    issue_date = ma.fields.Date(allow_none=True)
    review_due = ma.fields.Date(allow_none=True)


@bp.route("/documents")
@bp.arguments(DocumentArgs, location="query")
@bp.response(200, page_schema(DocumentOut, "DocumentPage"))
def documents_list(args: dict[str, Any]) -> dict[str, Any]:
    """Controlled documents the caller may read, superseded revisions left out"""
    found = documents.documents_readable_by(current_actor())
    if args.get("unit"):
        found = [d for d in found if d.unit.code == args["unit"].upper()]
    if args.get("status"):
        found = [d for d in found if d.status == args["status"]]
    return paginate(
        found,
        args,
        lambda d: {
            "id": d.id, "code": d.code, "title": d.title, "kind": d.kind, "revision": d.revision,
            "unit_code": d.unit.code, "status": d.status, "issue_date": d.issue_date,
            "review_due": d.review_due,
        },
    )  # fmt: skip
