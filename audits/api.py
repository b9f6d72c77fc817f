"""The audits' endpoints of the JSON API: audits, the findings register, corrective actions, and
logging a finding. Registered into qms' API by `register(app)` (called from audits.views)."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask import Flask
from flask_babel import gettext as _
from marshmallow import validate
from sqlalchemy import select

from audits.models.audit import Audit, AuditStatus
from audits.models.finding import ActionItem, Finding, FindingKind, FindingStatus
from audits.services import findings as finding_service
from audits.services import queries
from qms.api import register_blueprint
from qms.api.core import PageArgs, api_blueprint, current_actor, page_schema, paginate
from qms.extensions import db
from qms.models.clauses import Edition
from qms.services import access, org
from qms.services.errors import NotAllowed, NotFound
from qms.services.periods import MAX_YEAR, MIN_YEAR

bp = api_blueprint("api_audits", __name__, description="Audits, findings and corrective actions")

YEAR = validate.Range(MIN_YEAR, MAX_YEAR)
CODE = validate.Length(min=1, max=40)


def _require_register_reader() -> None:
    """The findings and actions registers are the org-wide readers' pages, as on the web."""
    if not access.reads_everything(current_actor()):
        raise NotAllowed(_("Only org-wide readers see the registers."))


def _unit_id(code: str | None) -> int | None:
    return org.unit_by_code(code).id if code else None


# --- audits ------------------------------------------------------------------------------------


class AuditArgs(PageArgs):
    year = ma.fields.Integer(validate=YEAR)
    status = ma.fields.String(validate=validate.OneOf([s.value for s in AuditStatus]))


class AuditOut(ma.Schema):
    id = ma.fields.Integer()
    ref = ma.fields.String()
    year = ma.fields.Integer()
    kind = ma.fields.String()
    status = ma.fields.String()
    edition = ma.fields.String()
    planned_start = ma.fields.Date()
    planned_end = ma.fields.Date()
    unit_codes = ma.fields.List(ma.fields.String())


@bp.route("/audits")
@bp.arguments(AuditArgs, location="query")
@bp.response(200, page_schema(AuditOut, "AuditPage"))
def audits(args: dict[str, Any]) -> dict[str, Any]:
    """The audits the caller may see (org-wide readers: all; a unit's people: their unit's)"""
    stmt = select(Audit)
    if args.get("year"):
        stmt = stmt.where(Audit.year == args["year"])
    if args.get("status"):
        stmt = stmt.where(Audit.status == args["status"])
    user = current_actor()
    found = [a for a in db.session.scalars(stmt) if access.can_read_audit(user, a.unit_ids)]
    return paginate(
        found,
        args,
        lambda a: {
            "id": a.id, "ref": a.ref, "year": a.year, "kind": a.kind, "status": a.status,
            "edition": a.edition, "planned_start": a.planned_start, "planned_end": a.planned_end,
            "unit_codes": sorted(u.code for u in a.units),
        },
    )  # fmt: skip


# --- findings ----------------------------------------------------------------------------------


class FindingArgs(PageArgs):
    year = ma.fields.Integer(validate=YEAR)
    unit = ma.fields.String(validate=CODE, metadata={"description": "A unit's code"})
    status = ma.fields.String(validate=validate.OneOf([s.value for s in FindingStatus]))
    kind = ma.fields.String(validate=validate.OneOf([k.value for k in FindingKind]))


class FindingOut(ma.Schema):
    id = ma.fields.Integer()
    ref = ma.fields.String(metadata={"description": "NC-2018-007, OBS-2018-003, OFI-2018-002"})
    audit_ref = ma.fields.String()
    kind = ma.fields.String()
    status = ma.fields.String()
    unit_code = ma.fields.String()
    edition = ma.fields.String()
    clause = ma.fields.String()
    statement = ma.fields.String()
    evidence = ma.fields.String()
    raised_on = ma.fields.Date()
    closed_on = ma.fields.Date(allow_none=True)
    overdue = ma.fields.Boolean()


def _finding_row(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "ref": f.label_in("en"), "audit_ref": f.audit.ref, "kind": f.kind, "status": f.status,
        "unit_code": f.unit.code, "edition": f.clause.edition, "clause": f.clause.number,
        "statement": f.statement, "evidence": f.evidence, "raised_on": f.raised_on, "closed_on": f.closed_on,
        "overdue": queries.is_overdue(f),
    }  # fmt: skip


@bp.route("/findings")
@bp.arguments(FindingArgs, location="query")
@bp.response(200, page_schema(FindingOut, "FindingPage"))
def findings(args: dict[str, Any]) -> dict[str, Any]:
    """The findings register (org-wide readers, as on the web)"""
    _require_register_reader()
    filters = {"year": args.get("year"), "unit_id": _unit_id(args.get("unit")),
               "status": args.get("status"), "kind": args.get("kind")}  # fmt: skip
    found = list(db.session.scalars(queries.findings_register_query(**filters)))
    return paginate(found, args, _finding_row)


class FindingIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf([k.value for k in FindingKind]))
    edition = ma.fields.String(
        load_default=Edition.ISO_2015.value, validate=validate.OneOf([e.value for e in Edition])
    )
    clause = ma.fields.String(required=True, validate=validate.Length(min=1, max=20))
    unit_code = ma.fields.String(required=True, validate=CODE)
    statement = ma.fields.String(required=True, validate=validate.Length(min=1, max=5000))
    evidence = ma.fields.String(load_default="", validate=validate.Length(max=10000))
    requirement = ma.fields.String(load_default="", validate=validate.Length(max=5000))
    raised_on = ma.fields.Date(load_default=None, allow_none=True)


@bp.route("/audits/<string:ref>/findings", methods=["POST"])
@bp.arguments(FindingIn)
@bp.response(201, FindingOut)
@bp.alt_response(404, description="No such audit")
@bp.alt_response(403, description="Not an auditor on the audit's team")
@bp.alt_response(409, description="The audit is not in progress")
@bp.alt_response(422, description="A field is wrong")
def create_finding(data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Log a finding (auditors on the audit's team, while it is in progress)"""
    audit = db.session.scalar(select(Audit).where(Audit.ref == ref.strip().upper()))
    if audit is None or not access.can_read_audit(current_actor(), audit.unit_ids):
        raise NotFound(_("No audit %(ref)s.", ref=ref))
    unit = org.find_unit(data["unit_code"])
    finding = finding_service.create_finding(
        audit, actor=current_actor(), kind=data["kind"], edition=data["edition"], clause=data["clause"],
        unit=unit, statement=data["statement"], evidence=data["evidence"],
        requirement=data["requirement"], raised_on=data["raised_on"],
    )  # fmt: skip
    db.session.commit()
    return _finding_row(finding)


# --- corrective actions ------------------------------------------------------------------------


class ActionArgs(PageArgs):
    year = ma.fields.Integer(validate=YEAR)
    unit = ma.fields.String(validate=CODE, metadata={"description": "A unit's code"})
    state = ma.fields.String(validate=validate.OneOf(list(queries.ACTION_STATES)))


class ActionOut(ma.Schema):
    id = ma.fields.Integer()
    finding_ref = ma.fields.String()
    audit_ref = ma.fields.String()
    unit_code = ma.fields.String()
    what = ma.fields.String()
    owner = ma.fields.String()
    due_on = ma.fields.Date()
    done_on = ma.fields.Date(allow_none=True)
    done_note = ma.fields.String()
    overdue = ma.fields.Boolean()


def _action_row(a: ActionItem, today: date) -> dict[str, Any]:
    return {
        "id": a.id, "finding_ref": a.finding.label_in("en"), "audit_ref": a.finding.audit.ref,
        "unit_code": a.finding.unit.code, "what": a.what,
        "owner": a.owner.full_name if a.owner else a.owner_name, "due_on": a.due_on,
        "done_on": a.done_on, "done_note": a.done_note, "overdue": a.is_overdue(today),
    }  # fmt: skip


@bp.route("/corrective-actions")
@bp.arguments(ActionArgs, location="query")
@bp.response(200, page_schema(ActionOut, "CorrectiveActionPage"))
def corrective_actions(args: dict[str, Any]) -> dict[str, Any]:
    """Corrective actions of nonconformities (org-wide readers, as on the web)"""
    _require_register_reader()
    today = date.today()
    stmt = queries.actions_register_query(
        year=args.get("year"), unit_id=_unit_id(args.get("unit")), state=args.get("state"), today=today
    )
    items: list[ActionItem] = list(db.session.scalars(stmt))
    return paginate(items, args, lambda a: _action_row(a, today))


def register(app: Flask) -> None:
    register_blueprint(app, bp)


class ActionDoneIn(ma.Schema):
    done_on = ma.fields.Date(required=True)
    note = ma.fields.String(required=True, validate=validate.Length(min=1, max=5000),
                            metadata={"description": "What was done"})  # fmt: skip


@bp.route("/corrective-actions/<int:action_id>/done", methods=["POST"])
@bp.arguments(ActionDoneIn)
@bp.response(200, ActionOut)
@bp.alt_response(403, description="Not a manager of the audited unit")
@bp.alt_response(404, description="No such corrective action")
@bp.alt_response(409, description="The plan is not accepted yet, or the action is of an earlier round")
@bp.alt_response(422, description="A field is wrong")
def mark_action_done(data: dict[str, Any], action_id: int) -> dict[str, Any]:
    """Record a corrective action as done (the audited unit's managers, once the plan is accepted)"""
    item = db.session.get(ActionItem, action_id)
    if item is None or not access.can_read_audit(current_actor(), item.finding.audit.unit_ids):
        raise NotFound(_("No such corrective action."))
    finding_service.mark_action_done(item, actor=current_actor(), done_on=data["done_on"], note=data["note"])
    db.session.commit()
    return _action_row(item, date.today())
