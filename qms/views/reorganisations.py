"""Reorganisations (Sắp xếp tổ chức): a draft set by a legal act, its moves, the preview of what applying
it would do, the apply and the undo. The administrator and the ISO steering committee use them."""

from __future__ import annotations

from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from qms.extensions import db
from qms.forms.admin import EmptyForm
from qms.forms.reorganisations import MoveForm, ReorganisationForm
from qms.models.org import Unit
from qms.models.reorganisation import Reorganisation, ReorganisationMove, ReorganisationStatus
from qms.services import access, org
from qms.services import reorganisation as service
from qms.services.errors import DomainError
from qms.services.history import history_of
from qms.views.helpers import flash_error, form_error

bp = Blueprint("reorganisations", __name__, url_prefix="/reorganisations")


def reorganiser_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not access.can_reorganise(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _unit_choices(day: date, *, empty: str = "—") -> list[tuple[int, str]]:
    """The units that exist on that day, in tree order."""
    return [(0, empty)] + [
        (u.id, "\u00a0\u00a0" * depth + f"{u.code} — {u.name}")
        for u, depth in org.units_tree()
        if u.valid_on(day)
    ]


def _move_form(reorg: Reorganisation) -> MoveForm:
    form = MoveForm(prefix="move")
    units = _unit_choices(reorg.effective_on)
    form.source.choices = units
    form.target.choices = units
    form.new_parent.choices = units
    return form


def _unit(form_field: Any) -> Unit | None:
    return db.session.get(Unit, form_field.data) if form_field.data else None


def _show(reorg: Reorganisation, move_form: MoveForm | None = None) -> str:
    draft = reorg.status == ReorganisationStatus.DRAFT
    return render_template(
        "reorganisations/show.html",
        reorg=reorg,
        move_form=(move_form or _move_form(reorg)) if draft else None,
        button=EmptyForm(),
        record_words={k.key: str(k.label) for k in service.KINDS},
        history=history_of("reorganisation", reorg.id),
    )


@bp.route("/")
@reorganiser_required
def index() -> str:
    return render_template(
        "reorganisations/index.html",
        reorganisations=service.all_reorganisations(),
        move_counts=service.move_counts(),
    )


@bp.route("/new", methods=["GET", "POST"])
@reorganiser_required
def new() -> str | Response:
    form = ReorganisationForm()
    if form.validate_on_submit():
        try:
            reorg = service.create(
                actor=current_user,
                legal_basis=form.legal_basis.data,
                legal_act_date=form.legal_act_date.data,
                effective_on=form.effective_on.data,
                note=form.note.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Reorganisation %(basis)s prepared: add its moves.", basis=reorg.legal_basis), "success")
            return redirect(url_for("reorganisations.show", reorg_id=reorg.id))
    return render_template("reorganisations/form.html", form=form, reorg=None)


@bp.route("/<int:reorg_id>")
@reorganiser_required
def show(reorg_id: int) -> str:
    return _show(db.get_or_404(Reorganisation, reorg_id))


@bp.route("/<int:reorg_id>/edit", methods=["GET", "POST"])
@reorganiser_required
def edit(reorg_id: int) -> str | Response:
    reorg = db.get_or_404(Reorganisation, reorg_id)
    if reorg.status != ReorganisationStatus.DRAFT:
        flash(_("Only a draft reorganisation can be changed."), "warning")
        return redirect(url_for("reorganisations.show", reorg_id=reorg.id))
    form = ReorganisationForm(obj=reorg)
    if form.validate_on_submit():
        try:
            service.update(
                reorg,
                actor=current_user,
                legal_basis=form.legal_basis.data,
                legal_act_date=form.legal_act_date.data,
                effective_on=form.effective_on.data,
                note=form.note.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Reorganisation %(basis)s saved.", basis=reorg.legal_basis), "success")
            return redirect(url_for("reorganisations.show", reorg_id=reorg.id))
    return render_template("reorganisations/form.html", form=form, reorg=reorg)


@bp.route("/<int:reorg_id>/moves", methods=["POST"])
@reorganiser_required
def move_add(reorg_id: int) -> str | Response:
    reorg = db.get_or_404(Reorganisation, reorg_id)
    form = _move_form(reorg)
    if form.validate_on_submit():
        try:
            service.add_move(
                reorg,
                actor=current_user,
                kind=form.kind.data,
                source=_unit(form.source),
                target=_unit(form.target),
                new_code=form.new_code.data,
                new_name=form.new_name.data,
                new_kind=form.new_kind.data or None,
                new_parent=_unit(form.new_parent),
                record_kinds=form.record_kinds.data or [],
            )
        except DomainError as exc:
            form_error(form, exc)
            reorg = db.get_or_404(Reorganisation, reorg_id)
        else:
            db.session.commit()
            flash(_("Move added."), "success")
            return redirect(url_for("reorganisations.show", reorg_id=reorg.id) + "#moves")
    return _show(reorg, form)


@bp.route("/<int:reorg_id>/moves/<int:move_id>/delete", methods=["POST"])
@reorganiser_required
def move_remove(reorg_id: int, move_id: int) -> Response:
    move = db.get_or_404(ReorganisationMove, move_id)
    if move.reorganisation_id != reorg_id:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            service.remove_move(move, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Move removed."), "success")
    return redirect(url_for("reorganisations.show", reorg_id=reorg_id) + "#moves")


@bp.route("/<int:reorg_id>/preview")
@reorganiser_required
def preview(reorg_id: int) -> str:
    reorg = db.get_or_404(Reorganisation, reorg_id)
    return render_template(
        "reorganisations/preview.html",
        reorg=reorg,
        preview=service.preview(reorg),
        button=EmptyForm(),
        today=date.today(),
    )


@bp.route("/<int:reorg_id>/apply", methods=["POST"])
@reorganiser_required
def apply(reorg_id: int) -> Response:
    reorg = db.get_or_404(Reorganisation, reorg_id)
    if EmptyForm().validate_on_submit():
        try:
            result = service.apply(reorg, actor=current_user)
        except service.ReorganisationRefused:
            db.session.rollback()
            flash(_("The reorganisation cannot be applied: the problems are listed below."), "danger")
            return redirect(url_for("reorganisations.preview", reorg_id=reorg_id))
        except DomainError as exc:
            flash_error(exc)
            return redirect(url_for("reorganisations.preview", reorg_id=reorg_id))
        db.session.commit()
        flash(result.message, "success" if result.changed else "info")
    return redirect(url_for("reorganisations.show", reorg_id=reorg_id))


@bp.route("/<int:reorg_id>/undo", methods=["POST"])
@reorganiser_required
def undo(reorg_id: int) -> Response:
    reorg = db.get_or_404(Reorganisation, reorg_id)
    if EmptyForm().validate_on_submit():
        try:
            service.undo(reorg, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Reorganisation %(basis)s undone.", basis=reorg.legal_basis), "success")
    return redirect(url_for("reorganisations.show", reorg_id=reorg_id))
