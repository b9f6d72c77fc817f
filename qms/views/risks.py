"""A unit's context, interested parties, risks and opportunities (4.1, 4.2, 6.1) and their Word export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from qms.exports import document as docx
from qms.exports import lists
from qms.exports.risks import risk_register
from qms.extensions import db
from qms.formatting import current_lang
from qms.forms.admin import EmptyForm
from qms.forms.risks import ActionForm, IssueForm, PartyForm, RiskForm
from qms.models.org import Unit
from qms.models.risks import ContextIssue, InterestedParty, Risk, RiskAction
from qms.services import access, risks
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.views.helpers import document_download, form_error, refuse, wants_xlsx, xlsx_download

bp = Blueprint("risks", __name__, url_prefix="/units/<int:unit_id>/context")


def _unit(unit_id: int, *, edit: bool = False) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    try:
        if edit:
            access.require_edit_unit_records(current_user, unit)
        else:
            access.require_read_unit(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)
    return unit


@dataclass(frozen=True)
class Kind:
    """One kind of record on the context page: its model, form and service call."""

    model: type
    form: type[FlaskForm]
    fields: tuple[str, ...]
    save: Callable[..., Any]
    title_new: Any
    title_edit: Any
    anchor: str


KINDS: dict[str, Kind] = {
    "issues": Kind(
        ContextIssue,
        IssueForm,
        ("kind", "description", "review_date"),
        lambda unit, record, **values: risks.save_issue(unit, issue=record, **values),
        _l("New context issue"),
        _l("Edit context issue"),
        "context-issues",
    ),
    "parties": Kind(
        InterestedParty,
        PartyForm,
        ("name", "needs", "review_date"),
        lambda unit, record, **values: risks.save_party(unit, party=record, **values),
        _l("New interested party"),
        _l("Edit interested party"),
        "interested-parties",
    ),
    "risks": Kind(
        Risk,
        RiskForm,
        ("kind", "title", "description", "likelihood", "impact", "owner", "review_date"),
        lambda unit, record, **values: risks.save_risk(unit, risk=record, **values),
        _l("New risk or opportunity"),
        _l("Edit risk or opportunity"),
        "risk-register",
    ),
}


@bp.route("/")
@login_required
def show(unit_id: int) -> str | Response:
    unit = _unit(unit_id)
    reg = risks.register_of(unit)
    if wants_xlsx():
        return xlsx_download(lists.risks(reg.risks + reg.opportunities, unit))
    return render_template(
        "risks/context.html",
        unit=unit,
        reg=reg,
        can_edit=access.can_edit_unit_records(current_user, unit),
        history=history_of("unit_context", unit.id),
        delete_form=EmptyForm(),
        today=date.today(),
    )


@bp.route("/<any(issues, parties, risks):kind>/new", methods=["GET", "POST"])
@bp.route("/<any(issues, parties, risks):kind>/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(unit_id: int, kind: str, record_id: int | None = None) -> str | Response:
    unit = _unit(unit_id, edit=True)
    spec = KINDS[kind]
    record = None
    if record_id is not None:
        record = db.get_or_404(spec.model, record_id)
        if record.unit_id != unit.id:
            refuse(NotAllowed(_("This record belongs to another unit.")))
    form = spec.form(obj=record)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in spec.fields}
        try:
            saved = spec.save(unit, record, actor=current_user, **values)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            if isinstance(saved, Risk) and record is None:
                return redirect(url_for("risks.risk", unit_id=unit.id, risk_id=saved.id))
            return redirect(url_for("risks.show", unit_id=unit.id, _anchor=spec.anchor))
    title = spec.title_edit if record is not None else spec.title_new
    cancel = url_for("risks.show", unit_id=unit.id, _anchor=spec.anchor)
    return render_template("risks/form.html", form=form, unit=unit, title=title, cancel=cancel)


@bp.route("/<any(issues, parties, risks):kind>/<int:record_id>/delete", methods=["POST"])
@login_required
def delete(unit_id: int, kind: str, record_id: int) -> Response:
    unit = _unit(unit_id, edit=True)
    spec = KINDS[kind]
    record = db.get_or_404(spec.model, record_id)
    if record.unit_id != unit.id:
        refuse(NotAllowed(_("This record belongs to another unit.")))
    if EmptyForm().validate_on_submit():
        risks.delete(record, actor=current_user)
        db.session.commit()
        flash(_("Deleted."), "success")
    return redirect(url_for("risks.show", unit_id=unit.id, _anchor=spec.anchor))


def _risk_of(unit: Unit, risk_id: int) -> Risk:
    risk = db.get_or_404(Risk, risk_id)
    if risk.unit_id != unit.id:
        refuse(NotAllowed(_("This record belongs to another unit.")))
    return risk


@bp.route("/risks/<int:risk_id>")
@login_required
def risk(unit_id: int, risk_id: int) -> str:
    unit = _unit(unit_id)
    record = _risk_of(unit, risk_id)
    return render_template(
        "risks/risk.html",
        unit=unit,
        risk=record,
        can_edit=access.can_edit_unit_records(current_user, unit),
        history=history_of("risk", record.id),
        delete_form=EmptyForm(),
        today=date.today(),
    )


@bp.route("/risks/<int:risk_id>/actions/new", methods=["GET", "POST"])
@bp.route("/risks/<int:risk_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def action(unit_id: int, risk_id: int, action_id: int | None = None) -> str | Response:
    unit = _unit(unit_id, edit=True)
    record = _risk_of(unit, risk_id)
    existing = None
    if action_id is not None:
        existing = db.get_or_404(RiskAction, action_id)
        if existing.risk_id != record.id:
            refuse(NotAllowed(_("This record belongs to another unit.")))
    form = ActionForm(obj=existing)
    if form.validate_on_submit():
        try:
            risks.save_action(
                record,
                actor=current_user,
                what=form.what.data,
                owner=form.owner.data or "",
                due=form.due.data,
                done_on=form.done_on.data,
                action=existing,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("risks.risk", unit_id=unit.id, risk_id=record.id))
    title = _("Edit treatment action") if existing else _("New treatment action")
    cancel = url_for("risks.risk", unit_id=unit.id, risk_id=record.id)
    return render_template("risks/form.html", form=form, unit=unit, title=title, cancel=cancel, risk=record)


@bp.route("/risks/<int:risk_id>/actions/<int:action_id>/delete", methods=["POST"])
@login_required
def action_delete(unit_id: int, risk_id: int, action_id: int) -> Response:
    unit = _unit(unit_id, edit=True)
    record = _risk_of(unit, risk_id)
    existing = db.get_or_404(RiskAction, action_id)
    if existing.risk_id != record.id:
        refuse(NotAllowed(_("This record belongs to another unit.")))
    if EmptyForm().validate_on_submit():
        risks.delete(existing, actor=current_user)
        db.session.commit()
        flash(_("Deleted."), "success")
    return redirect(url_for("risks.risk", unit_id=unit.id, risk_id=record.id))


@bp.route("/export.docx")
@login_required
def export(unit_id: int) -> Response:
    unit = _unit(unit_id)
    lang = current_lang()
    data = docx.to_bytes(risk_register(unit, lang))
    name = f"boi-canh-rui-ro-{unit.code}.docx" if lang == "vi" else f"context-risks-{unit.code}.docx"
    return document_download(data, name)
