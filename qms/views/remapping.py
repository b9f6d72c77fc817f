"""Remapping stored 2008 clause references: the organisation's screen, a unit's screen, decisions."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from qms.extensions import db
from qms.formatting import current_lang
from qms.forms.remapping import BulkAcceptForm, DecideForm, UndoForm
from qms.models.clauses import Clause, Edition
from qms.models.org import Unit
from qms.services import access, org, remapping
from qms.services.errors import DomainError, NotAllowed
from qms.views.helpers import flash_error, form_error, refuse, safe_next, small_int

bp = Blueprint("remapping", __name__, url_prefix="/transition/references")


@bp.record_once
def _globals(state: object) -> None:
    app: Flask = state.app  # type: ignore[attr-defined]
    app.jinja_env.globals.update(clause_ref=remapping.clause_ref, remap=remapping)


def _unit_or_404(code: str) -> Unit:
    unit = org.find_unit(code)
    if unit is None:
        abort(404)
    return unit


def _back(value: str | None, default: str) -> str:
    """Only a page of this screen is a place to come back to."""
    target = safe_next(value, default)
    return target if target.startswith(bp.url_prefix or "/") else default


@bp.route("/")
@login_required
def overview() -> str:
    kind = request.args.get("kind") or None
    try:
        refs = remapping.pending_references(actor=current_user, kind=kind)
        decisions = remapping.decisions_in_force(actor=current_user)
    except NotAllowed as exc:
        refuse(exc)
    left = remapping.references_left()
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(left)).order_by(Unit.code)))
    return render_template(
        "remapping/overview.html",
        refs=refs,
        decisions=decisions,
        left=left,
        units=units,
        total=remapping.references_left_total(),
        kind=kind,
        kinds=remapping.SOURCES.values(),
        bulk_form=BulkAcceptForm(back=request.full_path.rstrip("?")),
        undo_form=UndoForm(back=request.full_path.rstrip("?")),
        info=remapping.record_info,
    )


@bp.route("/units/<code>")
@login_required
def unit_screen(code: str) -> str:
    unit = _unit_or_404(code)
    try:
        refs = remapping.pending_references(actor=current_user, unit=unit)
        decisions = remapping.decisions_in_force(actor=current_user, unit=unit)
    except NotAllowed as exc:
        refuse(exc)
    return render_template(
        "remapping/unit.html",
        unit=unit,
        refs=refs,
        decisions=decisions,
        left=remapping.references_left([unit.id]).get(unit.id, 0),
        bulk_form=BulkAcceptForm(back=request.path),
        undo_form=UndoForm(back=request.path),
        info=remapping.record_info,
        may_decide=access.can_remap(current_user, {unit.id}, steering_only=False),
    )


@bp.route("/accept", methods=["POST"])
@login_required
def accept_selected() -> Response:
    form = BulkAcceptForm()
    back = _back(form.back.data, url_for("remapping.overview"))
    if not form.validate_on_submit():
        abort(400)
    try:
        decisions = remapping.accept_all(form.refs.data or [], actor=current_user)
    except DomainError as exc:
        flash_error(exc)
        return redirect(back)
    db.session.commit()
    flash(ngettext("%(num)d reference remapped.", "%(num)d references remapped.", len(decisions)), "success")
    return redirect(back)


def _choices(ref: remapping.PendingReference) -> list[tuple[str, str]]:
    proposed = {m.clause_2015_id for m in ref.proposals}
    clauses = db.session.scalars(
        select(Clause).where(Clause.edition == Edition.ISO_2015.value).order_by(Clause.sort_key)
    )
    lang = current_lang()
    return [(str(c.id), f"{c.number} {c.title(lang)}") for c in clauses if c.id not in proposed]


@bp.route("/decide", methods=["GET", "POST"])
@login_required
def decide() -> str | Response:
    key = request.values.get("ref", "")
    try:
        ref = remapping.pending_reference(key, actor=current_user)
    except DomainError as exc:
        refuse(exc)
    form = DecideForm()
    if request.method == "GET":
        form.back.data = request.args.get("back", "")
    back = _back(
        form.back.data, remapping.remap_url(ref.units[0].code if len(ref.units) == 1 else None) or "/"
    )
    if form.validate_on_submit():
        chosen = [n for n in map(small_int, form.clauses.data or []) if n is not None]
        try:
            remapping.accept(key, actor=current_user, clause_ids=chosen, comment=form.comment.data or "")
        except NotAllowed as exc:
            refuse(exc)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The reference was remapped."), "success")
            return redirect(back)
    return render_template(
        "remapping/decide.html",
        ref=ref,
        form=form,
        others=_choices(ref),
        chosen={v for v in (form.clauses.data or [])},
        back=back,
    )


@bp.route("/decisions/<int:decision_id>/undo", methods=["POST"])
@login_required
def undo(decision_id: int) -> Response:
    form = UndoForm()
    back = _back(form.back.data, url_for("remapping.overview"))
    if not form.validate_on_submit():
        abort(400)
    try:
        remapping.undo(remapping.get_decision(decision_id), actor=current_user)
    except DomainError as exc:
        flash_error(exc)
        return redirect(back)
    db.session.commit()
    flash(_("The decision was undone: the record cites its 2008 clause again."), "success")
    return redirect(back)
